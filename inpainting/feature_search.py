"""Intermediate Layer Optimization: search G's feature map after z.

Daras et al., "Intermediate Layer Optimization for Inverse Problems using
Deep Generative Models", ICML 2021: once z* is found, the feature map
features_k = G_1(z*) at an intermediate layer is optimized directly for the
same loss through the rest of the generator, G_2, and projected after every
step onto a ball around G_1(z*), so the fill may leave the generator's range
but only as far as the ball lets it. Here k is the input of the generator's
output layer (models/generator.py's Generator.features), the ball is L2, per
image, with a radius relative to the starting map's norm.

Pure TensorFlow: one tf.while_loop, Adam as loop state (inpainting/adam.py),
so the served completer can embed it. Each image's map is its
own: the loss is a sum of per-image losses, Adam is elementwise, the
projection uses each image's own norm, and G_2 runs batch norm in inference
mode, so a batch of two gives what two batches of one give.
"""

import tensorflow as tf

from inpainting import adam


def _per_image_norm(x):
  return tf.sqrt(tf.reduce_sum(tf.square(x), axis=tf.range(1, tf.rank(x))))


def project(features, start, radius):
  """Projects `features` onto {f >= 0, ||f - start|| <= radius * ||start||}.

  Per image (the first axis). The map is a ReLU's output, so it stays
  non-negative: after clipping below at 0, shrinking f - start towards the
  (non-negative) start keeps it so.
  """
  features = tf.nn.relu(features)
  delta = features - start
  limit = radius * _per_image_norm(start)
  norm = _per_image_norm(delta)
  scale = tf.minimum(1.0, limit / tf.maximum(norm, 1e-12))
  scale = tf.reshape(
    scale, tf.concat([[-1], tf.ones([tf.rank(delta) - 1], tf.int32)], 0)
  )
  return start + delta * scale


def search_features(search, start, images, weights):
  """Adam on the feature map from `start`, projected after each step.

  Args:
    search: The LatentSearch (its config, from_features and losses_of).
    start: [N, h, w, c] G_1(z*) of each candidate.
    images: [N, S, S, C] each candidate's image.
    weights: [N, S, S, 1] its importance weights (losses.importance_weights).

  Returns:
    (features, total loss [N], contextual loss [N], G_2(features)).
  """
  config = search.config

  def candidate_losses(features):
    return search.losses_of(search.from_features(features), images, weights)

  (features,) = adam.minimize(
    lambda features: candidate_losses(features)[0],
    [start],
    [config.feature_learning_rate],
    config.feature_steps,
    config,
    after=lambda tensors: [project(tensors[0], start, config.feature_radius)],
  )
  total, contextual, generated = candidate_losses(features)
  return features, total, contextual, generated
