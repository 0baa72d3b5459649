"""Reading and writing image files (uint8 on disk, float32 [-1, 1] in memory)."""

import glob
import os
from typing import List

import numpy as np
import tensorflow as tf

from inpainting.errors import InputError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def find_images(pattern: str) -> List[str]:
  """A file, a folder (its PNG/JPEG files, recursively) or a glob."""
  if os.path.isdir(pattern):
    paths = [os.path.join(d, f) for d, _, files in os.walk(pattern)
             for f in files if f.lower().endswith(IMAGE_EXTENSIONS)]
  elif os.path.isfile(pattern):
    paths = [pattern]
  else:
    paths = [p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p)]
  if not paths:
    raise InputError(f"--images={pattern}: no image files found")
  return sorted(paths)


def read_image(path: str, channels: int) -> np.ndarray:
  """uint8 [H, W, channels]; InputError naming the file if it won't decode."""
  try:
    data = tf.io.read_file(path)
    return tf.io.decode_image(data, channels=channels,
                              expand_animations=False).numpy()
  except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as e:
    raise InputError(f"{path}: not a readable PNG/JPEG image") from e


def to_model_size(image: np.ndarray, size: int) -> np.ndarray:
  """uint8 [h, w, C] -> float32 [size, size, C] in [-1, 1], centre-cropped."""
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
  """Writes float [-1, 1] or uint8 [H, W, C] as PNG atomically."""
  image = np.asarray(image)
  if image.dtype != np.uint8:
    image = to_uint8(image)
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  tmp = path + ".tmp"
  with open(tmp, "wb") as f:
    f.write(tf.io.encode_png(image).numpy())
  os.replace(tmp, path)
