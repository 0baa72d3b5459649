"""Initializers, layers and the base class the DCGAN networks share."""

import keras

from models.config import ModelConfig
from models.small_map_conv import SmallMapConv2D
from models.spectral_norm import SpectralNormConv2D

# DCGAN section 4: "All weights were initialized from a zero-centered Normal
# distribution with standard deviation 0.02."
WEIGHT_STDDEV = 0.02


def dcgan_initializer(seed=None):
  return keras.initializers.RandomNormal(stddev=WEIGHT_STDDEV, seed=seed)


def batch_norm(name, synchronized=False):
  """Batch norm; `synchronized` averages the batch statistics over replicas.

  Under a tf.distribute strategy each replica otherwise normalizes with the
  statistics of its own slice of the batch, and the replicas' moving averages
  drift apart.
  """
  # momentum 0.9 / epsilon 1e-5 as in the reference DCGAN implementations;
  # Keras' default momentum 0.99 makes the inference statistics lag far behind
  # a generator that changes every step.
  return keras.layers.BatchNormalization(
    momentum=0.9, epsilon=1e-5, synchronized=synchronized, name=name
  )


def strided_conv(
  filters, name, kernel_initializer, use_bias=True, spectral_norm=False
):
  """The 5x5 stride-2 convolution that halves the map (D's and E's layers),
  spectrally normalized if asked (models/spectral_norm.py)."""
  conv_class = SpectralNormConv2D if spectral_norm else SmallMapConv2D
  return conv_class(
    filters,
    5,
    strides=2,
    padding="same",
    use_bias=use_bias,
    kernel_initializer=kernel_initializer,
    name=name,
  )


class Network(keras.Model):
  """A DCGAN network whose constructor arguments are its Keras config.

  `keep_arguments` stores them as attributes and as `model_config` (the
  ModelConfig fields among them, checked); `get_config` returns them, which
  is what Keras needs to rebuild the network from a saved file.
  """

  def keep_arguments(self, **arguments):
    self.argument_names = tuple(arguments)
    for name, value in arguments.items():
      setattr(self, name, value)
    self.model_config = ModelConfig(
      **{k: v for k, v in arguments.items() if k != "sync_batch_norm"}
    )

  def get_config(self):
    config = super().get_config()
    config.update({name: getattr(self, name) for name in self.argument_names})
    return config
