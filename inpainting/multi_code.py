"""Multi-code GAN prior: several codes composed at G's feature map.

Gu, Shen and Zhou, "Image Processing Using Multi-Code GAN Prior", CVPR 2020:
N latent codes z_1..z_N each give a feature map G_1(z_n) at an intermediate
layer, the maps are composed with a per-code importance for every channel,
F = sum_n alpha_n * G_1(z_n), and the rest of the generator, G_2, draws the
image from F. Codes and importances are optimized together for the
reconstruction loss, so the fill may leave G's range by mixing what
several codes draw, channel by channel.

Here the layer is the input of the output layer (the split the generator
SavedModel exports, as for inpainting/feature_search.py), and the search
starts from the z search's result rather than from scratch: code 1 is z*
with importance 1, the others are random codes with importance 0, so the
start is exactly the z search's fill and every step only has to improve it.
The other codes are drawn from the seed alone, the same for every image, so
an image's result never depends on its batch; each image has its own copies
to optimize. The loss is a sum of per-image losses, Adam is elementwise and
G_1, G_2 run batch norm in inference mode: a batch of two gives what two
batches of one give.
"""

import tensorflow as tf

from inpainting import adam

# Key of the extra codes' draw: no image's own draws use negative keys, and
# the shared pool uses -1.
_CODES_KEY = -2


def extra_codes(count, z_dim, seed):
  """[count, z_dim] codes ~ U(-1, 1) from `seed` alone (shared by images)."""
  return tf.random.stateless_uniform(
    [count, z_dim],
    seed=tf.stack([tf.cast(seed, tf.int64), tf.constant(_CODES_KEY, tf.int64)]),
    minval=-1.0,
    maxval=1.0,
  )


def compose(features, importance):
  """sum_n importance_n * features_n.

  Args:
    features: [N, codes, h, w, c] each candidate's codes' maps.
    importance: [N, codes, c] each code's weight per channel.
  """
  return tf.reduce_sum(features * importance[:, :, None, None, :], axis=1)


def search_codes(search, z, seed, images, weights):
  """Adam on each candidate's codes and their channel importances.

  Args:
    search: The LatentSearch (its config, features, from_features and
      losses_of).
    z: [N, z_dim] each candidate's z* from the z search.
    seed: int64 scalar, the search's seed (draws the extra codes).
    images: [N, S, S, C] each candidate's image.
    weights: [N, S, S, 1] its importance weights (losses.importance_weights).

  Returns:
    (codes [N, codes, z_dim], total loss [N], contextual loss [N],
     G_2 of the composed map [N, S, S, C]).
  """
  config = search.config
  count = config.codes
  candidates, z_dim = tf.shape(z)[0], tf.shape(z)[1]
  others = tf.tile(
    extra_codes(count - 1, z_dim, seed)[None], [candidates, 1, 1]
  )
  codes = tf.concat([z[:, None], others], axis=1)
  channels = search.features(z[:1]).shape[-1]
  importance = tf.concat(
    [
      tf.ones([candidates, 1, channels]),
      tf.zeros([candidates, count - 1, channels]),
    ],
    axis=1,
  )

  def candidate_losses(codes, importance):
    maps = search.features(tf.reshape(codes, [-1, z_dim]))
    maps = tf.reshape(
      maps, tf.concat([[candidates, count], tf.shape(maps)[1:]], 0)
    )
    return search.losses_of(
      search.from_features(compose(maps, importance)), images, weights
    )

  codes, importance = adam.minimize(
    lambda codes, importance: candidate_losses(codes, importance)[0],
    [codes, importance],
    [config.learning_rate, config.feature_learning_rate],
    config.feature_steps,
    config,
    # Codes stay in the support of the prior, as z does.
    after=lambda tensors: [tf.clip_by_value(tensors[0], -1.0, 1.0), tensors[1]],
  )
  total, contextual, generated = candidate_losses(codes, importance)
  return codes, total, contextual, generated
