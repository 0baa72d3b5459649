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

from inpainting import losses
from inpainting.adam import adam_step


def tune_output_layer(search, z, images, weights):
  """Adam on each candidate's output-layer deltas from zero.

  Args:
    search: The LatentSearch (its config, features, from_features_tuned,
      output_kernel_shape and discriminate).
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
    generated = search.from_features_tuned(features, kernel, bias)
    contextual = losses.contextual_loss(generated, images, weights)
    if config.prior_weight == 0:
      return contextual, contextual, generated
    prior = losses.prior_loss(search.discriminate(generated))
    return contextual + config.prior_weight * prior, contextual, generated

  def step(t, kernel, bias, m_kernel, v_kernel, m_bias, v_bias):
    with tf.GradientTape() as tape:
      tape.watch([kernel, bias])
      total, _, _ = candidate_losses(kernel, bias)
      # A sum of per-candidate losses: each candidate's deltas get their own
      # gradient.
      objective = tf.reduce_sum(total)
    # Through the SavedModel's vectorized map the kernel's gradient may
    # come back as IndexedSlices.
    grad_kernel, grad_bias = [
      tf.convert_to_tensor(grad)
      for grad in tape.gradient(objective, [kernel, bias])
    ]
    step_number = tf.cast(t + 1, tf.float32)
    kernel, m_kernel, v_kernel = adam_step(
      kernel,
      grad_kernel,
      m_kernel,
      v_kernel,
      step_number,
      config,
      config.tune_learning_rate,
    )
    bias, m_bias, v_bias = adam_step(
      bias,
      grad_bias,
      m_bias,
      v_bias,
      step_number,
      config,
      config.tune_learning_rate,
    )
    return t + 1, kernel, bias, m_kernel, v_kernel, m_bias, v_bias

  _, kernel, bias, *_ = tf.while_loop(
    lambda t, *_: t < config.feature_steps,
    step,
    (
      tf.constant(0),
      kernel,
      bias,
      tf.zeros_like(kernel),
      tf.zeros_like(kernel),
      tf.zeros_like(bias),
      tf.zeros_like(bias),
    ),
  )
  return candidate_losses(kernel, bias)
