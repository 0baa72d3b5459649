"""DiffAugment: differentiable augmentation of D's inputs (Zhao et al. 2020).

"Differentiable Augmentation for Data-Efficient GAN Training" (NeurIPS 2020)
augments real AND generated images with the same random transforms before
the discriminator, in D's loss and in G's, so that D cannot memorize a
small training set, while G's gradient flows back through the transform.
Augmenting only the real images would teach G to generate augmented ones.

Policies (TrainConfig.augment), on a batch NHWC in [-1, 1], each image
drawn on its own:
  color        brightness + U(-0.5, 0.5), saturation x U(0, 2) around the
               pixel's channel mean (nothing to do on one channel),
               contrast x U(0.5, 1.5) around the image's mean
  translation  shift by up to 1/8 of the height and width, whole pixels
  cutout       a square of half the size, centred anywhere, set to 0
What translation uncovers and what cutout removes is 0, the middle of
[-1, 1], as in the paper's code (whose numbers were measured with it): the
same for every data set, where -1 would pass for background on digits but
is black on photographs. Color moves values out of [-1, 1] and nothing
clips them, as in the paper's code: clipping would cut G's gradient
wherever a brightness shift saturates a pixel.

Everything is stateless: the draws are a function of a seed, which the
training step derives from (TrainConfig.seed, step, replica) and folds a
call's number into (real images 0, generated 1), so a resumed run draws
what an uninterrupted one would have. Translation and cutout are one-hot
matrix products and masks rather than gathers and scatters: their
gradients are matmuls and products, deterministic on every device and
dense on a TPU.
"""

from typing import Sequence

import tensorflow as tf

# Each transform folds its own number into the seed, so its draws do not
# depend on which other policies are on.
_BRIGHTNESS, _SATURATION, _CONTRAST, _TRANSLATION, _CUTOUT = range(5)


def step_seed(seed, step, replica) -> tf.Tensor:
  """The stateless seed [2] of one step's augmentations on one replica.

  Args:
    seed: TrainConfig.seed.
    step: Steps done (the step variable).
    replica: The replica's id in the sync group: each replica augments
      its own slice of the batch with its own draws.
  """
  return tf.random.experimental.stateless_fold_in(
    tf.stack([tf.cast(seed, tf.int64), tf.cast(step, tf.int64)]),
    tf.cast(replica, tf.int64),
  )


def _draw(images, seed, op, minval, maxval):
  """Per-image uniform draws [B, 1, 1, 1], in the images' dtype."""
  values = tf.random.stateless_uniform(
    [tf.shape(images)[0], 1, 1, 1],
    tf.random.experimental.stateless_fold_in(seed, op),
    minval,
    maxval,
  )
  return tf.cast(values, images.dtype)


def _brightness(images, seed):
  return images + _draw(images, seed, _BRIGHTNESS, -0.5, 0.5)


def _saturation(images, seed):
  if images.shape[-1] == 1:
    return images  # the channel mean is the pixel itself
  mean = tf.reduce_mean(images, axis=3, keepdims=True)
  return (images - mean) * _draw(images, seed, _SATURATION, 0.0, 2.0) + mean


def _contrast(images, seed):
  mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
  return (images - mean) * _draw(images, seed, _CONTRAST, 0.5, 1.5) + mean


def _shifts(images, seed, op, size):
  """Per-image integer shifts in [-size // 8, size // 8], shape [B, 2]."""
  limit = size // 8
  return tf.random.stateless_uniform(
    [tf.shape(images)[0], 2],
    tf.random.experimental.stateless_fold_in(seed, op),
    -limit,
    limit + 1,
    dtype=tf.int32,
  )


def _one_hot_shift(shift, size, dtype):
  """[B, size, size]: row i picks source i - shift (none past the edge)."""
  source = tf.range(size)[None, :, None] - shift[:, None, None]
  return tf.cast(tf.equal(source, tf.range(size)[None, None, :]), dtype)


def _translation(images, seed):
  height, width = images.shape[1], images.shape[2]
  shifts = _shifts(images, seed, _TRANSLATION, min(height, width))
  rows = _one_hot_shift(shifts[:, 0], height, images.dtype)
  cols = _one_hot_shift(shifts[:, 1], width, images.dtype)
  images = tf.einsum("bik,bkwc->biwc", rows, images)
  return tf.einsum("bjk,bikc->bijc", cols, images)


def _cutout(images, seed):
  height, width = images.shape[1], images.shape[2]
  cut_h, cut_w = height // 2, width // 2
  batch = tf.shape(images)[0]
  seed = tf.random.experimental.stateless_fold_in(seed, _CUTOUT)
  # An even square's centre lies on a pixel corner, 0..size: it overhangs
  # each edge equally often.
  centres = [
    tf.random.stateless_uniform(
      [batch, 1],
      tf.random.experimental.stateless_fold_in(seed, axis),
      0,
      size + 1 - cut % 2,
      dtype=tf.int32,
    )
    for axis, (size, cut) in enumerate(((height, cut_h), (width, cut_w)))
  ]

  def outside(size, cut, centre):  # [B, size]: not covered by the square
    start = centre - cut // 2
    index = tf.range(size)[None, :]
    return tf.logical_or(index < start, index >= start + cut)

  keep = tf.logical_or(
    outside(height, cut_h, centres[0])[:, :, None],
    outside(width, cut_w, centres[1])[:, None, :],
  )
  return images * tf.cast(keep, images.dtype)[:, :, :, None]


TRANSFORMS = {
  "color": (_brightness, _saturation, _contrast),
  "translation": (_translation,),
  "cutout": (_cutout,),
}


def augment(images, policies: Sequence[str], seed) -> tf.Tensor:
  """DiffAugment `policies`, in their order, on a batch NHWC in [-1, 1].

  Args:
    images: Float images [B, H, W, C] with static H, W and C; the result
      has their shape and dtype.
    policies: Names from training.config.AUGMENT_POLICIES
      (TrainConfig.augment_policies).
    seed: A stateless seed [2] (see step_seed).
  """
  for policy in policies:
    for transform in TRANSFORMS[policy]:
      images = transform(images, seed)
  return images
