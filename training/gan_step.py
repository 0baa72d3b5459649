"""The DCGAN training step: losses and one compiled update of both networks."""

from typing import Dict

import keras
import tensorflow as tf

from training import augment, ema, precision


def discriminator_loss(real_logits, fake_logits):
  """-log D(x) - log(1 - D(G(z))) per example, shape [batch]."""
  real = tf.nn.sigmoid_cross_entropy_with_logits(
    labels=tf.ones_like(real_logits), logits=real_logits
  )
  fake = tf.nn.sigmoid_cross_entropy_with_logits(
    labels=tf.zeros_like(fake_logits), logits=fake_logits
  )
  return tf.reshape(real + fake, [-1])


def generator_loss(fake_logits):
  """Non-saturating loss -log D(G(z)) per example (Goodfellow et al. 2014).

  Gives strong gradients early, when D rejects G's samples with confidence
  and log(1 - D(G(z))) would saturate.
  """
  return tf.reshape(
    tf.nn.sigmoid_cross_entropy_with_logits(
      labels=tf.ones_like(fake_logits), logits=fake_logits
    ),
    [-1],
  )


def make_optimizer(
  learning_rate: float, beta1: float, variables, policy: str = "float32"
):
  """Adam (loss-scaled under mixed_float16), built on `variables` so that a
  checkpoint restores its slots at once."""
  optimizer = precision.wrap_optimizer(
    keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta1), policy
  )
  optimizer.build(variables)
  return optimizer


class GanStep:
  """One simultaneous update of D and G, compiled with tf.function.

  Runs on every replica of `strategy` (each on its slice of the global batch,
  losses averaged over the global batch so the summed gradients equal the
  single-device ones) and returns a dict of scalar metrics: both losses, mean
  D(x) and D(G(z)), each network's gradient and weight norms (the early
  warning of a diverging GAN), the R1 penalty when it is on and, under loss
  scaling, both loss scales and whether this step was skipped for
  overflowing gradients.

  The small-data recipes (TrainConfig.augment, r1_weight, d_learning_rate
  and ModelConfig.spectral_norm) are all off by default here (TrainConfig
  turns R1 on), and off, the step computes exactly what it did without
  them.

  Args:
    generator, discriminator: Built Keras models.
    g_optimizer, d_optimizer: Each network's own optimizer, possibly a
      keras.optimizers.LossScaleOptimizer.
    rng: tf.random.Generator that draws z ~ U(-1, 1); checkpointed with the
      models so a resumed run continues the same stream. Created in the
      strategy's scope, it gives each replica its own stream.
    step: int64 tf.Variable counting completed steps.
    strategy: The tf.distribute strategy whose scope holds all of the above
      (default: the current one).
    ema_generator, ema_decay: The generator's moving average (training/ema.py)
      and its decay, updated after every step (None: no average).
    augment_policies: DiffAugment's policies (training/augment.py) for
      both networks' inputs to D; empty: none.
    seed: Seeds the augmentations, with the step and the replica.
    r1_weight: gamma of the R1 penalty on real images; 0: none.
  """

  def __init__(
    self,
    generator,
    discriminator,
    g_optimizer,
    d_optimizer,
    rng,
    step,
    *,
    strategy=None,
    ema_generator=None,
    ema_decay=0.0,
    augment_policies=(),
    seed=0,
    r1_weight=0.0,
  ):
    self.generator = generator
    self.discriminator = discriminator
    self.g_optimizer = g_optimizer
    self.d_optimizer = d_optimizer
    self.rng = rng
    self.step = step
    self.strategy = strategy or tf.distribute.get_strategy()
    self.ema_generator = ema_generator
    self.ema_decay = ema_decay
    self.augment_policies = tuple(augment_policies)
    self.seed = seed
    self.r1_weight = r1_weight
    # make_optimizer wraps both or neither (same dtype policy).
    self.loss_scaled = precision.is_loss_scaled(d_optimizer)
    self.z_dim = generator.z_dim
    self._compiled = tf.function(self._distributed_step)

  def __call__(self, real_images) -> Dict[str, tf.Tensor]:
    """`real_images`: a batch, or a per-replica value of a distributed one."""
    return self._compiled(real_images)

  def concrete_function(self, images_spec: tf.TensorSpec):
    """The step traced for batches of `images_spec`: its graph shows what a
    step computes (bench/train_throughput.py counts its FLOPs)."""
    return self._compiled.get_concrete_function(images_spec)

  def _distributed_step(self, real_images):
    # Once per step, before any replica reads u (Miyato et al. Algorithm
    # 1); in cross-replica context, so every replica's copy gets it.
    self.discriminator.power_iteration()
    per_replica = self.strategy.run(self._replica_step, args=(real_images,))
    if self.ema_generator is not None:
      ema.update(self.ema_generator, self.generator, self.ema_decay, self.step)
    self.step.assign_add(1)
    # Losses are already divided by the global batch: their replica sum is
    # the global mean. Every other metric is a per-replica mean.
    summed = ("d_loss", "g_loss", "r1_penalty")
    return {
      name: self.strategy.reduce(
        tf.distribute.ReduceOp.SUM
        if name in summed
        else tf.distribute.ReduceOp.MEAN,
        value,
        axis=None,
      )
      for name, value in per_replica.items()
    }

  def _replica_step(self, real_images):
    batch_size = tf.shape(real_images)[0]
    z = self.rng.uniform((batch_size, self.z_dim), -1.0, 1.0)
    g_vars = self.generator.trainable_variables
    d_vars = self.discriminator.trainable_variables
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
      fake_images = self.generator(z, training=True)
      losses = self.losses(real_images, fake_images, self._augment_seed())
      d_loss, g_loss = losses["d_loss"], losses["g_loss"]
      real_logits, fake_logits = losses["real_logits"], losses["fake_logits"]
      d_scaled, g_scaled = d_loss, g_loss
      if self.loss_scaled:
        d_scaled = self.d_optimizer.scale_loss(d_loss)
        g_scaled = self.g_optimizer.scale_loss(g_loss)
    d_scale = precision.current_loss_scale(self.d_optimizer)
    g_scale = precision.current_loss_scale(self.g_optimizer)
    g_grads = g_tape.gradient(g_scaled, g_vars)
    d_grads = d_tape.gradient(d_scaled, d_vars)
    # The optimizers sum gradients over replicas, then (when loss-scaled)
    # unscale them and skip the update if any replica's overflowed.
    self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
    self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
    replicas = tf.cast(self.strategy.num_replicas_in_sync, tf.float32)
    metrics = {
      "d_loss": d_loss,
      "g_loss": g_loss,
      "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
      "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits)),
      # Norm of this replica's gradient of the global-mean loss, times
      # the replica count: the exact gradient norm on one replica, and on
      # several an estimate from this replica's slice of the batch.
      "g_grad_norm": tf.linalg.global_norm(g_grads) * replicas / g_scale,
      "d_grad_norm": tf.linalg.global_norm(d_grads) * replicas / d_scale,
      "g_weight_norm": tf.linalg.global_norm(
        [tf.convert_to_tensor(v) for v in g_vars]
      ),
      "d_weight_norm": tf.linalg.global_norm(
        [tf.convert_to_tensor(v) for v in d_vars]
      ),
    }
    if self.r1_weight:
      metrics["r1_penalty"] = losses["r1_penalty"]
    if self.loss_scaled:
      # A skipped step halves the scale, so a smaller scale after the update
      # means the update was skipped.
      metrics.update(
        d_loss_scale=d_scale,
        g_loss_scale=g_scale,
        d_step_skipped=tf.cast(
          precision.current_loss_scale(self.d_optimizer) < d_scale, tf.float32
        ),
        g_step_skipped=tf.cast(
          precision.current_loss_scale(self.g_optimizer) < g_scale, tf.float32
        ),
      )
    return metrics

  def _augment_seed(self):
    """This step's and this replica's augmentation seed; None when off."""
    if not self.augment_policies:
      return None
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    return augment.step_seed(self.seed, self.step, replica)

  def losses(self, real_images, fake_images, seed=None):
    """D's and G's losses on one replica's batch, each already divided by
    the global batch, and what they were computed from.

    Args:
      real_images, fake_images: Batches NHWC in [-1, 1].
      seed: The stateless seed of the augmentations (augment.step_seed);
        each call to augment folds in its own number: fresh draws for the
        real and the generated images. Unused without augment_policies.

    Returns:
      {"d_loss", "g_loss", "real_logits", "fake_logits"} and, with R1,
      "r1_penalty": E||grad_x D(x)||^2 over the batch (divided by the
      global batch like the losses), whose r1_weight / 2 is in d_loss.
    """
    if self.augment_policies:
      real_images, fake_images = (
        augment.augment(
          images,
          self.augment_policies,
          tf.random.experimental.stateless_fold_in(seed, call),
        )
        for call, images in enumerate((real_images, fake_images))
      )
    if self.r1_weight:
      # The gradient is taken w.r.t. what D sees (the augmented images), as
      # in DiffAugment's StyleGAN2 loss; inside the callers' tapes, so D's
      # update differentiates the penalty too. Not loss-scaled: a scaled
      # inner gradient can overflow to inf, and a non-finite d_loss stops
      # the run; the outer loss scaling covers the second derivative.
      with tf.GradientTape() as r1_tape:
        r1_tape.watch(real_images)
        real_logits = self.discriminator(real_images, training=True)
        # Each image's logit depends on its own pixels only (but for batch
        # norm's statistics): the gradient of the sum is per image.
        summed = tf.reduce_sum(real_logits)
      slopes = r1_tape.gradient(summed, real_images)
      r1_penalty = tf.nn.compute_average_loss(
        tf.reduce_sum(tf.square(tf.cast(slopes, tf.float32)), axis=[1, 2, 3])
      )
    else:
      real_logits = self.discriminator(real_images, training=True)
    fake_logits = self.discriminator(fake_images, training=True)
    d_loss = tf.nn.compute_average_loss(
      discriminator_loss(real_logits, fake_logits)
    )
    g_loss = tf.nn.compute_average_loss(generator_loss(fake_logits))
    losses = dict(
      d_loss=d_loss,
      g_loss=g_loss,
      real_logits=real_logits,
      fake_logits=fake_logits,
    )
    if self.r1_weight:
      losses["d_loss"] = d_loss + 0.5 * self.r1_weight * r1_penalty
      losses["r1_penalty"] = r1_penalty
    return losses
