"""The one definition of the image hand-off: file pixels <-> model tensors.

Training's input pipeline, `dcgan-complete`, the served completer's PNG
signature and the request client all call these functions, so one file
becomes the same tensor wherever it enters. Pure TensorFlow ops (no NumPy,
no Python control flow on values), so they run eagerly, inside tf.data and
inside a SavedModel's graph alike.

Convention: uint8 pixels on disk; float32 in [-1, 1] at every public
boundary (the generator's tanh range).
"""

import tensorflow as tf


def to_unit_range(pixels):
  """uint8 (or 0..255 float) pixels -> float32 in [-1, 1]."""
  pixels = tf.cast(pixels, tf.float32)
  return tf.clip_by_value(pixels, 0.0, 255.0) / 127.5 - 1.0


def to_uint8(images):
  """float in [-1, 1] -> uint8 pixels (rounded; out-of-range clipped)."""
  images = tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0)
  return tf.cast(tf.round((images + 1.0) * 127.5), tf.uint8)


def spread_as_image(spread):
  """A per-pixel standard deviation in [0, 1] -> an image in [-1, 1], so
  that to_uint8 saves it with gray level 255 x std (black: no spread).
  Arithmetic only: NumPy arrays and tensors alike."""
  return spread * 2.0 - 1.0


def to_channels(pixels, channels: int):
  """[h, w, 1|3|4] -> [h, w, channels]: alpha dropped, gray <-> RGB."""
  pixels = tf.convert_to_tensor(pixels)
  have = pixels.shape[-1]
  if have == 4 or (have == 2 and channels == 1):
    # RGBA / gray+alpha: the alpha channel is not part of the image.
    pixels = pixels[..., : have - 1]
    have -= 1
  if have == 1 and channels == 3:
    return tf.image.grayscale_to_rgb(pixels)
  if have == 3 and channels == 1:
    # rgb_to_grayscale returns the input's dtype; round, don't truncate.
    gray = tf.image.rgb_to_grayscale(tf.cast(pixels, tf.float32))
    return tf.cast(tf.round(gray), pixels.dtype)
  return pixels


def center_square(pixels):
  """The largest centred square of [h, w, c]."""
  height, width = tf.shape(pixels)[0], tf.shape(pixels)[1]
  side = tf.minimum(height, width)
  return tf.image.crop_to_bounding_box(
    pixels, (height - side) // 2, (width - side) // 2, side, side
  )


def to_model_image(pixels, size: int, channels: int):
  """uint8 [h, w, c] of any size -> float32 [size, size, channels] in
  [-1, 1]: channels converted, centre-cropped to a square, resized with
  antialiasing (a no-op when already size x size)."""
  square = center_square(to_channels(pixels, channels))
  resized = tf.image.resize(
    tf.cast(square, tf.float32), (size, size), antialias=True
  )
  return tf.ensure_shape(to_unit_range(resized), (size, size, channels))


def decode(data, channels: int):
  """PNG/JPEG/BMP/GIF bytes -> uint8 [h, w, channels] (first frame).

  JPEGs are decoded with libjpeg's accurate integer IDCT, the one PIL,
  OpenCV and browsers use, not TensorFlow's faster default, which is off
  by up to a few levels: pixels that completion writes back untouched
  then match what other tools read from the file.
  """
  data = tf.convert_to_tensor(data, tf.string)

  def jpeg():
    return tf.io.decode_jpeg(
      data, channels=channels, dct_method="INTEGER_ACCURATE"
    )

  def other():
    return tf.io.decode_image(data, channels=channels, expand_animations=False)

  return tf.cond(tf.io.is_jpeg(data), jpeg, other)
