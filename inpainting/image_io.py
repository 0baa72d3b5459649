"""Image files: finding inputs, naming outputs, reading and writing.

uint8 on disk, float32 [-1, 1] in memory. Finding files and checking the
output directory are pure Python, so `dcgan-complete` can reject a wrong
--images or --out in a second; TensorFlow is imported only by the functions
that decode, resize or encode.
"""

import dataclasses
import glob
import os
import re
from typing import List, Optional

import numpy as np

from inpainting import files
from inpainting.errors import InputError

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
  # os.path.isfile is true only for regular files (after symlinks): a named
  # pipe would block the read forever, so it is never a candidate.
  return [os.path.join(d, f) for d, _, names in os.walk(folder)
          for f in names if f.lower().endswith(IMAGE_EXTENSIONS)
          and os.path.isfile(os.path.join(d, f))]


def _named(pattern: str, base: Optional[str], paths) -> ImageSet:
  """Gives each path its output name; refuses two inputs with one name."""
  found, owners = [], {}
  for path in sorted(set(paths)):
    relative = os.path.relpath(path, base) if base else os.path.basename(path)
    if relative.split(os.sep)[0] == os.pardir:
      raise InputError(f"--images={pattern}: {path} lies outside {base}")
    name = os.path.splitext(relative)[0].replace(os.sep, "/")
    if name in owners:
      raise InputError(f"--images={pattern}: {owners[name]} and {path} would "
                       f"both be written as {name}.png; rename one")
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
  if os.path.isdir(pattern):
    images = _named(pattern, pattern, _folder_images(pattern))
    if not images.files:
      raise InputError(f"--images={pattern}: no PNG/JPEG image files found "
                       "in this folder")
    return images
  if os.path.isfile(pattern):
    return _named(pattern, None, [pattern])
  if os.path.exists(pattern):
    raise InputError(f"--images={pattern}: not a regular file or folder")
  if not _GLOB_MAGIC.search(pattern):
    raise InputError(f"--images={pattern}: no such file or directory")
  matches = [p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p)]
  if not matches:
    raise InputError(f"--images={pattern}: no image files found")
  return _named(pattern, glob_base(pattern), matches)


def find_images(pattern: str) -> List[str]:
  """The paths `find_image_files` finds, sorted."""
  return find_image_files(pattern).paths


def _is_within(path: str, folder: str) -> bool:
  path, folder = os.path.realpath(path), os.path.realpath(folder)
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
  if os.path.lexists(out_dir) and not os.path.isdir(out_dir):
    raise InputError(f"--out={out_dir}: exists and is not a directory")
  if images is not None and images.base and _is_within(out_dir, images.base):
    raise InputError(f"--out={out_dir}: is inside {images.base}, the folder "
                     f"--images={images.pattern} reads; give a directory "
                     "outside it")
  if os.path.isdir(out_dir):
    try:
      entries = os.listdir(out_dir)
    except OSError as e:
      raise InputError(
          f"--out={out_dir}: cannot list it ({e.strerror})") from None
    if entries:
      raise InputError(f"--out={out_dir}: is not empty (earlier results are "
                       "never replaced); give a new or empty directory")
  parent = _nearest_existing(os.path.dirname(os.path.realpath(out_dir)))
  if not os.path.isdir(parent):
    raise InputError(f"--out={out_dir}: {parent} is not a directory")
  if not os.access(parent, os.W_OK | os.X_OK):
    raise InputError(f"--out={out_dir}: cannot write in {parent}")


def read_image(path: str, channels: int) -> np.ndarray:
  """uint8 [H, W, channels]; InputError naming the file if it won't decode."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  try:
    data = tf.io.read_file(path)
    return tf.io.decode_image(data, channels=channels,
                              expand_animations=False).numpy()
  except tf.errors.OpError as e:
    raise InputError(f"{path}: not a readable PNG/JPEG image") from e


def to_model_size(image: np.ndarray, size: int) -> np.ndarray:
  """uint8 [h, w, C] -> float32 [size, size, C] in [-1, 1], centre-cropped."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  height, width = image.shape[:2]
  side = min(height, width)
  top, left = (height - side) // 2, (width - side) // 2
  square = image[top:top + side, left:left + side].astype(np.float32)
  if side != size:
    square = tf.image.resize(square, (size, size), antialias=True).numpy()
  return np.clip(square, 0, 255) / 127.5 - 1.0


def to_uint8(images) -> np.ndarray:
  return np.round((np.clip(np.asarray(images), -1, 1) + 1) * 127.5).astype(
      np.uint8)


def write_png(path: str, image):
  """Writes float [-1, 1] or uint8 [H, W, C] as PNG, whole or not at all."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  image = np.asarray(image)
  if image.dtype != np.uint8:
    image = to_uint8(image)
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  files.atomic_write(path, tf.io.encode_png(image).numpy(), "wb")
