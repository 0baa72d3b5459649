"""TensorBoard summaries and sample-grid PNGs."""

import os

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

from common import image_files, pixels, workdir_layout

SAMPLES_DIR = workdir_layout.SAMPLES_DIR


def image_grid(images) -> np.ndarray:
  """[n*n, H, W, C] in [-1, 1] -> uint8 [n*H, n*W, C] with 1-pixel gutters."""
  images = np.asarray(images, dtype=np.float32)
  count, height, width, channels = images.shape
  side = int(np.ceil(np.sqrt(count)))
  grid = np.zeros(
    (side * (height + 1) + 1, side * (width + 1) + 1, channels), np.uint8
  )
  for i, image in enumerate(pixels.to_uint8(images).numpy()):
    row, col = divmod(i, side)
    top, left = 1 + row * (height + 1), 1 + col * (width + 1)
    grid[top : top + height, left : left + width] = image
  return grid


def sample_png_path(workdir: str, step: int) -> str:
  return os.path.join(workdir, SAMPLES_DIR, f"step_{step:07d}.png")


def write_samples(workdir: str, step: int, images):
  """Sample grid to TensorBoard (tag `samples`) and to samples/step_N.png."""
  grid = image_grid(images)
  tf.summary.image("samples", grid[None], step=step)
  path = sample_png_path(workdir, step)
  # The same PNG writer as dcgan-complete's outputs: any file system,
  # whole or not at all.
  image_files.write_png(path, grid)
  return path


# What each scalar means, shown under its chart in TensorBoard.
SCALAR_DESCRIPTIONS = {
  "d_loss": "Discriminator loss: binary cross-entropy on a real and a "
  "generated batch (log 4 = 1.386 when D cannot tell them apart), plus "
  "r1_weight / 2 times the R1 penalty when it is on.",
  "r1_penalty": "R1 penalty: mean squared norm of D's gradient with respect "
  "to the real images it sees (after augmentation), unweighted.",
  "g_loss": "Generator loss: -log D(G(z)), the non-saturating loss.",
  "d_real": "D(x): the discriminator's mean probability that a real image "
  "is real (0 to 1).",
  "d_fake": "D(G(z)): the discriminator's mean probability that a "
  "generated image is real (0 to 1); near 0.5 D is fooled half "
  "the time.",
  "g_grad_norm": "Global L2 norm of the generator's gradients (unscaled).",
  "d_grad_norm": "Global L2 norm of the discriminator's gradients (unscaled).",
  "g_weight_norm": "Global L2 norm of the generator's trainable weights.",
  "d_weight_norm": "Global L2 norm of the discriminator's trainable weights.",
  "d_loss_scale": "Mixed precision: the discriminator's dynamic loss scale.",
  "g_loss_scale": "Mixed precision: the generator's dynamic loss scale.",
  "d_skipped_steps": "Mixed precision: discriminator steps skipped since "
  "the last log line for overflowing gradients.",
  "g_skipped_steps": "Mixed precision: generator steps skipped since the "
  "last log line for overflowing gradients.",
  "e_loss": "Encoder loss: pixel loss + encoder_latent_weight x latent "
  "loss (training/encoder_step.py).",
  "e_pixel_loss": "Encoder: mean squared error of G(E(x * m, m)) against "
  "x over whole images, plus again over the hole; "
  "generated and real images.",
  "e_pixel_loss_real": "Encoder: the pixel loss on real training images.",
  "e_pixel_loss_generated": "Encoder: the pixel loss on G(z).",
  "e_latent_loss": "Encoder: mean squared error between E(G(z) * m, m) and z.",
  "e_learning_rate": "Encoder: Adam's step size for this step "
  "(TrainConfig.encoder_schedule).",
  "images_per_sec": "Training throughput: images per second (global "
  "batch), averaged since the last log line.",
}
FRECHET_TAG = "quality/frechet_distance"
FRECHET_RAW_TAG = "quality/frechet_distance_last_weights"
FRECHET_DESCRIPTION = (
  "Fréchet distance between 1,000 generated digits and the training "
  "digits, on a small digit classifier's features; lower is better. "
  "Comparable between runs of this code at one image size, not with "
  "published FIDs."
)


def write_scalars(step: int, metrics, images_per_sec=None):
  """Writes the step's metrics, grouped by kind, with their descriptions."""
  for name, value in metrics.items():
    if name.startswith("e_"):
      group = "encoder"
    elif name.endswith("_norm"):
      group = "norms"
    elif "loss_scale" in name or "skipped" in name:
      group = "precision"
    elif name.endswith(("_loss", "_penalty")):
      group = "losses"
    else:  # d_real, d_fake: mean D(x) and D(G(z)).
      group = "discriminator"
    tf.summary.scalar(
      f"{group}/{name}",
      value,
      step=step,
      description=SCALAR_DESCRIPTIONS.get(name),
    )
  if images_per_sec is not None:
    tf.summary.scalar(
      "perf/images_per_sec",
      images_per_sec,
      step=step,
      description=SCALAR_DESCRIPTIONS["images_per_sec"],
    )


def write_frechet(step: int, distance: float, raw_distance=None):
  """The EMA generator's distance (`distance`, what export serves) and,
  when given, that of the last weights."""
  tf.summary.scalar(
    FRECHET_TAG,
    distance,
    step=step,
    description=FRECHET_DESCRIPTION + " The generator's "
    "moving average (what dcgan-export exports).",
  )
  if raw_distance is not None:
    tf.summary.scalar(
      FRECHET_RAW_TAG,
      raw_distance,
      step=step,
      description=FRECHET_DESCRIPTION + " The generator's last weights.",
    )


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


# The knobs people tune, as TrainConfig.to_dict() names them; operational
# flags (log_every, checkpoint_every, workdir, strategy...) would only make
# the HParams table wider without separating runs by quality.
TUNED_HPARAMS = (
  "learning_rate",
  "d_learning_rate",
  "batch_size",
  "beta1",
  "augment",
  "mirror",
  "r1_weight",
  "model.spectral_norm",
  "model.z_dim",
  "model.gf",
  "model.df",
  "model.image_size",
  "model.channels",
  "dataset",
  "ema_decay",
  "encoder_steps",
  "encoder_schedule",
  "encoder_latent_weight",
)
# Metric columns of the HParams tab, the Fréchet distance first: it is the
# one that says which run generates better images.
HPARAMS_METRICS = (
  (FRECHET_TAG, "Fréchet distance"),
  ("losses/d_loss", "D loss"),
  ("losses/g_loss", "G loss"),
  ("discriminator/d_real", "D(x)"),
  ("discriminator/d_fake", "D(G(z))"),
  ("perf/images_per_sec", "images/s"),
)


def tuned_hparams(config_dict):
  """The tuned hyperparameters of a TrainConfig.to_dict(), flat."""
  if config_dict.get("d_learning_rate", 0.0) is None:
    # D's rate as a number in every run, so that the column sorts: the
    # "None" that stands for "learning_rate" would be a string.
    config_dict = {
      **config_dict,
      "d_learning_rate": config_dict["learning_rate"],
    }
  flat = flat_hparams(config_dict)
  return {name: flat[name] for name in TUNED_HPARAMS if name in flat}


def write_hparams(config_dict):
  """The experiment (hparams and metric columns) and this run's values.

  Both go to the run's own event files (WORKDIR/train), so that
  `tensorboard --logdir WORKDIR` finds the metrics in the same run.
  """
  values = tuned_hparams(config_dict)
  hparams_api.hparams_config(
    hparams=[hparams_api.HParam(name) for name in values],
    metrics=[
      hparams_api.Metric(tag, display_name=name)
      for tag, name in HPARAMS_METRICS
    ],
  )
  hparams_api.hparams(values)
