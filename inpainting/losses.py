"""Yeh et al. 2017, section 3.2: contextual and prior losses."""

import tensorflow as tf

from inpainting.search_config import IMPORTANCE_WINDOW


def importance_weights(masks, window: int = IMPORTANCE_WINDOW):
  """Yeh et al. Eq. (3): W_i = sum_{j in N(i)} (1 - M_j) / |N(i)| if M_i = 1.

  A known pixel weighs the share of missing pixels in the window x window
  neighbourhood centred on it; missing pixels weigh 0. |N(i)| is the full
  window size, so neighbours outside the image count as known.

  Args:
    masks: float32 [B, H, W, 1], 1 = known, 0 = missing.

  Returns:
    float32 [B, H, W, 1] in [0, 1).
  """
  masks = tf.convert_to_tensor(masks, tf.float32)
  kernel = tf.ones((window, window, 1, 1), tf.float32) / float(window * window)
  missing_share = tf.nn.conv2d(1.0 - masks, kernel, strides=1, padding="SAME")
  return masks * missing_share


def contextual_loss(generated, images, weights):
  """|| W * (G(z) - y) ||_1 per image: [B, H, W, C] x3 -> [B]."""
  return tf.reduce_sum(tf.abs(weights * (generated - images)), axis=[1, 2, 3])


def prior_loss(logits):
  """log(1 - D(G(z))) per image, from D's logits [B, 1] -> [B].

  log(1 - sigmoid(l)) = -softplus(l), which stays finite when D is sure.
  """
  return -tf.nn.softplus(tf.reshape(logits, [-1]))
