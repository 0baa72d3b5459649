"""Image files: finding inputs, naming outputs, reading and writing.

uint8 on disk, float32 [-1, 1] in memory. Paths may be local or any
TensorFlow file system's URL (gs://, file://, ram://; see common/files.py).
For local paths, finding files and checking the output directory are pure
Python, so `dcgan-complete` can reject a wrong --images or --out in a second;
TensorFlow is imported by the functions that decode, resize or encode, and
by the file functions for a URL. Pixels <-> [-1, 1] and the centre crop and
resize are common/pixels.py's, the same code training's input pipeline
runs.
"""

import dataclasses
import os
import re
from typing import List, Optional

import numpy as np

from common import files
from common.errors import InputError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
_GLOB_MAGIC = re.compile(r"[*?[]")


@dataclasses.dataclass(frozen=True)
class ImageFile:
  """An input image and the name its outputs get.

  Attributes:
    path: The file as found.
    name: Its path relative to the --images folder (or the glob's fixed
      directory; for a single file, the file name), without the extension and
      with "/" separators: "a/x" for folder/a/x.png. Outputs are KIND/NAME.png.
  """

  path: str
  name: str


@dataclasses.dataclass(frozen=True)
class ImageSet:
  """What --images found.

  Attributes:
    pattern: The --images value.
    base: The directory the images are read from (the folder, or the glob's
      directory before its first wildcard); None for a single file.
    files: Sorted by path.
  """

  pattern: str
  base: Optional[str]
  files: List[ImageFile]

  @property
  def paths(self) -> List[str]:
    return [f.path for f in self.files]


def glob_base(pattern: str) -> str:
  """The directory of `pattern` before its first wildcard ("." if none)."""
  # "/" is os.sep here and every URL's separator: gs://b/x/*.png -> gs://b/x.
  parts = pattern.split(os.sep)
  fixed = []
  for part in parts[:-1]:
    if _GLOB_MAGIC.search(part):
      break
    fixed.append(part)
  base = os.sep.join(fixed)
  if not base and pattern.startswith(os.sep):
    return os.sep
  return base or "."


def _folder_images(folder: str) -> List[str]:
  # Locally only regular files (after symlinks): a named pipe would block
  # the read forever, so it is never a candidate. A URL's walk lists objects
  # only, and a stat per object would cost a request each.
  url = files.is_url(folder)
  return [
    os.path.join(d, f)
    for d, _, names in files.walk(folder)
    for f in names
    if f.lower().endswith(IMAGE_EXTENSIONS)
    and (url or os.path.isfile(os.path.join(d, f)))
  ]


def _relative(path: str, base: str) -> str:
  if not files.is_url(path):
    return os.path.relpath(path, base)
  # os.path.relpath would normalise gs://b into gs:/b; a URL is a string.
  prefix = base.rstrip("/") + "/"
  return path[len(prefix) :] if path.startswith(prefix) else os.pardir


def _named(pattern: str, base: Optional[str], paths) -> ImageSet:
  """Gives each path its output name; refuses two inputs with one name."""
  found, owners = [], {}
  for path in sorted(set(paths)):
    relative = _relative(path, base) if base else os.path.basename(path)
    if relative.split(os.sep)[0] == os.pardir:
      raise InputError(f"--images={pattern}: {path} lies outside {base}")
    name = os.path.splitext(relative)[0].replace(os.sep, "/")
    if name in owners:
      raise InputError(
        f"--images={pattern}: {owners[name]} and {path} would "
        f"both be written as {name}.png; rename one"
      )
    owners[name] = path
    found.append(ImageFile(path, name))
  return ImageSet(pattern, base, found)


def find_image_files(pattern: str) -> ImageSet:
  """A file, a folder (its PNG/JPEG files, recursively) or a glob.

  Only regular files are read. Output names keep the inputs' paths relative
  to the folder or to the glob's fixed directory, so a/x.png and b/x.png
  stay apart.

  Raises:
    InputError: nothing found, a non-regular file given, or two inputs that
      would share an output name.
  """
  if not pattern:
    raise InputError("--images is required")
  try:
    if files.isdir(pattern):
      images = _named(pattern, pattern, _folder_images(pattern))
      if not images.files:
        raise InputError(
          f"--images={pattern}: no PNG/JPEG image files found in this folder"
        )
      return images
    if files.isfile(pattern):
      return _named(pattern, None, [pattern])
    if files.exists(pattern):
      raise InputError(f"--images={pattern}: not a regular file or folder")
    if not _GLOB_MAGIC.search(pattern):
      raise InputError(f"--images={pattern}: no such file or directory")
    matches = [p for p in files.glob(pattern) if files.isfile(p)]
  except OSError as e:
    raise InputError(
      f"--images={pattern}: cannot read it ({e.strerror or e})"
    ) from None
  if not matches:
    raise InputError(f"--images={pattern}: no image files found")
  return _named(pattern, glob_base(pattern), matches)


def find_images(pattern: str) -> List[str]:
  """The paths `find_image_files` finds, sorted."""
  return find_image_files(pattern).paths


def is_within(path: str, folder: str) -> bool:
  if files.is_url(path) != files.is_url(folder):
    return False  # A local folder never holds a URL (file:// aside).
  path, folder = files.realpath(path), files.realpath(folder)
  return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _nearest_existing(path: str) -> str:
  while not os.path.lexists(path):
    path = os.path.dirname(path)
  return path


def check_out_dir(out_dir: str, images: Optional[ImageSet] = None):
  """Refuses an output directory a fresh run cannot be written into.

  It must be new or an empty directory (a rerun never replaces or mixes
  earlier results), outside the folder --images reads (a later run would
  read the outputs as inputs), and its parent must be writable (the results
  are staged there).

  Raises:
    InputError: naming --out and the reason.
  """
  if not out_dir:
    raise InputError("--out is required")
  try:
    if files.exists(out_dir) and not files.isdir(out_dir):
      raise InputError(f"--out={out_dir}: exists and is not a directory")
  except OSError as e:
    raise InputError(
      f"--out={out_dir}: cannot read it ({e.strerror or e})"
    ) from None
  if images is not None and images.base and is_within(out_dir, images.base):
    raise InputError(
      f"--out={out_dir}: is inside {images.base}, the folder "
      f"--images={images.pattern} reads; give a directory "
      "outside it"
    )
  if files.isdir(out_dir):
    try:
      entries = files.listdir(out_dir)
    except OSError as e:
      raise InputError(
        f"--out={out_dir}: cannot list it ({e.strerror})"
      ) from None
    if entries:
      raise InputError(
        f"--out={out_dir}: is not empty (earlier results are "
        "never replaced); give a new or empty directory"
      )
  if files.is_url(out_dir):
    # No permission bits to ask on other file systems: staging in the
    # parent fails with one line naming --out if it cannot be written.
    return
  parent = _nearest_existing(os.path.dirname(os.path.realpath(out_dir)))
  if not os.path.isdir(parent):
    raise InputError(f"--out={out_dir}: {parent} is not a directory")
  if not os.access(parent, os.W_OK | os.X_OK):
    raise InputError(f"--out={out_dir}: cannot write in {parent}")


def crop_box(height: int, width: int):
  """(top, left, side) of the centred square `pixels.center_square` cuts."""
  side = min(height, width)
  return (height - side) // 2, (width - side) // 2, side


def write_back(original, completed, mask) -> np.ndarray:
  """The completion written into the original photo at its own resolution.

  The model completed the photo's centred square, resized to the model's
  size. Here the hole (the model-size mask upsampled to the square's side,
  nearest neighbour) takes the completed pixels upsampled bilinearly; every
  other pixel, the parts outside the square included, stays the input's
  byte for byte, and so does an alpha channel.

  Args:
    original: uint8 [H, W, c] as decoded with the file's own channels.
    completed: float [S, S, C] in [-1, 1] (the blended completion).
    mask: [S, S, 1], 1 = known.

  Returns:
    uint8 [H, W, c].
  """
  import tensorflow as tf

  from common import pixels

  original = np.asarray(original)
  top, left, side = crop_box(*original.shape[:2])
  hole = (
    tf.image.resize(
      tf.constant(mask, tf.float32), (side, side), method="nearest"
    ).numpy()[..., 0]
    < 0.5
  )
  content = tf.image.resize(
    tf.constant(completed, tf.float32), (side, side), method="bilinear"
  )
  colour = original.shape[-1] - (1 if original.shape[-1] in (2, 4) else 0)
  content = pixels.to_channels(pixels.to_uint8(content), colour).numpy()
  out = original.copy()
  square = out[top : top + side, left : left + side, :colour]
  square[hole] = content[hole]
  return out
