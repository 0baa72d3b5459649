r"""Does the generator limit the completion, or finding z from the known pixels?

  python -m bench.completion_ceiling --model_dir=E --set=digits
  python -m bench.completion_ceiling --model_dir=E --set=letters \
      --letters_dir=/tmp/letters

On held-out images of one quality set (bench/quality_sets.py), per mask,
the mean hole PSNR of:
  ours        the completion at the export's defaults (blended, single best);
  start       its starting point alone (the encoder's z against the pool,
              no search steps);
  projection  G(z) for z fitted to the WHOLE image (the hole included;
              squared error, from the same start): about the best this
              generator can draw in the hole, which no search from the
              known pixels alone can be expected to pass (pasted as G
              draws it; `ours` and `start` are Poisson-blended, as the
              completion outputs them);
  nearest     the mean of the --neighbours training images nearest to the
              image on its known pixels: a model-free estimate of the hole's
              posterior mean, the fill that squared error (and so PSNR)
              rewards.
A projection far above `ours` says the generator could draw the hole and the
inference is what limits; `nearest` above `ours` says a blurry average
scores better than the generator's sharp guess. The last line is a JSON
object: mask -> {row: hole PSNR}.
"""

import json

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import numpy as np
import tensorflow as tf
from absl import app, flags

from bench import quality_sets
from common import masks as masks_lib
from inpainting import blending, complete
from inpainting.adam import adam_step
from inpainting.saved_models import load_exported_gan
from inpainting.search_config import SearchConfig, default_config

_MODEL_DIR = flags.DEFINE_string("model_dir", None, "Export dir.")
_SET = flags.DEFINE_enum(
  "set", "digits", list(quality_sets.NAMES), "Quality set."
)
_QUALITY_SET = quality_sets.define_folder_flags()
_HELDOUT = flags.DEFINE_integer("heldout", 100, "Held-out images scored.")
_MASKS = flags.DEFINE_list(
  "masks", ["center", "half:left", "random:0.8"], "Mask specs."
)
_NEIGHBOURS = flags.DEFINE_integer(
  "neighbours", 20, "Training images averaged by `nearest`."
)
_PROJECTION_STEPS = flags.DEFINE_integer(
  "projection_steps", 300, "Search steps of `projection`."
)


def nearest_mean_fill(train, images, masks, neighbours):
  """Each image's hole filled with the mean of its nearest training images.

  Args:
    train: [N, H, W, C] training images. images: [B, H, W, C].
    masks: [B, H, W, 1], 1 = known: only known pixels count in the distance.
    neighbours: How many nearest images are averaged.

  Returns:
    [B, H, W, C]: the known pixels as they are, the hole the neighbours'
    mean.
  """
  flat = train.reshape(len(train), -1).astype(np.float64)
  known = np.broadcast_to(masks, images.shape).reshape(len(images), -1)
  seen = images.reshape(len(images), -1) * known
  # ||known * (t - x)||^2 for every pair, without an [N, B, D] temporary.
  distances = (flat**2) @ known.T - 2.0 * flat @ seen.T + (seen**2).sum(1)[None]
  nearest = np.argsort(distances, axis=0)[:neighbours]  # [k, B]
  means = train[nearest].mean(axis=0)
  return images * masks + means * (1.0 - masks)


def project(gan, images, z, steps, learning_rate=0.01):
  """G(z) after `steps` Adam steps on z against every pixel of `images`
  (squared error, what PSNR scores), z kept in U(-1, 1)'s support."""
  config = SearchConfig()  # Adam's betas and epsilon
  images = tf.constant(images, tf.float32)

  @tf.function
  def step(t, z, m, v):
    with tf.GradientTape() as tape:
      tape.watch(z)
      loss = tf.reduce_sum(tf.square(gan.generate(z) - images))
    z, m, v = adam_step(
      z, tape.gradient(loss, z), m, v, t, config, learning_rate
    )
    return tf.clip_by_value(z, -1.0, 1.0), m, v

  z = tf.constant(z, tf.float32)
  m = v = tf.zeros_like(z)
  for t in range(1, steps + 1):
    z, m, v = step(tf.constant(float(t)), z, m, v)
  return gan.generate(z).numpy()


def completers(gan):
  """(start, ours): the default completion without and with its search
  steps; built once, so each traces its graph once for all masks."""
  has_encoder = gan.encode is not None
  return (
    complete.Completer(gan, default_config(has_encoder, steps=0)),
    complete.Completer(gan, default_config(has_encoder)),
  )


def ceiling_rows(
  gan, start, ours, train, images, masks, neighbours, projection_steps
):
  """{row: [B, H, W, C] filled images} of the module docstring's rows;
  `start` and `ours` from completers(gan)."""
  started = start(images, masks)
  projection = project(gan, images, started.z, projection_steps)
  return {
    "ours": ours(images, masks).blended,
    "start": started.blended,
    "projection": blending.paste(images, projection, masks),
    "nearest": nearest_mean_fill(train, images, masks, neighbours),
  }


def main(argv):
  del argv
  qset = _QUALITY_SET(_SET.value)
  gan = load_exported_gan(_MODEL_DIR.value)
  images = qset.heldout(_HELDOUT.value, gan.image_size)
  train, _ = qset.training_images(gan.image_size)
  start, ours = completers(gan)
  results = {}
  for spec in _MASKS.value:
    masks = masks_lib.make_masks([spec], len(images), gan.image_size)
    rows = ceiling_rows(
      gan,
      start,
      ours,
      train,
      images,
      masks,
      _NEIGHBOURS.value,
      _PROJECTION_STEPS.value,
    )
    results[spec] = {
      name: float(
        np.mean(complete.evaluate(images, filled, masks)["hole_psnr"])
      )
      for name, filled in rows.items()
    }
    print(
      f"{spec:12s} "
      + "  ".join(f"{k} {v:6.2f}" for k, v in results[spec].items()),
      flush=True,
    )
  print(json.dumps(results))


if __name__ == "__main__":
  flags.mark_flag_as_required("model_dir")
  app.run(main)
