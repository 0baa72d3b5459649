"""Builds both networks of a ModelConfig."""

import keras

from models.config import ModelConfig
from models.discriminator import Discriminator
from models.generator import Generator


def build_networks(config: ModelConfig, batch_size: int = 1,
                   sync_batch_norm: bool = False):
  """Returns (generator, discriminator), built so their variables exist.

  `sync_batch_norm` is for training on several replicas; it changes no
  variable, so checkpoints move freely between the two settings.
  """
  generator = Generator(image_size=config.image_size, channels=config.channels,
                        z_dim=config.z_dim, gf=config.gf,
                        sync_batch_norm=sync_batch_norm, name="generator")
  discriminator = Discriminator(image_size=config.image_size,
                                channels=config.channels, df=config.df,
                                sync_batch_norm=sync_batch_norm,
                                name="discriminator")
  generator(keras.ops.zeros((batch_size, config.z_dim)))
  discriminator(keras.ops.zeros(
      (batch_size, config.image_size, config.image_size, config.channels)))
  return generator, discriminator
