"""The launcher side of `dcgan-complete-bulk`: checks, the input listing,
the runner's options, progress, and the manifest at the end.

The pipeline itself is `inpainting/bulk.py`'s.
"""

import contextlib
import dataclasses
import json
import logging
import os
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence, Union

from common import config_checks, files, owners
from common.errors import InputError
from inpainting import image_io

# A progress line every this many seconds (DirectRunner).
PROGRESS_EVERY_S = 10.0

OUTPUT_KINDS = ("blended", "completed", "uncertainty")
FULL_RESOLUTION_DIR = "full_resolution"
DONE_DIR = ".done"
FAILED_DIR = ".failed"
INPUTS_FILE = "inputs.jsonl"
MANIFEST_FILE = "manifest.jsonl"
FAILED_FILE = "failed.jsonl"
# The settings of the first run into --out; a rerun must match them.
JOB_FILE = "job.json"
TFRECORD_PREFIX = "tfrecord:"
MASK_DIR_PREFIX = "dir:"
# What --out may hold besides our outputs for a rerun into it.
OWN_ENTRIES = set(OUTPUT_KINDS) | {
  FULL_RESOLUTION_DIR,
  DONE_DIR,
  FAILED_DIR,
  INPUTS_FILE,
  JOB_FILE,
  MANIFEST_FILE,
  FAILED_FILE,
}


@dataclasses.dataclass(frozen=True)
class BulkJob:
  """What the workers need; picklable (paths and plain values only).

  Attributes:
    model_dir, version: The export and its version (resolved at launch);
      an ensemble's exports (comma-separated) and their versions, a list.
    mask_specs: --mask, or ["dir:PATH"]: PATH/NAME.png per image.
    out: The output folder.
    search: SearchConfig overrides the user gave (the rest: the export's
      defaults, as dcgan-complete).
    batch_size: Images per compiled call.
    full_resolution: Also write full_resolution/NAME.png.
  """

  model_dir: str
  version: Union[int, List[int]]
  mask_specs: Sequence[str]
  out: str
  search: Dict
  batch_size: int = 64
  full_resolution: bool = False


def done_path(out: str, name: str) -> str:
  return os.path.join(out, DONE_DIR, *name.split("/")) + ".json"


def is_tfrecord(images: str) -> bool:
  return images.startswith(TFRECORD_PREFIX)


def check_out_dir(out: str, image_set: Optional[image_io.ImageSet]):
  """dcgan-complete's rules for --out, except that the --out of an earlier
  bulk run is accepted: a rerun completes what it left.

  Raises:
    InputError: naming --out and the reason.
  """
  try:
    entries = (
      {e.rstrip("/") for e in files.listdir(out)} if files.isdir(out) else set()
    )
  except OSError as e:
    raise InputError(f"--out={out}: cannot list it ({e.strerror})") from None
  if not entries:
    image_io.check_out_dir(out, image_set)  # new or empty
    return
  # A launcher killed while writing leaves a temporary file of its own.
  entries = {e for e in entries if not e.startswith(files.TEMP_PREFIX)}
  strangers = sorted(entries - OWN_ENTRIES)
  if DONE_DIR not in entries or strangers:
    raise InputError(
      f"--out={out}: holds {', '.join(strangers[:3]) or 'files'} that no "
      "dcgan-complete-bulk run wrote; give a new or empty directory, or "
      "the --out of an earlier run to complete what it left"
    )
  if image_set and image_set.base and image_io.is_within(out, image_set.base):
    raise InputError(
      f"--out={out}: is inside {image_set.base}, the folder "
      f"--images={image_set.pattern} reads; give a directory "
      "outside it"
    )


def check_settings(job: BulkJob, images: str) -> None:
  """Records the first run's settings in OUT/job.json and refuses a rerun
  with others: one --out never mixes two models or two searches.

  Raises:
    InputError: naming what differs and the earlier value.
  """
  settings = {
    "images": images,
    "model_dir": job.model_dir,
    "version": job.version,
    "mask": list(job.mask_specs),
    "search": dict(sorted(job.search.items())),
    "full_resolution": job.full_resolution,
  }
  path = os.path.join(job.out, JOB_FILE)
  if not files.exists(path):
    files.atomic_write(path, json.dumps(settings, indent=2) + "\n")
    return
  earlier = json.loads(files.read(path))
  changed = [k for k in settings if earlier.get(k) != settings[k]]
  if changed:
    raise InputError(
      f"--out={job.out}: an earlier run into it had "
      f"{config_checks.mismatch(changed, earlier, settings)}; rerun it with "
      "those flags (--version pins the model), or give another --out"
    )


def list_inputs(image_set: image_io.ImageSet, out: str) -> str:
  """Writes OUT/inputs.jsonl, one line per input file (index, path, name)
  in dcgan-complete's order; returns its path. Workers read it, so a
  million paths never travel in the job graph."""
  text = "".join(
    json.dumps({"index": i, "path": f.path, "name": f.name}) + "\n"
    for i, f in enumerate(image_set.files)
  )
  path = os.path.join(out, INPUTS_FILE)
  if not files.exists(path) or files.read(path) != text:
    files.atomic_write(path, text)
  return path


def _records(folder: str) -> List[Dict]:
  records = []
  for root, _, names in files.walk(folder) if files.isdir(folder) else []:
    for name in names:
      if name.endswith(".json") and not name.startswith("."):
        records.append(json.loads(files.read(os.path.join(root, name))))
  return sorted(records, key=lambda r: r["name"])


def gather(out: str) -> Dict[str, int]:
  """Writes manifest.jsonl (every completed image, this run's and earlier
  ones') and failed.jsonl (failures not completed since); returns counts."""
  done = _records(os.path.join(out, DONE_DIR))
  done_names = {r["name"] for r in done}
  failed = [
    r
    for r in _records(os.path.join(out, FAILED_DIR))
    if r["name"] not in done_names
  ]
  for name, records in ((MANIFEST_FILE, done), (FAILED_FILE, failed)):
    path = os.path.join(out, name)
    text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
    # A rerun with nothing to do writes nothing.
    if not files.exists(path) or files.read(path) != text:
      files.atomic_write(path, text)
  return {"completed": len(done), "failed": len(failed)}


def remove_dead_writers_files(out: str) -> List[str]:
  """Deletes the temporary files (`files.atomic_write`'s `.tmp-NAME.PID`)
  that writers killed mid-write left in a local --out; returns them."""
  removed = []
  if files.is_url(out):
    return removed
  for root, _, names in os.walk(out):
    for name in names:
      pid = name.rsplit(".", 1)[-1]
      if not (name.startswith(files.TEMP_PREFIX) and pid.isdigit()):
        continue
      if owners.Owner(owners.HOST, int(pid)).is_alive() is False:
        os.remove(os.path.join(root, name))
        removed.append(os.path.join(root, name))
  return removed


def _count_done(out: str) -> int:
  total = 0
  for _, _, names in os.walk(os.path.join(out, DONE_DIR)):
    total += sum(n.endswith(".json") and not n.startswith(".") for n in names)
  return total


class Progress:
  """A line on stderr every PROGRESS_EVERY_S: done/total, images/s, ETA.

  Counts the records the workers have written (a local --out: the
  DirectRunner's case).
  """

  def __init__(self, out: str, total: int, prog: str):
    self.out, self.total, self.prog = out, total, prog
    self._stop = threading.Event()
    self._thread = threading.Thread(target=self._run, daemon=True)

  def __enter__(self):
    self._thread.start()
    return self

  def __exit__(self, *exc):
    self._stop.set()
    self._thread.join()

  def _run(self):
    start, first = time.perf_counter(), _count_done(self.out)
    while not self._stop.wait(PROGRESS_EVERY_S):
      done = _count_done(self.out)
      rate = (done - first) / (time.perf_counter() - start)
      left = self.total - done
      eta = f"{left / rate:.0f} s" if rate > 0 else "unknown"
      print(
        f"{self.prog}: {done}/{self.total} images, {rate:.2f} images/s, "
        f"ETA {eta}",
        file=sys.stderr,
        flush=True,
      )


def pipeline_options(beam_args: Sequence[str], workers: int):
  """Beam's options: the user's Beam flags, or by default the DirectRunner
  in multi-processing mode (one model per worker process)."""
  from apache_beam.options.pipeline_options import PipelineOptions

  args = list(beam_args)
  if not any(a.startswith("--runner") for a in args):
    args += ["--runner=DirectRunner"]
  if not any(a.startswith("--default_sdk_harness_log_level") for a in args):
    # The workers' own INFO lines (bundles, gRPC channels): noise to a user.
    args += ["--default_sdk_harness_log_level=WARNING"]
  if is_direct(args):
    if not any(a.startswith("--direct_running_mode") for a in args):
      args += ["--direct_running_mode=multi_processing"]
    if not any(a.startswith("--direct_num_workers") for a in args):
      args += [f"--direct_num_workers={workers}"]
  return PipelineOptions(args)


def is_direct(beam_args: Sequence[str]) -> bool:
  runners = [a.split("=", 1)[-1] for a in beam_args if a.startswith("--runner")]
  return not runners or runners[-1] in ("DirectRunner", "direct")


def run_bulk(
  job: BulkJob,
  images: str,
  beam_args: Sequence[str] = (),
  workers: int = 1,
  prog: str = "dcgan-complete-bulk",
) -> Dict[str, int]:
  """Runs the pipeline to the end, then writes the manifest.

  Args:
    job: What the workers do (the export's version resolved).
    images: --images: a file, folder or glob, or `tfrecord:GLOB`.
    beam_args: Beam's own flags (--runner=..., ...).
    workers: DirectRunner processes, when no runner flag says otherwise.

  Returns:
    {"completed": images completed in all runs into job.out, "failed":
    images in failed.jsonl, "inputs": the images listed (None for TFRecord)}.

  Raises:
    InputError: a bad --images or --out, before the pipeline starts.
  """
  # Beam's INFO lines (its imports, the job service, the workers' forwarded
  # logs) are not ours.
  logging.getLogger("apache_beam").setLevel(logging.ERROR)
  import apache_beam as beam

  from inpainting import bulk

  image_set = None if is_tfrecord(images) else image_io.find_image_files(images)
  check_out_dir(job.out, image_set)
  remove_dead_writers_files(job.out)
  try:
    files.makedirs(os.path.join(job.out, DONE_DIR))
    check_settings(job, images)
    input_list = list_inputs(image_set, job.out) if image_set else None
  except OSError as e:
    raise InputError(
      f"--out={job.out}: cannot write in it ({e.strerror or e})"
    ) from None
  total = len(image_set.files) if image_set else None
  watch = total and is_direct(beam_args) and not files.is_url(job.out)
  with Progress(job.out, total, prog) if watch else contextlib.nullcontext():
    with beam.Pipeline(options=pipeline_options(beam_args, workers)) as p:
      bulk.build(p, job, images, input_list)
  return {**gather(job.out), "inputs": total}
