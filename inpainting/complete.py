"""Completion of image batches and files with an exported GAN."""

import dataclasses
import json
import os
import shutil
import tempfile
import time
from typing import Dict, Optional, Sequence

from absl import logging
import numpy as np
import tensorflow as tf

from inpainting import blending, figures, image_io, masks as masks_lib
from inpainting import metrics as metrics_lib
from inpainting.errors import InputError
from inpainting.saved_models import ExportedGan
from inpainting.search import LatentSearch, SearchConfig

# The figure shows the first images only; every image is written as files.
FIGURE_ROWS = 16


@dataclasses.dataclass
class Completion:
  """NumPy arrays for a batch of B images."""
  generated: np.ndarray  # G(z*) [B, H, W, C]
  completed: np.ndarray  # known pixels + G(z*) in the hole
  blended: np.ndarray  # known pixels + Poisson-blended G(z*)
  z: np.ndarray  # [B, z_dim]
  loss: np.ndarray  # [B]


def search_and_blend(search: LatentSearch, images, masks, steps=None,
                     restarts=None, seed=None):
  """The completion as tensors: the search, then paste and Poisson blend.

  The one implementation that `Completer` and the served completer
  (export/completer.py) both run. Returns the search's outputs plus
  "completed" (G(z*) pasted into the hole) and "blended".
  """
  found = search(images, masks, steps=steps, restarts=restarts, seed=seed)
  found["completed"] = blending.paste(images, found["generated"], masks)
  found["blended"] = blending.poisson_blend(images, found["generated"], masks)
  return found


class Completer:
  """Runs the compiled search and blending in batches.

  Args:
    gan: The loaded SavedModels.
    config: SearchConfig.
    batch_size: Images per compiled call (bounds memory).
  """

  def __init__(self, gan: ExportedGan, config: SearchConfig = SearchConfig(),
               batch_size: int = 64):
    self.gan = gan
    self.config = config
    self.batch_size = batch_size
    search = LatentSearch(gan.generate, gan.discriminate, gan.z_dim, config)
    shape = [None, gan.image_size, gan.image_size]

    # One trace serves every batch size; seed varies per batch.
    @tf.function(input_signature=[
        tf.TensorSpec(shape + [gan.channels], tf.float32),
        tf.TensorSpec(shape + [1], tf.float32),
        tf.TensorSpec([], tf.int64)])
    def complete(images, masks, seed):
      return search_and_blend(search, images, masks, seed=seed)

    self._complete = complete

  def __call__(self, images, masks) -> Completion:
    images = np.asarray(images, np.float32)
    masks = np.asarray(masks, np.float32)
    expected = (self.gan.image_size, self.gan.image_size)
    if images.shape[1:3] != expected or masks.shape[1:3] != expected:
      raise InputError(f"images {images.shape[1:3]} and masks "
                       f"{masks.shape[1:3]} must be {expected}")
    parts = []
    for start in range(0, len(images), self.batch_size):
      end = start + self.batch_size
      # Each batch draws its own starting points: seed + its first index.
      seed = tf.constant(self.config.seed + start, tf.int64)
      out = self._complete(images[start:end], masks[start:end], seed)
      parts.append({k: v.numpy() for k, v in out.items()})
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return Completion(merged["generated"], merged["completed"],
                      merged["blended"], merged["z"], merged["loss"])


def evaluate(originals, completed, masks) -> Dict[str, np.ndarray]:
  """Per-image {hole_psnr, hole_ssim, psnr, ssim} as NumPy arrays."""
  values = metrics_lib.image_metrics(
      tf.constant(originals, tf.float32), tf.constant(completed, tf.float32),
      tf.constant(masks, tf.float32))
  return {k: v.numpy() for k, v in values.items()}


def summarize(per_image: Dict[str, np.ndarray]) -> Dict[str, float]:
  return {k: float(np.mean(v)) for k, v in per_image.items()}


def load_image_files(paths: Sequence[str], size: int, channels: int):
  return np.stack([image_io.to_model_size(image_io.read_image(p, channels),
                                          size) for p in paths])


def complete_files(gan: ExportedGan, image_pattern: str,
                   mask_specs: Sequence[str], out_dir: str,
                   config: SearchConfig = SearchConfig(),
                   with_metrics: bool = True, batch_size: int = 64) -> Dict:
  """Completes image files and writes the results into out_dir.

  Writes completed/NAME.png, blended/NAME.png, generated/NAME.png,
  masks/NAME.png, figure.png and metrics.json. Everything is checked and
  computed first, then written into a temporary directory and moved into
  out_dir, so a bad input leaves nothing behind.

  Returns:
    The metrics.json content.
  """
  paths = image_io.find_images(image_pattern)
  images = load_image_files(paths, gan.image_size, gan.channels)
  masks = masks_lib.make_masks(mask_specs, len(images), gan.image_size,
                               seed=config.seed)
  started = time.perf_counter()
  result = Completer(gan, config, batch_size)(images, masks)
  seconds = time.perf_counter() - started
  logging.info("Completed %d images in %.1f s", len(images), seconds)

  names = [os.path.splitext(os.path.basename(p))[0] for p in paths]
  report = {"model_version": gan.version, "masks": list(mask_specs),
            "search": dataclasses.asdict(config), "seconds": seconds,
            "images": []}
  per_image = evaluate(images, result.blended, masks) if with_metrics else {}
  for i, (name, path) in enumerate(zip(names, paths)):
    entry = {"name": name, "file": path, "loss": float(result.loss[i])}
    entry.update({k: float(v[i]) for k, v in per_image.items()})
    report["images"].append(entry)
  if with_metrics:
    report["mean"] = summarize(per_image)

  parent = os.path.dirname(os.path.abspath(out_dir))
  os.makedirs(parent, exist_ok=True)
  staging = tempfile.mkdtemp(prefix=".complete-", dir=parent)
  try:
    for i, name in enumerate(names):
      for kind, batch in (("completed", result.completed),
                          ("blended", result.blended),
                          ("generated", result.generated),
                          ("masks", masks * 2.0 - 1.0)):
        image_io.write_png(os.path.join(staging, kind, f"{name}.png"),
                           batch[i])
    rows = slice(0, FIGURE_ROWS)
    figures.comparison_figure(
        os.path.join(staging, "figure.png"),
        {"original": images[rows],
         "masked": figures.masked_view(images, masks)[rows],
         "G(z*)": result.generated[rows], "blended": result.blended[rows]},
        row_labels=names[rows])
    with open(os.path.join(staging, "metrics.json"), "w") as f:
      json.dump(report, f, indent=2)
    os.makedirs(out_dir, exist_ok=True)
    for entry in os.listdir(staging):
      target = os.path.join(out_dir, entry)
      if os.path.isdir(target):
        shutil.rmtree(target)
      os.replace(os.path.join(staging, entry), target)
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return report
