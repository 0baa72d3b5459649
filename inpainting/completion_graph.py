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
  completer both run. With the config's `views` > 1, each image is also
  searched as transformed copies (`VIEWS`: its mirror image, then shifted by
  a pixel), in the same batch and with the same random draws, and the fill
  pasted and blended is the mean of the views' fills, mapped back, whose
  search fits the known pixels nearly as well as the image's own
  (contextual loss at most `view_tolerance` times its own):
  `view_averaged_fill`.

  Args:
    search: The LatentSearch over the generator and discriminator.
    images: float32 [N, S, S, C] in [-1, 1].
    masks: float32 [N, S, S, 1], 1 = known.
    steps, restarts, seed: Override the search config's (tensors allowed).
    image_keys: int64 [N]: each image's random draws come from (seed, its
      key); None: 0, 1, ..., N - 1 (`LatentSearch.__call__`).

  Returns:
    The search's outputs for the images themselves (z, "generated" G(z*),
    losses) plus "uncertainty" (the spread of the fills weighed:
    `view_averaged_fill`), "completed" (the fill pasted into the hole),
    "blended" (the fill Poisson-blended into the hole) and "views_used"
    (float32 [N], how many views' fills were averaged, the image's own
    included).
  """
  images = tf.convert_to_tensor(images, tf.float32)
  masks = tf.convert_to_tensor(masks, tf.float32)
  config = search.config
  # One view (the image alone) is the same arithmetic: its fill, counted
  # once, and no spread between views.
  found, fill = view_averaged_fill(
    search,
    images,
    masks,
    steps,
    restarts,
    seed,
    image_keys,
    VIEWS[: config.views],
    config.view_tolerance,
  )
  found["completed"] = blending.paste(images, fill, masks)
  found["blended"] = blending.poisson_blend(images, fill, masks)
  return found


def view_averaged_fill(
  search, images, masks, steps, restarts, seed, image_keys, views, tolerance
):
  """(the images' own search outputs, the fill): test-time views.

  Where the hole's content is ambiguous, squared error rewards the mean of
  plausible fills, and the search of a mirrored or shifted copy is another
  guess of about the same quality wherever G draws such copies (faces,
  figures, letters; digits shifted but not mirrored). Where G cannot draw a
  view, its search fits the known pixels worse, and `tolerance` leaves it
  out. The uncertainty is the spread of what was weighed: the image's own
  restarts' (`hole_spread`) and, added in quadrature, the averaged views'.
  """
  batch = tf.shape(images)[0]
  # Explicit keys: the larger batch's default positions would give each
  # image other draws than it gets alone.
  keys = keys_or_positions(image_keys, batch)
  found = search(
    tf.concat([view.apply(images) for view in views], 0),
    tf.concat([view.apply(masks) for view in views], 0),
    steps,
    restarts,
    seed,
    tf.tile(keys, [len(views)]),
  )
  own = {name: value[:batch] for name, value in found.items()}
  fills = tf.stack(
    [
      view.undo(found["generated"][i * batch : (i + 1) * batch])
      for i, view in enumerate(views)
    ]
  )  # [views, N, S, S, C]
  losses = tf.reshape(found["contextual_loss"], [len(views), batch])
  # The image's own view always counts (its loss is at most tolerance
  # times itself only for tolerance >= 1).
  used = tf.logical_or(
    losses <= tolerance * own["contextual_loss"],
    tf.range(len(views))[:, None] == 0,
  )
  weights = tf.cast(used, tf.float32)[:, :, None, None, None]
  count = tf.reduce_sum(weights, axis=0)
  fill = tf.reduce_sum(weights * fills, axis=0) / count
  spread = tf.sqrt(tf.reduce_sum(weights * (fills - fill) ** 2, axis=0) / count)
  own["views_used"] = count[:, 0, 0, 0]
  own["uncertainty"] = tf.sqrt(
    own["uncertainty"] ** 2
    + tf.reduce_mean(spread, axis=-1, keepdims=True) ** 2 * (1.0 - masks)
  )
  return own, fill


class View:
  """A test-time view: `apply` maps images (or masks) [N, H, W, C] to the
  view, `undo` maps the view's fill back."""

  def __init__(self, name, flip=False, dy=0, dx=0):
    self.name, self.flip, self.dy, self.dx = name, flip, dy, dx

  def apply(self, images):
    if self.flip:
      images = tf.reverse(images, axis=[2])
    return _shift(images, self.dy, self.dx)

  def undo(self, images):
    images = _shift(images, -self.dy, -self.dx)
    if self.flip:
      images = tf.reverse(images, axis=[2])
    return images


def _shift(images, dy, dx):
  """Moves [N, H, W, C] by (dy, dx) pixels, filling what it moved away from
  with the image mirrored at its edge (for one pixel: the edge row or
  column repeated), so that no border appears among the known pixels."""
  if not dy and not dx:
    return images
  pad = max(abs(dy), abs(dx))
  height, width = tf.shape(images)[1], tf.shape(images)[2]
  padded = tf.pad(
    images, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="SYMMETRIC"
  )
  return padded[:, pad - dy : pad - dy + height, pad - dx : pad - dx + width]


# In the order `views` takes them: the image itself, its mirror image, then
# one-pixel shifts. Chosen on held-out images the benches do not score
# (docs/benchmarks.md#test-time-views); each view adds one search's work.
VIEWS = (
  View("itself"),
  View("mirror", flip=True),
  View("right", dx=1),
  View("left", dx=-1),
  View("down", dy=1),
  View("up", dy=-1),
  View("mirror right", flip=True, dx=1),
  View("mirror left", flip=True, dx=-1),
)
