"""Deep Generative Prior: fine-tune the generator's output layer per image.

Pan et al., "Exploiting Deep Generative Prior for Versatile Image
Restoration and Manipulation", ECCV 2020: once z* is found, the generator's
own weights are fine-tuned for a few steps at a small step size to fit the
degraded image, so the fill may leave the generator's range. A weight is
shared by every position of the image, so what fitting the known pixels
teaches it (a colour the generator draws wrong, a stroke's width) reaches
the hole too, which a search of the feature map cannot do: a feature in
the hole has no gradient from the known pixels beyond the kernel's reach.

Here the tuned layer is the output layer (the generator SavedModel's
`from_features_tuned` signature: its trained kernel and bias plus each
image's deltas), on the fixed feature map G_1(z*), with the search's own
loss; Pan et al. tune every layer, deepest first, with a discriminator-
feature loss. Each candidate has its own deltas, the loss is a sum of
per-candidate losses and Adam is elementwise, so a batch of two gives what
two batches of one give.
"""

import tensorflow as tf

from inpainting import adam


def tune_output_layer(search, z, images, weights):
  """Adam on each candidate's output-layer deltas from zero.

  Args:
    search: The LatentSearch (its config, features, from_features_tuned,
      output_kernel_shape and losses_of).
    z: [N, z_dim] each candidate's z* from the z search.
    images: [N, S, S, C] each candidate's image.
    weights: [N, S, S, 1] its importance weights (losses.importance_weights).

  Returns:
    (total loss [N], contextual loss [N], the tuned layer's images).
  """
  config = search.config
  features = tf.stop_gradient(search.features(z))
  candidates = tf.shape(z)[0]
  kernel = tf.zeros(
    tf.concat([[candidates], search.output_kernel_shape], 0), tf.float32
  )
  bias = tf.zeros([candidates, search.output_kernel_shape[2]], tf.float32)

  def candidate_losses(kernel, bias):
    return search.losses_of(
      search.from_features_tuned(features, kernel, bias), images, weights
    )

  kernel, bias = adam.minimize(
    lambda kernel, bias: candidate_losses(kernel, bias)[0],
    [kernel, bias],
    [config.tune_learning_rate] * 2,
    config.feature_steps,
    config,
  )
  return candidate_losses(kernel, bias)
