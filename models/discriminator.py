"""DCGAN discriminator: image -> one real/fake logit."""

import keras

from models import layers
from models.spectral_norm import SpectralNormDense


@keras.saving.register_keras_serializable(package="dcgan")
class Discriminator(layers.Network):
  """Scores images with 5x5 stride-2 convolutions and LeakyReLU(0.2).

  image -> conv(df) -> conv(2*df) + BN -> ... -> 4x4 -> flatten -> 1 logit.
  Batch norm follows every convolution but the first (DCGAN section 3: no
  batch norm on the discriminator's input layer).

  With `spectral_norm`, every convolution and the logit layer compute with
  their spectrally normalized kernels (models/spectral_norm.py) and there
  is no batch norm, as in SN-GAN (Miyato et al. 2018, whose discriminators
  have none): spectral normalization is what bounds D's Lipschitz constant
  there, and batch norm's division by the batch's deviation would undo
  that bound. The convolutions then carry the biases that batch norm's
  offsets stood in for. The training step calls `power_iteration()` once
  per step.

  The logit layer runs in float32 whatever the global dtype policy.

  Args:
    image_size: Input height and width, a power of two in [16, 128].
    channels: Input channels, 1 or 3.
    df: Width of the first convolution; doubled by each further one.
    sync_batch_norm: Synchronize batch-norm statistics across replicas (see
      Generator).
    spectral_norm: Spectrally normalize every layer, without batch norm.

  Example:
    >>> d = Discriminator(image_size=32, channels=1, df=64)
    >>> d(keras.ops.zeros((2, 32, 32, 1))).shape
    TensorShape([2, 1])
  """

  def __init__(
    self,
    image_size=64,
    channels=3,
    df=64,
    sync_batch_norm=False,
    spectral_norm=False,
    **kwargs,
  ):
    super().__init__(**kwargs)
    self.keep_arguments(
      image_size=image_size,
      channels=channels,
      df=df,
      sync_batch_norm=sync_batch_norm,
      spectral_norm=spectral_norm,
    )

    init = layers.dcgan_initializer()
    # Each layer is its own attribute: tf.train.Checkpoint does not see
    # layers that Keras 3 holds in lists, so their weights and batch-norm
    # statistics would silently be left out of checkpoints.
    self.num_convs = self.model_config.num_upsamplings
    for i in range(self.num_convs):
      conv = layers.strided_conv(
        df * 2**i,
        f"conv{i}",
        init,
        use_bias=i == 0 or spectral_norm,
        spectral_norm=spectral_norm,
      )
      setattr(self, f"conv{i}", conv)
      if i > 0 and not spectral_norm:
        setattr(
          self, f"conv{i}_bn", layers.batch_norm(f"conv{i}_bn", sync_batch_norm)
        )
    self.flatten = keras.layers.Flatten()
    dense = SpectralNormDense if spectral_norm else keras.layers.Dense
    self.to_logit = dense(
      1, kernel_initializer=init, dtype="float32", name="logit"
    )

  def call(self, images, training=False):
    x = images
    for i in range(self.num_convs):
      x = getattr(self, f"conv{i}")(x)
      if i > 0 and not self.spectral_norm:
        x = getattr(self, f"conv{i}_bn")(x, training=training)
      x = keras.ops.leaky_relu(x, negative_slope=0.2)
    return self.to_logit(self.flatten(x))

  def power_iteration(self):
    """One power iteration of every normalized layer: once per training
    step (Miyato et al. Algorithm 1); a no-op without spectral_norm."""
    if self.spectral_norm:
      for i in range(self.num_convs):
        getattr(self, f"conv{i}").power_iteration()
      self.to_logit.power_iteration()
