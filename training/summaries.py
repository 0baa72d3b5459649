"""TensorBoard summaries and sample-grid PNGs."""

import io
import os

import matplotlib
import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

matplotlib.use("Agg")  # No display on training machines.
from matplotlib import image as mpl_image  # pylint: disable=g-import-not-at-top,wrong-import-position

SAMPLES_DIR = "samples"


def image_grid(images) -> np.ndarray:
  """[n*n, H, W, C] in [-1, 1] -> uint8 [n*H, n*W, C] with 1-pixel gutters."""
  images = np.asarray(images, dtype=np.float32)
  count, height, width, channels = images.shape
  side = int(np.ceil(np.sqrt(count)))
  grid = np.zeros((side * (height + 1) + 1, side * (width + 1) + 1, channels),
                  np.uint8)
  pixels = np.round((np.clip(images, -1, 1) + 1) * 127.5).astype(np.uint8)
  for i, image in enumerate(pixels):
    row, col = divmod(i, side)
    top, left = 1 + row * (height + 1), 1 + col * (width + 1)
    grid[top:top + height, left:left + width] = image
  return grid


def write_png(path: str, grid: np.ndarray):
  """Writes a uint8 [H, W, C] grid as PNG atomically (temp name, rename),
  on any file system (the workdir may be gs://...)."""
  from inpainting import files  # pylint: disable=import-outside-toplevel
  encoded = io.BytesIO()
  if grid.shape[-1] == 1:
    mpl_image.imsave(encoded, grid[..., 0], cmap="gray", vmin=0, vmax=255,
                     format="png")
  else:
    mpl_image.imsave(encoded, grid, format="png")
  files.makedirs(os.path.dirname(path))
  files.atomic_write(path, encoded.getvalue(), "wb")


def sample_png_path(workdir: str, step: int) -> str:
  return os.path.join(workdir, SAMPLES_DIR, f"step_{step:07d}.png")


def write_samples(workdir: str, step: int, images):
  """Sample grid to TensorBoard (tag `samples`) and to samples/step_N.png."""
  grid = image_grid(images)
  tf.summary.image("samples", grid[None], step=step)
  path = sample_png_path(workdir, step)
  write_png(path, grid)
  return path


def write_scalars(step: int, metrics, images_per_sec=None):
  for name, value in metrics.items():
    if name.endswith("_norm"):
      group = "norms"
    elif "loss_scale" in name or "skipped" in name:
      group = "precision"
    elif name.endswith("_loss"):
      group = "losses"
    else:  # d_real, d_fake: mean D(x) and D(G(z)).
      group = "discriminator"
    tf.summary.scalar(f"{group}/{name}", value, step=step)
  if images_per_sec is not None:
    tf.summary.scalar("perf/images_per_sec", images_per_sec, step=step)


def flat_hparams(config_dict, prefix=""):
  """Nested config dict -> {"model.gf": 32, ...} of hparams-plugin types."""
  flat = {}
  for key, value in config_dict.items():
    if isinstance(value, dict):
      flat.update(flat_hparams(value, f"{prefix}{key}."))
    elif isinstance(value, (bool, int, float, str)):
      flat[f"{prefix}{key}"] = value
    else:
      flat[f"{prefix}{key}"] = str(value)
  return flat


def write_hparams(config_dict):
  hparams_api.hparams(flat_hparams(config_dict))
