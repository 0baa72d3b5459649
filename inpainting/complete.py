"""Completion of image batches and files with an exported GAN."""

import dataclasses
import sys
import time
import zlib
from typing import Dict, Optional, Sequence, Union

import numpy as np
import tensorflow as tf
import tqdm
from absl import logging

from common import image_files, pixels
from common import masks as masks_lib
from common.errors import InputError
from inpainting import image_io, outputs
from inpainting import metrics as metrics_lib
from inpainting.completion_graph import search_and_blend
from inpainting.saved_models import ExportedGan, check_search, pinned_versions
from inpainting.search import SearchConfig, search_for
from inpainting.search_config import default_config


@dataclasses.dataclass
class Completion:
  """NumPy arrays for a batch of B images."""

  # An ensemble's (Completer of several exports): its members' mean
  # (`average_members`).
  generated: np.ndarray  # G(z*) [B, H, W, C]
  # known pixels + the fill in the hole: G(z*), or its mean with the
  # fills of the test-time views that fit (SearchConfig.views)
  completed: np.ndarray
  blended: np.ndarray  # known pixels + the Poisson-blended fill
  z: np.ndarray  # [B, z_dim] (an ensemble: its members' z, concatenated)
  loss: np.ndarray  # [B]
  # [B, H, W, 1]: in the hole, the standard deviation of the restarts'
  # G(z), of the averaged views' fills and of an ensemble's members' fills
  # (added in quadrature).
  uncertainty: np.ndarray
  # [B]: how many views' fills were averaged into completed and blended,
  # the image's own included (SearchConfig.views, view_tolerance), summed
  # over an ensemble's members.
  views_used: np.ndarray


class Completer:
  """Runs the compiled search and blending in batches.

  Args:
    gans: The loaded SavedModels: one export, or an ensemble's members
      (`saved_models.load_exports`), whose completions are averaged
      (`average_members`).
    config: SearchConfig (None: the defaults for an export with or without
      an encoder, `search_config.default_config`), for every member.
    batch_size: Images per compiled call (bounds memory).

  Raises:
    InputError: config.search needs generator signatures that an export
      lacks (search_config.SEARCH_SIGNATURES).
  """

  def __init__(
    self,
    gans: Union[ExportedGan, Sequence[ExportedGan]],
    config: Optional[SearchConfig] = None,
    batch_size: int = 64,
  ):
    self.members = [gans] if isinstance(gans, ExportedGan) else list(gans)
    # The first member's shape and version stand for the ensemble's: the
    # loader checked that the members agree on shape.
    self.gan = self.members[0]
    config = config or default_config(self.gan.encode is not None)
    self.config = config
    self.batch_size = batch_size
    self._completes = [self._compiled(gan, config) for gan in self.members]

  @staticmethod
  def _compiled(gan, config):
    check_search(gan, config.search)
    search = search_for(gan, config)
    shape = [None, gan.image_size, gan.image_size]

    # One trace serves every batch size.
    @tf.function(
      input_signature=[
        tf.TensorSpec(shape + [gan.channels], tf.float32),
        tf.TensorSpec(shape + [1], tf.float32),
        tf.TensorSpec([None], tf.int64),
      ]
    )
    def complete(images, masks, keys):
      return search_and_blend(search, images, masks, image_keys=keys)

    return complete

  def __call__(self, images, masks, keys=None) -> Completion:
    """Completes images [N, S, S, C] under masks [N, S, S, 1].

    Args:
      keys: int [N], >= 0: image i's random draws come from (config.seed,
        keys[i]) (`image_key` of its name for files), so its completion
        does not depend on the other images or the batch it is in (None:
        0, 1, ..., N - 1).
    """
    images = np.asarray(images, np.float32)
    masks = np.asarray(masks, np.float32)
    keys = np.arange(len(images)) if keys is None else keys
    keys = np.asarray(keys, np.int64)
    expected = (self.gan.image_size, self.gan.image_size)
    if images.shape[1:3] != expected or masks.shape[1:3] != expected:
      raise InputError(
        f"images {images.shape[1:3]} and masks "
        f"{masks.shape[1:3]} must be {expected}"
      )
    parts = []
    batches = range(0, len(images), self.batch_size)
    # A batch of 64 takes about a minute on a CPU: show images/s and the ETA
    # (on stderr, beside the log lines). One batch has no progress to show.
    with tqdm.tqdm(
      total=len(images),
      desc="Completing",
      unit="image",
      file=sys.stderr,
      disable=len(batches) < 2,
      dynamic_ncols=True,
    ) as progress:
      for start in batches:
        end = start + self.batch_size
        members = [
          {
            k: v.numpy()
            for k, v in complete(
              images[start:end], masks[start:end], keys[start:end]
            ).items()
          }
          for complete in self._completes
        ]
        parts.append(average_members(members, masks[start:end]))
        progress.update(min(end, len(images)) - start)
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return Completion(
      merged["generated"],
      merged["completed"],
      merged["blended"],
      merged["z"],
      merged["loss"],
      merged["uncertainty"],
      merged["views_used"],
    )


def average_members(members: Sequence[Dict], masks) -> Dict:
  """One completion from an ensemble's: the mean of the members' images.

  Independently trained generators err on a hole differently, so their
  mean is closer to it than either (squared error rewards the mean of
  plausible fills, as with the test-time views). The Poisson blend is
  linear in the fill, so the mean of the blended images is the blend of
  the mean fill. The uncertainty adds, in quadrature, the members' own
  (their root mean square) and their spread; z concatenates the members'
  codes, loss is their mean and views_used their sum. One member: itself.
  """
  if len(members) == 1:
    return members[0]
  averaged = {
    name: np.mean([m[name] for m in members], axis=0)
    for name in ("generated", "completed", "blended", "loss")
  }
  fills = np.stack([m["completed"] for m in members])
  spread = np.mean(np.std(fills, axis=0), axis=-1, keepdims=True)
  own = np.mean([m["uncertainty"] ** 2 for m in members], axis=0)
  averaged["uncertainty"] = np.sqrt(own + spread**2 * (1.0 - masks))
  averaged["z"] = np.concatenate([m["z"] for m in members], axis=-1)
  averaged["views_used"] = np.sum([m["views_used"] for m in members], axis=0)
  return averaged


def image_key(name: str) -> int:
  """A file's key for its random draws (search starts, random masks): a
  CRC-32 of its output name, so that dcgan-complete and dcgan-complete-bulk
  give an image the same completion whatever else they complete."""
  return zlib.crc32(name.encode("utf-8"))


def evaluate(originals, completed, masks) -> Dict[str, np.ndarray]:
  """Per-image {hole_psnr, hole_ssim, psnr, ssim} as NumPy arrays."""
  values = metrics_lib.image_metrics(
    tf.constant(originals, tf.float32),
    tf.constant(completed, tf.float32),
    tf.constant(masks, tf.float32),
  )
  return {k: v.numpy() for k, v in values.items()}


def summarize(per_image: Dict[str, np.ndarray]) -> Dict[str, float]:
  return {k: float(np.mean(v)) for k, v in per_image.items()}


def load_image_files(paths: Sequence[str], size: int, channels: int):
  """[N, size, size, channels] in [-1, 1]; InputError names a bad file.

  Each file is decoded at `channels`, centre-cropped and resized by
  common/pixels.py, exactly as training's input pipeline reads it.
  """
  try:
    return np.stack(
      [
        pixels.to_model_image(
          image_files.read_pixels(p, channels), size, channels
        ).numpy()
        for p in paths
      ]
    )
  except InputError as e:
    raise InputError(f"--images: {e}") from None


def _report(
  gans: Sequence[ExportedGan],
  inputs: Sequence[image_io.ImageFile],
  mask_specs: Sequence[str],
  config: SearchConfig,
  seconds: float,
  loss,
  per_image: Dict[str, np.ndarray],
) -> Dict:
  """The metrics.json content; images are named by their relative names."""
  # What ran: the search averages at most `restarts` completions.
  ran = dataclasses.replace(
    config, average_best=min(config.average_best, config.restarts)
  )
  report = {
    "model_version": pinned_versions(gans),
    "masks": list(mask_specs),
    "search": dataclasses.asdict(ran),
    "seconds": seconds,
    "images": [],
  }
  for i, image in enumerate(inputs):
    entry = {"name": image.name, "file": image.path, "loss": float(loss[i])}
    entry.update({k: float(v[i]) for k, v in per_image.items()})
    report["images"].append(entry)
  if per_image:
    report["mean"] = summarize(per_image)
  return report


def complete_files(
  gans: Union[ExportedGan, Sequence[ExportedGan]],
  image_pattern: str,
  mask_specs: Sequence[str],
  out_dir: str,
  config: Optional[SearchConfig] = None,
  with_metrics: bool = True,
  batch_size: int = 64,
  full_resolution: bool = False,
) -> Dict:
  """Completes image files with one export, or an ensemble's members
  (`Completer`), and writes the results as a new out_dir.

  Writes completed/NAME.png, blended/NAME.png, generated/NAME.png,
  masks/NAME.png, uncertainty/NAME.png (the restarts' and views' per-pixel
  standard deviation in the hole, gray level 255 x std; black with one
  restart and one view) (all
  at the model's size: the input's centred square, resized), figure.png and
  metrics.json, where NAME is the input's
  path relative to the --images folder (or the glob's fixed directory;
  a single file: its name) without the extension. With `full_resolution`
  also full_resolution/NAME.png: the input at its own size and channels
  with only the hole replaced (`image_io.write_back`). Every path may be
  any TensorFlow file system's (gs://, file://, ram://). out_dir must be new
  or an empty directory outside the images' folder. Everything is checked and
  computed first, then written into a staging directory and renamed to
  out_dir (`publish`), so a bad input or a killed run leaves nothing behind.

  Returns:
    The metrics.json content.

  Raises:
    InputError: a bad input, mask or out_dir, before any search.
  """
  inputs = image_io.find_image_files(image_pattern)
  image_io.check_out_dir(out_dir, inputs)
  specs = masks_lib.parse_specs(mask_specs)
  completer = Completer(gans, config, batch_size)
  gan, config = completer.gan, completer.config
  images = load_image_files(inputs.paths, gan.image_size, gan.channels)
  keys = [image_key(image.name) for image in inputs.files]
  masks = masks_lib.make_masks(
    specs, len(images), gan.image_size, seed=config.seed, keys=keys
  )
  started = time.perf_counter()
  result = completer(images, masks, keys)
  seconds = time.perf_counter() - started
  logging.info("Completed %d images in %.1f s", len(images), seconds)

  per_image = evaluate(images, result.blended, masks) if with_metrics else {}
  report = _report(
    completer.members,
    inputs.files,
    mask_specs,
    config,
    seconds,
    result.loss,
    per_image,
  )
  outputs.publish(
    out_dir,
    lambda folder: outputs.write_results(
      folder, inputs.files, images, masks, result, report, full_resolution
    ),
  )
  return report
