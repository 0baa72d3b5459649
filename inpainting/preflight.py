"""What `dcgan-complete` can check before TensorFlow loads.

Pure Python (paths through `common.files`), so a typo in a flag fails at
once, not after the multi-second TensorFlow import.
"""

import importlib.util
from typing import Dict, List, Sequence

from common import files, masks
from common.errors import InputError
from inpainting import bulk_job, image_io
from inpainting.completion_flags import CompletionOptions, model_dirs


def _check_flags(options: CompletionOptions, counts: Dict[str, int]) -> None:
  """The flags both completion commands share: required paths, counts of at
  least 1 (`counts`: {flag: value}), the version and the model dir."""
  for name in ("model_dir", "images", "out"):
    if not getattr(options, name):
      raise InputError(f"--{name} is required")
  for name, value in counts.items():
    if value < 1:
      raise InputError(f"--{name}={value} must be an integer >= 1")
  if options.version is not None and options.version < 1:
    raise InputError(f"--version={options.version} must be an integer >= 1")
  # files: a URL (gs://...) is checked on its own file system.
  for model_dir in model_dirs(options.model_dir):
    if not files.isdir(model_dir):
      exists = files.exists(model_dir)
      problem = "not a directory" if exists else "no such directory"
      raise InputError(f"--model_dir={model_dir}: {problem}")


def check_inputs(argv: Sequence[str], options: CompletionOptions) -> None:
  """Refuses what would fail later: arguments, missing flags, bad numbers,
  paths.

  Args:
    argv: absl's remaining arguments; the program's name alone.
    options: dcgan-complete's flags.

  Raises:
    InputError: naming the flag or file.
  """
  if len(argv) > 1:
    raise InputError(f"unexpected arguments: {' '.join(argv[1:])}")
  _check_flags(options, {"batch_size": options.batch_size})
  masks.parse_specs(options.mask)
  found = image_io.find_image_files(options.images)
  image_io.check_out_dir(options.out, found)


def check_bulk_inputs(
  argv: Sequence[str], options: CompletionOptions, workers: int
) -> List[str]:
  """`check_inputs` for dcgan-complete-bulk; returns Beam's own flags (the
  arguments after `--`).

  Raises:
    InputError: naming the flag or file.
  """
  beam_args = list(argv[1:])
  stray = [a for a in beam_args if not a.startswith("--")]
  if stray:
    raise InputError(
      f"unexpected arguments: {' '.join(stray)} (Beam's flags go after --)"
    )
  if importlib.util.find_spec("apache_beam") is None:
    raise InputError(
      "apache-beam is not installed: pip install "
      "'dcgan-completion[beam]' (or '.[beam]' in a checkout)"
    )
  _check_flags(options, {"batch_size": options.batch_size, "workers": workers})
  mask_specs, images = options.mask, options.images
  if mask_specs and mask_specs[0].startswith(bulk_job.MASK_DIR_PREFIX):
    folder = mask_specs[0][len(bulk_job.MASK_DIR_PREFIX) :]
    if len(mask_specs) > 1 or not files.isdir(folder):
      raise InputError(
        f"--mask={','.join(mask_specs)}: dir:FOLDER must be "
        "the only mask spec and name a folder"
      )
  else:
    masks.parse_specs(mask_specs)
  image_set = None
  if bulk_job.is_tfrecord(images):
    pattern = images[len(bulk_job.TFRECORD_PREFIX) :]
    if not files.glob(pattern):
      raise InputError(f"--images={images}: no TFRecord files found")
  else:
    image_set = image_io.find_image_files(images)
  bulk_job.check_out_dir(options.out, image_set)
  return beam_args
