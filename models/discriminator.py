"""DCGAN discriminator: image -> one real/fake logit."""

import keras

from models import layers
from models.config import ModelConfig


@keras.saving.register_keras_serializable(package="dcgan")
class Discriminator(keras.Model):
  """Scores images with 5x5 stride-2 convolutions and LeakyReLU(0.2).

  image -> conv(df) -> conv(2*df) + BN -> ... -> 4x4 -> flatten -> 1 logit.
  Batch norm follows every convolution but the first (DCGAN section 3: no
  batch norm on the discriminator's input layer).

  The logit layer runs in float32 whatever the global dtype policy.

  Args:
    image_size: Input height and width, a power of two in [16, 128].
    channels: Input channels, 1 or 3.
    df: Width of the first convolution; doubled by each further one.

  Example:
    >>> d = Discriminator(image_size=32, channels=1, df=64)
    >>> d(keras.ops.zeros((2, 32, 32, 1))).shape
    TensorShape([2, 1])
  """

  def __init__(self, image_size=64, channels=3, df=64, **kwargs):
    super().__init__(**kwargs)
    self.model_config = ModelConfig(
        image_size=image_size, channels=channels, df=df)
    self.image_size = image_size
    self.channels = channels
    self.df = df

    init = layers.dcgan_initializer()
    self.conv_blocks = []
    for i in range(self.model_config.num_upsamplings):
      conv = keras.layers.Conv2D(
          df * 2**i, 5, strides=2, padding="same", use_bias=(i == 0),
          kernel_initializer=init, name=f"conv{i}")
      norm = layers.batch_norm(f"conv{i}_bn") if i > 0 else None
      self.conv_blocks.append((conv, norm))
    self.flatten = keras.layers.Flatten()
    self.to_logit = keras.layers.Dense(
        1, kernel_initializer=init, dtype="float32", name="logit")

  def call(self, images, training=False):
    x = images
    for conv, norm in self.conv_blocks:
      x = conv(x)
      if norm is not None:
        x = norm(x, training=training)
      x = keras.ops.leaky_relu(x, negative_slope=0.2)
    return self.to_logit(self.flatten(x))

  def get_config(self):
    config = super().get_config()
    config.update(image_size=self.image_size, channels=self.channels,
                  df=self.df)
    return config
