"""Generator and discriminator: shapes, ranges, config round-trip, save/load."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from models.config import CELEBA64, MNIST32, ConfigError, ModelConfig
from models.discriminator import Discriminator
from models.generator import Generator
from models.networks import build_networks

TINY = ModelConfig(image_size=16, channels=3, z_dim=8, gf=4, df=4)


@pytest.mark.parametrize(
  "config",
  [
    TINY,
    dataclasses.replace(TINY, channels=1),
    dataclasses.replace(TINY, image_size=32),
  ],
)
def test_output_shapes_and_ranges(config):
  generator, discriminator = build_networks(config)
  z = tf.random.uniform((5, config.z_dim), -1, 1, seed=1)
  images = generator(z, training=True)
  size = config.image_size
  assert images.shape == (5, size, size, config.channels)
  assert images.dtype == tf.float32
  assert np.all(np.abs(images.numpy()) <= 1.0)
  logits = discriminator(images, training=True)
  assert logits.shape == (5, 1)
  assert logits.dtype == tf.float32


def test_celeba64_is_the_papers_network():
  generator, discriminator = build_networks(CELEBA64)
  # Radford et al. Figure 1: 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128.
  assert generator.project.units == 4 * 4 * 1024
  assert [deconv.filters for deconv, _ in generator.blocks()] == [512, 256, 128]
  assert generator.to_image.filters == 3
  assert generator(tf.zeros((1, 100))).shape == (1, 64, 64, 3)
  assert discriminator(tf.zeros((1, 64, 64, 3))).shape == (1, 1)


@pytest.mark.parametrize(
  "config,feature_shape", [(TINY, [8, 8, 16]), (CELEBA64, [32, 32, 128])]
)
def test_generator_is_its_features_then_its_output_layer(config, feature_shape):
  generator, _ = build_networks(config)
  z = tf.random.uniform((2, config.z_dim), -1, 1, seed=4)
  features = generator.features(z)
  # The map before the output layer: half the image size, the last hidden
  # width, after a ReLU.
  assert generator.feature_shape() == feature_shape
  assert features.shape == (2, *feature_shape)
  assert float(tf.reduce_min(features)) >= 0
  np.testing.assert_allclose(
    generator.from_features(features), generator(z), atol=1e-6
  )


def test_tuned_output_layer_is_each_images_own_layer():
  generator, _ = build_networks(TINY)
  features = generator.features(tf.random.uniform((3, TINY.z_dim), -1, 1))
  rng = np.random.default_rng(1)
  kernel = tf.constant(
    rng.normal(0, 0.05, [3] + generator.output_kernel_shape()), tf.float32
  )
  bias = tf.constant(rng.normal(0, 0.1, [3, TINY.channels]), tf.float32)
  tuned = generator.from_features_tuned(features, kernel, bias)
  layer = generator.to_image
  trained = [w.numpy() for w in (layer.kernel, layer.bias)]
  for i in range(3):
    # The output layer with image i's weights, on image i alone.
    layer.kernel.assign(trained[0] + kernel[i])
    layer.bias.assign(trained[1] + bias[i])
    np.testing.assert_allclose(
      tuned[i : i + 1], generator.from_features(features[i : i + 1]), atol=1e-5
    )
  layer.kernel.assign(trained[0])
  layer.bias.assign(trained[1])
  zero = generator.from_features_tuned(
    features, tf.zeros_like(kernel), tf.zeros_like(bias)
  )
  np.testing.assert_allclose(zero, generator.from_features(features), atol=1e-6)


def test_mnist32_builds():
  generator, discriminator = build_networks(MNIST32)
  assert generator(tf.zeros((2, 100))).shape == (2, 32, 32, 1)
  assert discriminator(tf.zeros((2, 32, 32, 1))).shape == (2, 1)


def test_batch_norm_only_after_first_discriminator_conv():
  _, discriminator = build_networks(TINY)
  assert discriminator.num_convs == 2
  assert not hasattr(discriminator, "conv0_bn")
  assert discriminator.conv1_bn.name == "conv1_bn"


def test_checkpoint_holds_every_model_variable(tmp_path):
  generator, discriminator = build_networks(TINY)
  z = tf.random.uniform((4, TINY.z_dim), -1, 1, seed=0)
  discriminator(generator(z, training=True), training=True)  # move BN stats
  path = tf.train.Checkpoint(
    generator=generator, discriminator=discriminator
  ).save(str(tmp_path / "ckpt"))
  fresh_g, fresh_d = build_networks(TINY)
  tf.train.Checkpoint(generator=fresh_g, discriminator=fresh_d).restore(
    path
  ).assert_consumed()
  for model, fresh in ((generator, fresh_g), (discriminator, fresh_d)):
    assert len(model.weights) == len(fresh.weights)
    for saved, restored in zip(model.weights, fresh.weights):
      np.testing.assert_array_equal(saved.numpy(), restored.numpy())


def test_get_config_round_trip():
  generator = Generator(image_size=32, channels=1, z_dim=16, gf=8)
  clone = Generator.from_config(generator.get_config())
  assert (clone.image_size, clone.channels, clone.z_dim, clone.gf) == (
    32,
    1,
    16,
    8,
  )
  discriminator = Discriminator(image_size=32, channels=3, df=8)
  clone = Discriminator.from_config(discriminator.get_config())
  assert (clone.image_size, clone.channels, clone.df) == (32, 3, 8)


def test_model_config_dict_round_trip():
  assert ModelConfig.from_dict(CELEBA64.to_dict()) == CELEBA64


@pytest.mark.parametrize(
  "bad",
  [
    dict(image_size=24),
    dict(image_size=8),
    dict(image_size=256),
    dict(channels=2),
    dict(z_dim=0),
  ],
)
def test_invalid_config_is_rejected(bad):
  with pytest.raises(ConfigError):
    dataclasses.replace(TINY, **bad)


def test_outputs_stay_float32_under_mixed_precision():
  keras.mixed_precision.set_global_policy("mixed_float16")
  try:
    generator, discriminator = build_networks(TINY)
    images = generator(tf.zeros((2, TINY.z_dim)))
    assert generator.project.compute_dtype == "float16"
    assert images.dtype == tf.float32
    assert discriminator(images).dtype == tf.float32
  finally:
    keras.mixed_precision.set_global_policy("float32")


def test_save_and_reload_give_equal_outputs(tmp_path):
  generator, discriminator = build_networks(TINY)
  z = tf.random.uniform((3, TINY.z_dim), -1, 1, seed=2)
  images = generator(z)
  for model, inputs in ((generator, z), (discriminator, images)):
    path = str(tmp_path / f"{model.name}.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(
      reloaded(inputs).numpy(), model(inputs).numpy(), rtol=1e-6, atol=1e-6
    )
