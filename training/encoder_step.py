"""The encoder's training step: invert the (EMA) generator from partial images.

Each step encodes two half batches under masks drawn from the mask bank
(training/encoder_masks.py):
  - G(z) for fresh z ~ U(-1, 1): z is known, so E(G(z) * m, m) is pulled
    towards z (latent loss, lightly: encoder_latent_weight) as well as
    G(E(.)) towards G(z) (pixel loss);
  - real training images: only the pixels are known, so only the pixel
    loss, on the whole image and again on the hole: the encoder learns to
    guess what the hole holds, which is what completion asks of it.
The generator is frozen (inference mode); the gradient reaches the encoder
through it.
"""

import math
from typing import Callable, Dict, Optional

import tensorflow as tf

from training import precision


def pixel_loss(reconstructed, images, masks):
  """Squared error per image, over all pixels plus again over the hole.

  Squared, not absolute: the encoder's guess for a hole is then the mean
  of what could be there, which is what PSNR rewards. The hole counts twice
  because it is what completion asks of the encoder; the search refines the
  known pixels anyway. Both choices gave the encoder's start the best hole
  PSNR on the demo's GAN: docs/benchmarks.md, "Encoder pixel loss".

  Args:
    reconstructed, images: [B, H, W, C]. masks: [B, H, W, 1], 1 = known.

  Returns:
    [B].
  """
  error = tf.square(reconstructed - images)
  return tf.reduce_mean(error, axis=[1, 2, 3]) + tf.reduce_mean(
    error * (1.0 - masks), axis=[1, 2, 3]
  )


def cosine_step_size(base, phase_step, phase_steps):
  """`base` decayed to 0 along half a cosine over `phase_steps` steps.

  Args:
    base: The step size at the phase's start.
    phase_step: Steps done in this phase (a tensor); past `phase_steps` the
      step size stays 0.
    phase_steps: The phase's length (> 0).
  """
  done = tf.minimum(tf.cast(phase_step, tf.float32) / float(phase_steps), 1.0)
  return base * 0.5 * (1.0 + tf.cos(math.pi * done))


def latent_loss(z_hat, z):
  """Mean squared error per z: [B, z_dim] x2 -> [B]."""
  return tf.reduce_mean(tf.square(z_hat - z), axis=1)


class EncoderStep:
  """One compiled update of the encoder; returns a dict of scalar metrics.

  Args:
    encoder: The built Encoder.
    generator: The generator it inverts (the EMA one), not trained here.
    optimizer: The encoder's optimizer (loss-scaled under mixed_float16).
    rng: The checkpointed tf.random.Generator (z and mask draws).
    step: int64 tf.Variable counting completed encoder steps.
    masks: float32 [N, S, S, 1], the mask bank.
    strategy: The tf.distribute strategy whose scope holds the variables.
    step_size: Optional () -> the step size of the coming update (a
      schedule of checkpointed counters, so a resumed run goes on where it
      stopped); None keeps the optimizer's own.
    latent_weight: Weight of the latent loss (mean squared error over z's
      dimensions, about 1/3 for a random guess) against the pixel loss
      (squared error in [-1, 1], about 0.5 at first);
      TrainConfig.encoder_latent_weight.
  """

  def __init__(
    self,
    encoder,
    generator,
    optimizer,
    rng,
    step,
    masks,
    *,
    strategy=None,
    step_size: Optional[Callable[[], tf.Tensor]] = None,
    latent_weight: float,
  ):
    self.encoder = encoder
    self.generator = generator
    self.optimizer = optimizer
    self.rng = rng
    self.step = step
    # A captured tensor, not a graph constant: the bank can be megabytes.
    self.masks = tf.convert_to_tensor(masks, tf.float32)
    self.strategy = strategy or tf.distribute.get_strategy()
    self.loss_scaled = precision.is_loss_scaled(optimizer)
    self.step_size = step_size
    self.latent_weight = latent_weight
    self._compiled = tf.function(self._distributed_step)

  def __call__(self, real_images) -> Dict[str, tf.Tensor]:
    return self._compiled(real_images)

  def _distributed_step(self, real_images):
    learning_rate = precision.inner_optimizer(self.optimizer).learning_rate
    if self.step_size is not None:
      # In the cross-replica context, where the mirrored variable may be
      # assigned.
      learning_rate.assign(self.step_size())
    per_replica = self.strategy.run(self._replica_step, args=(real_images,))
    self.step.assign_add(1)
    metrics = {
      name: self.strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None)
      for name, value in per_replica.items()
    }
    metrics["e_learning_rate"] = tf.identity(learning_rate)
    return metrics

  def _draw_masks(self, count):
    """`count` masks from the bank, each flipped at random (4x the shapes)."""
    index = self.rng.uniform(
      [count], 0, tf.shape(self.masks)[0], dtype=tf.int32
    )
    masks = tf.gather(self.masks, index)
    flips = self.rng.uniform([count, 2], 0, 2, dtype=tf.int32)
    masks = tf.where(
      flips[:, 0, None, None, None] > 0, tf.reverse(masks, [2]), masks
    )
    return tf.where(
      flips[:, 1, None, None, None] > 0, tf.reverse(masks, [1]), masks
    )

  def _replica_step(self, real_images):
    real_images = tf.cast(real_images, tf.float32)
    batch = tf.shape(real_images)[0]
    z = self.rng.uniform((batch, self.generator.z_dim), -1.0, 1.0)
    images = tf.concat([self.generator(z, training=False), real_images], 0)
    masks = self._draw_masks(2 * batch)
    variables = self.encoder.trainable_variables
    with tf.GradientTape() as tape:
      z_hat = self.encoder((images, masks))
      reconstructed = self.generator(z_hat, training=False)
      pixels = pixel_loss(reconstructed, images, masks)
      latent = latent_loss(z_hat[:batch], z)
      # Averages over the global batch: the replicas' sum is the mean.
      pixel_mean = tf.nn.compute_average_loss(pixels)
      latent_mean = tf.nn.compute_average_loss(latent)
      loss = pixel_mean + self.latent_weight * latent_mean
      scaled = self.optimizer.scale_loss(loss) if self.loss_scaled else loss
    grads = tape.gradient(scaled, variables)
    self.optimizer.apply_gradients(zip(grads, variables))
    # compute_average_loss divides by the global batch of its input:
    # halves of `pixels` are averaged over half the examples.
    replicas = tf.cast(self.strategy.num_replicas_in_sync, tf.float32)
    global_half = tf.cast(batch, tf.float32) * replicas
    return {
      "e_loss": loss,
      "e_latent_loss": latent_mean,
      "e_pixel_loss": pixel_mean,
      "e_pixel_loss_generated": tf.reduce_sum(pixels[:batch]) / global_half,
      "e_pixel_loss_real": tf.reduce_sum(pixels[batch:]) / global_half,
    }
