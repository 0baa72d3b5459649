"""The completion as one graph: latent search, then paste and Poisson blend.

Pure TensorFlow (no NumPy, matplotlib or file I/O), so the served completer
(export/completer.py) can embed it without pulling `inpainting.complete`'s
figures and files into every export, and `dcgan-complete` runs the very same
function.
"""

import tensorflow as tf

from inpainting import blending
from inpainting.search import LatentSearch, keys_or_positions


def search_and_blend(
  search: LatentSearch,
  images,
  masks,
  steps=None,
  restarts=None,
  seed=None,
  image_keys=None,
):
  """The completion as tensors: the search, then paste and Poisson blend.

  The one implementation that `inpainting.complete.Completer` and the served
  completer both run. With the config's `mirror_tolerance` > 0, each image
  is searched again flipped left-right, in the same batch and with the same
  random draws, and where that search fits the known pixels nearly as well
  (contextual loss at most `mirror_tolerance` times the image's own) the
  fill pasted and blended is the mean of the two (`mirror_averaged_fill`).

  Args:
    search: The LatentSearch over the generator and discriminator.
    images: float32 [N, S, S, C] in [-1, 1].
    masks: float32 [N, S, S, 1], 1 = known.
    steps, restarts, seed: Override the search config's (tensors allowed).
    image_keys: int64 [N]: each image's random draws come from (seed, its
      key); None: 0, 1, ..., N - 1 (`LatentSearch.__call__`).

  Returns:
    The search's outputs for the images themselves (z, "generated" G(z*),
    losses, uncertainty) plus "completed" (the fill pasted into the hole),
    "blended" (the fill Poisson-blended into the hole) and "mirror_used"
    (float32 [N], 1 where the mirror image's fill was averaged in).
  """
  images = tf.convert_to_tensor(images, tf.float32)
  masks = tf.convert_to_tensor(masks, tf.float32)
  tolerance = search.config.mirror_tolerance
  if not tolerance:
    found = search(images, masks, steps, restarts, seed, image_keys)
    fill = found["generated"]
    found["mirror_used"] = tf.zeros_like(found["loss"])
  else:
    found, fill = mirror_averaged_fill(
      search, images, masks, steps, restarts, seed, image_keys, tolerance
    )
  found["completed"] = blending.paste(images, fill, masks)
  found["blended"] = blending.poisson_blend(images, fill, masks)
  return found


def mirror_averaged_fill(
  search, images, masks, steps, restarts, seed, image_keys, tolerance
):
  """(the images' own search outputs, the fill): test-time mirroring.

  Where the hole's content is ambiguous, squared error rewards the mean of
  plausible fills, and the mirror image's search is a second, independent
  guess of about the same quality on data whose mirror images G draws
  (faces, figures, most letters). Where G cannot draw them (digits) that
  search fits the known pixels worse, and `tolerance` leaves it out.
  """
  batch = tf.shape(images)[0]
  # Explicit keys: the doubled batch's default positions would give each
  # image other draws than it gets without mirroring.
  keys = keys_or_positions(image_keys, batch)
  both = search(
    tf.concat([images, _mirror(images)], 0),
    tf.concat([masks, _mirror(masks)], 0),
    steps,
    restarts,
    seed,
    tf.concat([keys, keys], 0),
  )
  own = {name: value[:batch] for name, value in both.items()}
  mirrored_fill = _mirror(both["generated"][batch:])
  used = both["contextual_loss"][batch:] <= (tolerance * own["contextual_loss"])
  own["mirror_used"] = tf.cast(used, tf.float32)
  fill = tf.where(
    used[:, None, None, None],
    (own["generated"] + mirrored_fill) / 2,
    own["generated"],
  )
  return own, fill


def _mirror(images):
  """Flips [N, H, W, C] left-right."""
  return tf.reverse(images, axis=[2])
