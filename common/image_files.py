"""Image files <-> pixels: decode PNG/JPEG, write PNG whole or not at all.

uint8 on disk, float32 [-1, 1] in memory (`common.pixels` converts). Paths
may be local or any TensorFlow file system's URL (gs://, file://, ram://).
TensorFlow is imported by the functions that need it, so that importing
this module stays pure Python.
"""

import os
from typing import Optional

import numpy as np

from common import files
from common.errors import InputError


def read_pixels(path: str, channels: Optional[int] = None):
  """uint8 tf.Tensor [H, W, channels] (None: the file's own, 1 to 4).

  Raises:
    InputError: naming the file if it cannot be read or decoded.
  """
  import tensorflow as tf

  from common import pixels

  try:
    # tf.io.read_file reads every TensorFlow file system.
    return pixels.decode(tf.io.read_file(path), channels or 0)
  except tf.errors.OpError as e:
    raise InputError(f"{path}: not a readable PNG/JPEG image") from e


def read_image(path: str, channels: int) -> np.ndarray:
  """uint8 [H, W, channels]; InputError naming the file if it won't decode."""
  return read_pixels(path, channels).numpy()


def to_model_size(image, size: int) -> np.ndarray:
  """uint8 [h, w, C] -> float32 [size, size, C] in [-1, 1], centre-cropped
  and resized (`pixels.to_model_image`, what training does to a file)."""
  from common import pixels

  return pixels.to_model_image(image, size, image.shape[-1]).numpy()


def write_png(path: str, image):
  """Writes float [-1, 1] or uint8 [H, W, C] as PNG, whole or not at all."""
  import tensorflow as tf

  from common import pixels

  image = np.asarray(image)
  if image.dtype != np.uint8:
    image = pixels.to_uint8(image).numpy()
  files.makedirs(os.path.dirname(path) or ".")
  files.atomic_write(path, tf.io.encode_png(image).numpy(), "wb")
