"""PSNR and SSIM over the whole image (tf.image) and inside the hole."""

import tensorflow as tf

# Wang et al. 2004 (and tf.image.ssim's defaults).
SSIM_FILTER_SIZE = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03
# Identical pixels would give infinite PSNR; report this instead.
MAX_PSNR = 100.0


def _to_unit(images):
  """[-1, 1] -> [0, 1], the scale both metrics are reported on."""
  return (tf.convert_to_tensor(images, tf.float32) + 1.0) / 2.0


def _gaussian_kernel(channels):
  coords = (
    tf.range(SSIM_FILTER_SIZE, dtype=tf.float32) - (SSIM_FILTER_SIZE - 1) / 2.0
  )
  g = tf.exp(-tf.square(coords) / (2.0 * SSIM_SIGMA**2))
  g = g / tf.reduce_sum(g)
  kernel = g[:, None] * g[None, :]
  return tf.tile(kernel[:, :, None, None], [1, 1, channels, 1])


def ssim_map(a, b, padding="VALID"):
  """Per-pixel SSIM of [0, 1] images [B, H, W, C] -> [B, H', W'] (mean of C).

  VALID matches tf.image.ssim (whose mean this equals); REFLECT gives a value
  at every pixel, which the in-hole average needs.
  """
  channels = a.shape[-1]
  kernel = _gaussian_kernel(channels)
  if padding == "REFLECT":
    half = SSIM_FILTER_SIZE // 2
    pad = [[0, 0], [half, half], [half, half], [0, 0]]
    a, b = tf.pad(a, pad, "REFLECT"), tf.pad(b, pad, "REFLECT")

  def blur(x):
    return tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "VALID")

  c1, c2 = SSIM_K1**2, SSIM_K2**2
  mu_a, mu_b = blur(a), blur(b)
  var_a = blur(a * a) - mu_a**2
  var_b = blur(b * b) - mu_b**2
  cov = blur(a * b) - mu_a * mu_b
  luminance = (2 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
  structure = (2 * cov + c2) / (var_a + var_b + c2)
  return tf.reduce_mean(luminance * structure, axis=-1)


def _psnr_from_mse(mse):
  return tf.minimum(
    MAX_PSNR, -10.0 * tf.math.log(tf.maximum(mse, 1e-30)) / tf.math.log(10.0)
  )


def hole_psnr(originals, completed, masks):
  """PSNR (dB, on [0, 1]) over the missing pixels only: [B]."""
  hole = 1.0 - tf.convert_to_tensor(masks, tf.float32)
  squared = tf.square(_to_unit(originals) - _to_unit(completed)) * hole
  count = tf.reduce_sum(hole, axis=[1, 2, 3]) * originals.shape[-1]
  return _psnr_from_mse(
    tf.reduce_sum(squared, axis=[1, 2, 3]) / tf.maximum(count, 1.0)
  )


def hole_ssim(originals, completed, masks):
  """Mean SSIM map value over the missing pixels only: [B]."""
  hole = 1.0 - tf.convert_to_tensor(masks, tf.float32)[..., 0]
  values = ssim_map(_to_unit(originals), _to_unit(completed), "REFLECT")
  return tf.reduce_sum(values * hole, axis=[1, 2]) / tf.maximum(
    tf.reduce_sum(hole, axis=[1, 2]), 1.0
  )


def image_metrics(originals, completed, masks):
  """{hole_psnr, hole_ssim, psnr, ssim}, each float32 [B]."""
  a, b = _to_unit(originals), _to_unit(completed)
  return {
    "hole_psnr": hole_psnr(originals, completed, masks),
    "hole_ssim": hole_ssim(originals, completed, masks),
    "psnr": tf.minimum(MAX_PSNR, tf.image.psnr(a, b, max_val=1.0)),
    "ssim": tf.image.ssim(a, b, max_val=1.0),
  }
