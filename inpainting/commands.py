"""What `dcgan-complete` and `dcgan-complete-bulk` do with their flags.

Each checks what it can before TensorFlow loads (`inpainting.preflight`),
then loads the export and runs; the entry points only define the flags.
"""

from typing import Dict, Sequence

from absl import logging

from common.errors import InputError
from inpainting import preflight
from inpainting.search_config import default_config

# SearchConfig's fields that both commands have flags for (--steps, ...).
SEARCH_FLAGS = (
  "steps",
  "restarts",
  "average_best",
  "seed",
  "prior_weight",
  "learning_rate",
  "pool_size",
)


def complete(
  argv: Sequence[str],
  search: Dict,
  *,
  model_dir,
  version,
  images,
  mask,
  out,
  batch_size,
  metrics,
  full_resolution,
):
  """dcgan-complete: completes the files and writes --out.

  Args:
    argv: absl's remaining arguments; the program's name alone.
    search: The SearchConfig fields the user gave; the others take the
      export's defaults (`default_config`).
    model_dir, ...: The flags of the same names (`mask`: the specs).
  """
  preflight.check_inputs(
    argv, model_dir, images, mask, out, batch_size, version
  )
  from inpainting import complete as complete_lib
  from inpainting import saved_models

  gan = saved_models.load_exported_gan(model_dir, version)
  config = default_config(gan.encode is not None, **search)
  report = complete_lib.complete_files(
    gan, images, mask, out, config, metrics, batch_size, full_resolution
  )
  mean = report.get("mean")
  if mean:
    logging.info(
      "hole PSNR %.2f dB, hole SSIM %.3f over %d images",
      mean["hole_psnr"],
      mean["hole_ssim"],
      len(report["images"]),
    )
  print(f"Wrote {len(report['images'])} completions to {out}")


def complete_bulk(
  argv: Sequence[str],
  search: Dict,
  *,
  prog,
  model_dir,
  version,
  images,
  mask,
  out,
  batch_size,
  workers,
  full_resolution,
):
  """dcgan-complete-bulk: runs the Beam pipeline, then writes the manifest.

  Args:
    argv: absl's remaining arguments: the program's name, then Beam's flags
      (given after `--`).
    search, model_dir, ...: As `complete`'s; `workers`: DirectRunner
      processes.

  Raises:
    InputError: nothing could be completed (failed.jsonl says why).
  """
  beam_args = preflight.check_bulk_inputs(
    argv, model_dir, images, mask, out, batch_size, version, workers
  )
  from inpainting import bulk_job, saved_models

  gan = saved_models.load_exported_gan(model_dir, version)
  job = bulk_job.BulkJob(
    model_dir,
    gan.version,
    tuple(mask),
    out,
    search,
    batch_size,
    full_resolution,
  )
  counts = bulk_job.run_bulk(job, images, beam_args, workers, prog)
  print(
    f"{counts['completed']} images completed in {out} "
    f"({counts['failed']} failed: failed.jsonl)"
  )
  if not counts["completed"]:
    raise InputError(
      f"--images={images}: no image could be completed; the "
      f"reasons are in {out}/failed.jsonl"
    )
