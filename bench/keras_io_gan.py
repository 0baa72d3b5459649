"""The baseline of bench/train_throughput.py: what a user would otherwise run.

The keras.io "DCGAN to generate face images" recipe (a keras.Model with its
own train_step, run by fit()) on the DCGAN architecture of a ModelConfig,
written as keras.io writes networks: keras.Sequential models of stock Keras
layers. `check_same_function` checks that they compute what our networks
compute.
"""

import keras
import numpy as np
import tensorflow as tf

from models.config import ModelConfig
from models.layers import WEIGHT_STDDEV


def _batch_norm():
  return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)


def keras_io_networks(model: ModelConfig):
  """(generator, discriminator) as keras.Sequential of stock layers, with
  the same layers, shapes, initializers and batch-norm settings as
  models.Generator and models.Discriminator."""
  init = keras.initializers.RandomNormal(stddev=WEIGHT_STDDEV)
  top = 8 * model.gf
  generator = [
    keras.Input((model.z_dim,)),
    keras.layers.Dense(4 * 4 * top, use_bias=False, kernel_initializer=init),
    keras.layers.Reshape((4, 4, top)),
    _batch_norm(),
    keras.layers.ReLU(),
  ]
  width = top
  for _ in range(model.num_upsamplings - 1):
    width = max(width // 2, model.gf)
    generator += [
      keras.layers.Conv2DTranspose(
        width,
        5,
        strides=2,
        padding="same",
        use_bias=False,
        kernel_initializer=init,
      ),
      _batch_norm(),
      keras.layers.ReLU(),
    ]
  generator.append(
    keras.layers.Conv2DTranspose(
      model.channels,
      5,
      strides=2,
      padding="same",
      activation="tanh",
      kernel_initializer=init,
    )
  )

  size = model.image_size
  discriminator = [keras.Input((size, size, model.channels))]
  for i in range(model.num_upsamplings):
    discriminator.append(
      keras.layers.Conv2D(
        model.df * 2**i,
        5,
        strides=2,
        padding="same",
        use_bias=(i == 0),
        kernel_initializer=init,
      )
    )
    if i > 0:
      discriminator.append(_batch_norm())
    discriminator.append(keras.layers.LeakyReLU(negative_slope=0.2))
  discriminator += [
    keras.layers.Flatten(),
    keras.layers.Dense(1, kernel_initializer=init),
  ]
  return (
    keras.Sequential(generator, name="keras_io_generator"),
    keras.Sequential(discriminator, name="keras_io_discriminator"),
  )


def check_same_function(ours, stock, inputs, seed=0):
  """Raises AssertionError unless `stock` computes what `ours` computes.

  Both get the same random weights (batch-norm statistics included, so
  epsilon and the statistics matter) and must agree in inference mode and
  in training mode (batch statistics), and update the moving statistics
  alike. Both get their own weights back.
  """
  saved = ours.get_weights(), stock.get_weights()
  shapes = [w.shape for w in saved[0]]
  assert [w.shape for w in saved[1]] == shapes, (stock.name, shapes)
  rng = np.random.default_rng(seed)
  # Kernels scaled by fan-in keep activations O(1), so that differences in
  # summation order stay at rounding level in deep wide networks.
  weights = [
    rng.normal(
      0.0,
      1.0 / np.sqrt(np.prod(w.shape[:-1])) if len(w.shape) > 1 else 0.3,
      w.shape,
    ).astype(np.float32)
    for w in ours.weights
  ]
  for i, variable in enumerate(ours.weights):
    if "variance" in variable.path:  # moving variances must be positive
      weights[i] = np.abs(weights[i]) + 0.05
  try:
    for network in (ours, stock):
      network.set_weights(weights)
    for training in (False, True):
      np.testing.assert_allclose(
        stock(inputs, training=training),
        ours(inputs, training=training),
        rtol=1e-3,
        atol=1e-4,
        err_msg=f"{stock.name} training={training}",
      )
    # The training-mode call updated the moving statistics (momentum).
    for after_ours, after_stock in zip(ours.get_weights(), stock.get_weights()):
      np.testing.assert_allclose(
        after_stock,
        after_ours,
        rtol=1e-4,
        atol=1e-6,
        err_msg=f"{stock.name} weights",
      )
  finally:
    ours.set_weights(saved[0])
    stock.set_weights(saved[1])


class KerasIoGan(keras.Model):
  """The keras.io DCGAN recipe: alternating D and G updates in train_step.

  As keras.io: label 1 = fake, 0 = real, noise 0.05 * U(0, 1) added to the
  discriminator's labels ("important trick"), misleading all-zero labels for
  the generator. Unlike keras.io, z ~ U(-1, 1) as our generator expects, and
  both networks are called with training=True, so that their batch norm
  (which keras.io's face networks lack) normalizes with batch statistics.
  """

  def __init__(self, generator, discriminator, z_dim):
    super().__init__()
    self.generator = generator
    self.discriminator = discriminator
    self.z_dim = z_dim
    self.seed_generator = keras.random.SeedGenerator(1337)

  def compile(self, d_optimizer, g_optimizer, loss_fn):
    super().compile()
    self.d_optimizer = d_optimizer
    self.g_optimizer = g_optimizer
    self.loss_fn = loss_fn
    self.d_loss_metric = keras.metrics.Mean(name="d_loss")
    self.g_loss_metric = keras.metrics.Mean(name="g_loss")

  @property
  def metrics(self):
    return [self.d_loss_metric, self.g_loss_metric]

  def _z(self, batch_size):
    return keras.random.uniform(
      (batch_size, self.z_dim), -1.0, 1.0, seed=self.seed_generator
    )

  def train_step(self, real_images):
    batch_size = tf.shape(real_images)[0]
    generated = self.generator(self._z(batch_size), training=True)
    combined = tf.concat([generated, real_images], axis=0)
    labels = tf.concat(
      [tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0
    )
    labels += 0.05 * tf.random.uniform(tf.shape(labels))
    d_vars = self.discriminator.trainable_weights
    with tf.GradientTape() as tape:
      d_loss = self.loss_fn(labels, self.discriminator(combined, training=True))
    self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))

    misleading_labels = tf.zeros((batch_size, 1))
    g_vars = self.generator.trainable_weights
    with tf.GradientTape() as tape:
      fake = self.generator(self._z(batch_size), training=True)
      g_loss = self.loss_fn(
        misleading_labels, self.discriminator(fake, training=True)
      )
    self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
    self.d_loss_metric.update_state(d_loss)
    self.g_loss_metric.update_state(g_loss)
    return {
      "d_loss": self.d_loss_metric.result(),
      "g_loss": self.g_loss_metric.result(),
    }
