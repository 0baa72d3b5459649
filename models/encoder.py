"""Mask-aware encoder: (known pixels, mask) -> z, a start for the z search.

Completion searches z so that G(z) matches an image's known pixels (Yeh et
al. 2017). Searching from random z takes hundreds of gradient steps; an
encoder trained to invert the generator from partial images puts the search
next to the answer in one forward pass (amortized inference, as in "Faster
unsupervised semantic inpainting" and encoder-based GAN inversion). The
search then refines its guess.
"""

import keras

from models import layers


@keras.saving.register_keras_serializable(package="dcgan")
class Encoder(layers.Network):
  """Maps a partly known image and its mask to z in (-1, 1): e((images, masks)).

  [image * mask, mask] -> 5x5 stride-2 convolutions with LeakyReLU(0.2)
  (ef, 2*ef, ... filters, down to 4x4, the discriminator's layout) ->
  flatten -> dense z_dim -> tanh, the support of the prior z ~ U(-1, 1).

  The mask is an input channel, so one network serves every hole shape, and
  the unknown pixels are zeroed first, so whatever lies under the hole
  cannot leak into z. No batch norm: a completion batch may hold a single
  image, and the encoder should answer each image alone.

  Args:
    image_size: Input height and width, a power of two in [16, 128].
    channels: Image channels, 1 or 3.
    z_dim: Length of z.
    ef: Filters of the first convolution; doubled by each further one.

  Example:
    >>> e = Encoder(image_size=32, channels=1, z_dim=100, ef=64)
    >>> e((keras.ops.zeros((2, 32, 32, 1)), keras.ops.ones((2, 32, 32, 1)))
    ...   ).shape
    TensorShape([2, 100])
  """

  def __init__(self, image_size=64, channels=3, z_dim=100, ef=64, **kwargs):
    super().__init__(**kwargs)
    self.keep_arguments(
      image_size=image_size, channels=channels, z_dim=z_dim, ef=ef
    )
    init = layers.dcgan_initializer()
    # Own attributes, not a list: see Generator (checkpoint tracking).
    self.num_convs = self.model_config.num_upsamplings
    for i in range(self.num_convs):
      setattr(
        self, f"conv{i}", layers.strided_conv(ef * 2**i, f"conv{i}", init)
      )
    self.flatten = keras.layers.Flatten()
    self.to_z = keras.layers.Dense(
      z_dim, kernel_initializer=init, dtype="float32", name="to_z"
    )

  def call(self, inputs):
    # One (images, masks) input, not two arguments: Keras traces call()
    # with a single input when a SavedModel tracks the model.
    images, masks = inputs
    masks = keras.ops.cast(masks, images.dtype)
    x = keras.ops.concatenate([images * masks, masks], axis=-1)
    for i in range(self.num_convs):
      x = keras.ops.leaky_relu(getattr(self, f"conv{i}")(x), negative_slope=0.2)
    return keras.ops.tanh(self.to_z(self.flatten(x)))
