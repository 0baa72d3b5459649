"""Loads the exported generator and discriminator SavedModels.

Only the `serving_default` signatures are used, the same ones TensorFlow
Serving runs; gradients flow through them with tf.GradientTape.
"""

import dataclasses
import os
from typing import Callable, Optional

import tensorflow as tf

from inpainting.errors import InputError


@dataclasses.dataclass
class ExportedGan:
  generate: Callable  # z [N, z_dim] -> images [N, S, S, C]
  discriminate: Callable  # images -> logits [N, 1]
  z_dim: int
  image_size: int
  channels: int
  version: int


def latest_version(model_base: str) -> int:
  versions = [int(n) for n in os.listdir(model_base)
              if n.isdigit()] if os.path.isdir(model_base) else []
  if not versions:
    raise InputError(f"--model_dir: {model_base} holds no exported version")
  return max(versions)


def _load_signature(path: str):
  if not os.path.isfile(os.path.join(path, "saved_model.pb")):
    raise InputError(f"--model_dir: {path} is not a SavedModel")
  loaded = tf.saved_model.load(path)
  return loaded, loaded.signatures["serving_default"]


def load_exported_gan(model_dir: str,
                      version: Optional[int] = None) -> ExportedGan:
  """Loads `model_dir/{generator,discriminator}/<version or latest>`."""
  if not os.path.isdir(model_dir):
    raise InputError(f"--model_dir={model_dir}: no such directory")
  generator_base = os.path.join(model_dir, "generator")
  version = version or latest_version(generator_base)
  g_module, g_sig = _load_signature(os.path.join(generator_base, str(version)))
  d_module, d_sig = _load_signature(
      os.path.join(model_dir, "discriminator", str(version)))
  z_dim = g_sig.structured_input_signature[1]["z"].shape[1]
  image_shape = d_sig.structured_input_signature[1]["images"].shape

  def generate(z):
    return g_sig(z=z)["images"]

  def discriminate(images):
    return d_sig(images=images)["logits"]

  gan = ExportedGan(generate, discriminate, int(z_dim), int(image_shape[1]),
                    int(image_shape[3]), version)
  # The signatures hold their modules' variables only weakly.
  gan._modules = (g_module, d_module)  # pylint: disable=protected-access
  return gan
