"""Builds both networks of a ModelConfig."""

import keras

from models.config import ModelConfig
from models.discriminator import Discriminator
from models.generator import Generator


def build_networks(config: ModelConfig, batch_size: int = 1):
  """Returns (generator, discriminator), built so their variables exist."""
  generator = Generator(image_size=config.image_size, channels=config.channels,
                        z_dim=config.z_dim, gf=config.gf, name="generator")
  discriminator = Discriminator(image_size=config.image_size,
                                channels=config.channels, df=config.df,
                                name="discriminator")
  generator(keras.ops.zeros((batch_size, config.z_dim)))
  discriminator(keras.ops.zeros(
      (batch_size, config.image_size, config.image_size, config.channels)))
  return generator, discriminator
