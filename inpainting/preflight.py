"""What `dcgan-complete` can check before TensorFlow loads.

Pure Python (paths through `common.files`), so a typo in a flag fails at
once, not after the multi-second TensorFlow import.
"""

from typing import Optional, Sequence

from common import files, masks
from common.errors import InputError
from inpainting import image_io


def check_inputs(argv: Sequence[str], model_dir: Optional[str],
                 images: Optional[str], mask_specs: Sequence[str],
                 out: Optional[str], batch_size: int,
                 version: Optional[int]) -> None:
  """Refuses what would fail later: arguments, missing flags, bad numbers,
  paths.

  Args:
    argv: absl's remaining arguments; the program's name alone.
    model_dir, images, mask_specs, out, batch_size, version: The flags of
      the same names (`mask_specs` is --mask).

  Raises:
    InputError: naming the flag or file.
  """
  if len(argv) > 1:
    raise InputError(f"unexpected arguments: {' '.join(argv[1:])}")
  for name, value in (("model_dir", model_dir), ("images", images),
                      ("out", out)):
    if not value:
      raise InputError(f"--{name} is required")
  if batch_size < 1:
    raise InputError(f"--batch_size={batch_size} must be an integer >= 1")
  if version is not None and version < 1:
    raise InputError(f"--version={version} must be an integer >= 1")
  # files: a URL (gs://...) is checked on its own file system.
  if not files.isdir(model_dir):
    problem = ("not a directory" if files.exists(model_dir)
               else "no such directory")
    raise InputError(f"--model_dir={model_dir}: {problem}")
  masks.parse_specs(mask_specs)
  image_io.check_out_dir(out, image_io.find_image_files(images))
