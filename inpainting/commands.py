"""What `dcgan-complete` and `dcgan-complete-bulk` do with their flags.

Each checks what it can before TensorFlow loads (`inpainting.preflight`),
then loads the export and runs; the entry points only define the flags.
"""

from typing import Sequence

from absl import logging

from common.errors import InputError
from inpainting import preflight
from inpainting.completion_flags import CompletionOptions
from inpainting.search_config import default_config


def complete(argv: Sequence[str], options: CompletionOptions, metrics: bool):
  """dcgan-complete: completes the files and writes --out.

  Args:
    argv: absl's remaining arguments; the program's name alone.
    options: The shared completion flags.
    metrics: --metrics.
  """
  preflight.check_inputs(argv, options)
  from inpainting import complete as complete_lib
  from inpainting import saved_models

  gans = saved_models.load_exports(options.model_dir, options.version)
  config = default_config(gans[0].encode is not None, **options.search)
  report = complete_lib.complete_files(
    gans,
    options.images,
    options.mask,
    options.out,
    config,
    metrics,
    options.batch_size,
    options.full_resolution,
  )
  mean = report.get("mean")
  if mean:
    logging.info(
      "hole PSNR %.2f dB, hole SSIM %.3f over %d images",
      mean["hole_psnr"],
      mean["hole_ssim"],
      len(report["images"]),
    )
  print(f"Wrote {len(report['images'])} completions to {options.out}")


def complete_bulk(
  argv: Sequence[str], options: CompletionOptions, workers: int, prog: str
):
  """dcgan-complete-bulk: runs the Beam pipeline, then writes the manifest.

  Args:
    argv: absl's remaining arguments: the program's name, then Beam's flags
      (given after `--`).
    options: The shared completion flags.
    workers: DirectRunner processes.
    prog: The command's name, for its progress lines.

  Raises:
    InputError: nothing could be completed (failed.jsonl says why).
  """
  beam_args = preflight.check_bulk_inputs(argv, options, workers)
  from common import tf_env
  from inpainting import bulk_job, saved_models

  # The launcher loads the export only to check it: on a GPU host it must
  # not take the memory the workers need.
  tf_env.grow_gpu_memory()

  gans = saved_models.load_exports(options.model_dir, options.version)
  for gan in gans:
    saved_models.check_search(gan, options.search.get("search", "z"))
  job = bulk_job.BulkJob(
    options.model_dir,
    saved_models.pinned_versions(gans),
    tuple(options.mask),
    options.out,
    options.search,
    options.batch_size,
    options.full_resolution,
  )
  counts = bulk_job.run_bulk(job, options.images, beam_args, workers, prog)
  print(
    f"{counts['completed']} images completed in {options.out} "
    f"({counts['failed']} failed: failed.jsonl)"
  )
  if not counts["completed"]:
    raise InputError(
      f"--images={options.images}: no image could be completed; the "
      f"reasons are in {options.out}/failed.jsonl"
    )
