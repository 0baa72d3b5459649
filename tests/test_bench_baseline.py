"""bench/train_throughput.py: its keras.io baseline; bench/flops.py: FLOPs."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from bench import keras_io_gan
from bench.flops import graph_flops
from models.config import ModelConfig
from models.networks import build_networks

TINY = ModelConfig(image_size=16, channels=3, z_dim=8, gf=4, df=4)


@pytest.mark.parametrize(
  "config", [TINY, dataclasses.replace(TINY, image_size=32, channels=1)]
)
def test_keras_io_networks_compute_what_ours_compute(config):
  ours = build_networks(config)
  stock = keras_io_gan.keras_io_networks(config)
  z = tf.random.uniform((3, config.z_dim), -1.0, 1.0, seed=4)
  keras_io_gan.check_same_function(ours[0], stock[0], z)
  keras_io_gan.check_same_function(ours[1], stock[1], ours[0](z))


def test_check_same_function_catches_a_different_network():
  ours = build_networks(TINY)
  z = tf.random.uniform((3, TINY.z_dim), -1.0, 1.0, seed=4)
  wider = keras_io_gan.keras_io_networks(dataclasses.replace(TINY, gf=8))
  with pytest.raises(AssertionError):  # other shapes
    keras_io_gan.check_same_function(ours[0], wider[0], z)
  # Same shapes, another batch-norm epsilon or momentum: only the values
  # (or the moving statistics) differ.
  for setting, value in (("epsilon", 0.5), ("momentum", 0.5)):
    generator = keras_io_gan.keras_io_networks(TINY)[0]
    for layer in generator.layers:
      if isinstance(layer, keras.layers.BatchNormalization):
        setattr(layer, setting, value)
    with pytest.raises(AssertionError, match="keras_io_generator"):
      keras_io_gan.check_same_function(ours[0], generator, z)


def test_graph_flops_counts_only_what_runs():
  weights = tf.Variable(tf.ones((5, 7)))

  @tf.function
  def step(x):
    with tf.GradientTape() as tape:
      y = tf.matmul(x, weights)  # 2 * 3*5*7 FLOPs
      unused = tf.matmul(y, tf.ones((7, 11)))  # dead: never returned
      del unused
      loss = tf.reduce_sum(y)
    # Gradient w.r.t. the weights only: x^T @ dy (2 * 5*3*7); the gradient
    # w.r.t. x that TensorFlow also builds is never used.
    weights.assign_sub(tape.gradient(loss, weights))
    return loss

  traced = step.get_concrete_function(tf.TensorSpec((3, 5), tf.float32))
  assert graph_flops(traced) == 2 * (3 * 5 * 7) * 2
  assert np.isfinite(float(step(tf.ones((3, 5)))))
