"""Builds both networks of a ModelConfig."""

import contextlib
from typing import Optional

import keras

from models.config import ModelConfig
from models.discriminator import Discriminator
from models.encoder import Encoder
from models.generator import Generator


@contextlib.contextmanager
def global_dtype_policy(name: Optional[str]):
  """Sets Keras' global dtype policy inside (None: leave it as it is).

  Layers take the global policy when they are constructed, so this is how a
  whole network is built in mixed precision. The previous policy comes back
  on exit: nothing built later in the process inherits float16 by accident.
  """
  previous = keras.mixed_precision.global_policy()
  if name:
    keras.mixed_precision.set_global_policy(name)
  try:
    yield
  finally:
    keras.mixed_precision.set_global_policy(previous)


def build_networks(
  config: ModelConfig,
  batch_size: int = 1,
  sync_batch_norm: bool = False,
  dtype_policy: Optional[str] = None,
):
  """Returns (generator, discriminator), built so their variables exist.

  `sync_batch_norm` is for training on several replicas, `dtype_policy`
  (e.g. "mixed_float16"; None: the global policy) for mixed precision.
  Neither changes the variables (always float32), so checkpoints move freely
  between settings.
  """
  with global_dtype_policy(dtype_policy):
    return _build(config, batch_size, sync_batch_norm)


def build_generator(
  config: ModelConfig,
  name: str = "generator",
  sync_batch_norm: bool = False,
  batch_size: int = 1,
  dtype_policy: Optional[str] = None,
) -> Generator:
  """One generator, built (the EMA copy is a second one)."""
  z = keras.ops.zeros((batch_size, config.z_dim))
  return _built(
    Generator,
    config,
    dtype_policy,
    z,
    z_dim=config.z_dim,
    gf=config.gf,
    sync_batch_norm=sync_batch_norm,
    name=name,
  )


def build_encoder(
  config: ModelConfig, batch_size: int = 1, dtype_policy: Optional[str] = None
) -> Encoder:
  """The mask-aware encoder of `config`, built."""
  images = _zero_images(config, batch_size)
  masks = keras.ops.ones(images.shape[:3] + (1,))
  return _built(
    Encoder,
    config,
    dtype_policy,
    (images, masks),
    z_dim=config.z_dim,
    ef=config.ef,
    name="encoder",
  )


def _build(config, batch_size, sync_batch_norm):
  generator = build_generator(config, "generator", sync_batch_norm, batch_size)
  discriminator = _built(
    Discriminator,
    config,
    None,  # build_networks has set the policy already
    _zero_images(config, batch_size),
    df=config.df,
    sync_batch_norm=sync_batch_norm,
    spectral_norm=config.spectral_norm,
    name="discriminator",
  )
  return generator, discriminator


def _built(network_class, config, dtype_policy, sample_input, **arguments):
  """network_class(config's image shape, **arguments), called once so its
  variables exist, under `dtype_policy`."""
  with global_dtype_policy(dtype_policy):
    network = network_class(
      image_size=config.image_size, channels=config.channels, **arguments
    )
    network(sample_input)
  return network


def _zero_images(config, batch_size):
  return keras.ops.zeros(
    (batch_size, config.image_size, config.image_size, config.channels)
  )
