"""The DCGAN training step: losses and one compiled update of both networks."""

from typing import Dict

import keras
import tensorflow as tf


def discriminator_loss(real_logits, fake_logits):
  """-log D(x) - log(1 - D(G(z))), averaged over the batch."""
  real = tf.nn.sigmoid_cross_entropy_with_logits(
      labels=tf.ones_like(real_logits), logits=real_logits)
  fake = tf.nn.sigmoid_cross_entropy_with_logits(
      labels=tf.zeros_like(fake_logits), logits=fake_logits)
  return tf.reduce_mean(real) + tf.reduce_mean(fake)


def generator_loss(fake_logits):
  """Non-saturating loss -log D(G(z)) (Goodfellow et al. 2014, section 3).

  Gives strong gradients early, when D rejects G's samples with confidence
  and log(1 - D(G(z))) would saturate.
  """
  return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
      labels=tf.ones_like(fake_logits), logits=fake_logits))


def make_optimizer(learning_rate: float, beta1: float, variables):
  """Adam, built on `variables` so a checkpoint restores its slots at once."""
  optimizer = keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta1)
  optimizer.build(variables)
  return optimizer


class GanStep:
  """One simultaneous update of D and G, compiled with tf.function.

  Calling it on a batch of real images returns a dict of scalar metrics:
  both losses, mean D(x) and D(G(z)), and the global norms of each network's
  gradients and weights (the early warning of a diverging GAN).

  Args:
    generator, discriminator: Built Keras models.
    g_optimizer, d_optimizer: Each network's own optimizer.
    rng: tf.random.Generator that draws z ~ U(-1, 1); checkpointed with the
      models so a resumed run continues the same stream.
    step: int64 tf.Variable counting completed steps.
  """

  def __init__(self, generator, discriminator, g_optimizer, d_optimizer, rng,
               step):
    self.generator = generator
    self.discriminator = discriminator
    self.g_optimizer = g_optimizer
    self.d_optimizer = d_optimizer
    self.rng = rng
    self.step = step
    self.z_dim = generator.z_dim
    self._compiled = tf.function(self._train_step)

  def __call__(self, real_images) -> Dict[str, tf.Tensor]:
    return self._compiled(real_images)

  def _train_step(self, real_images):
    batch_size = tf.shape(real_images)[0]
    z = self.rng.uniform((batch_size, self.z_dim), -1.0, 1.0)
    g_vars = self.generator.trainable_variables
    d_vars = self.discriminator.trainable_variables
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
      fake_images = self.generator(z, training=True)
      real_logits = self.discriminator(real_images, training=True)
      fake_logits = self.discriminator(fake_images, training=True)
      d_loss = discriminator_loss(real_logits, fake_logits)
      g_loss = generator_loss(fake_logits)
    g_grads = g_tape.gradient(g_loss, g_vars)
    d_grads = d_tape.gradient(d_loss, d_vars)
    self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
    self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
    self.step.assign_add(1)
    return {
        "d_loss": d_loss,
        "g_loss": g_loss,
        "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
        "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits)),
        "g_grad_norm": tf.linalg.global_norm(g_grads),
        "d_grad_norm": tf.linalg.global_norm(d_grads),
        "g_weight_norm": tf.linalg.global_norm([tf.convert_to_tensor(v)
                                                for v in g_vars]),
        "d_weight_norm": tf.linalg.global_norm([tf.convert_to_tensor(v)
                                                for v in d_vars]),
    }
