"""What a run checkpoints: `TrainState`, its manager and its restore.

One tf.train.Checkpoint tracks the networks, their optimizers, the step
counters and the z generator; `training/checkpoints.py` finds the newest
checkpoint that restores and saves without leftovers.
"""

from typing import Optional

import tensorflow as tf
from absl import logging

from models.checkpoint_parts import saved_parts
from models.networks import build_encoder, build_generator, build_networks
from training import checkpoints, ema, encoder_masks, precision
from training.config import TrainConfig
from training.encoder_step import EncoderStep, cosine_step_size
from training.gan_step import GanStep, make_optimizer


class TrainState:
  """The networks, their optimizers, the step counters and the z generator.

  Everything a resumed run needs, tracked by one tf.train.Checkpoint. Build
  it inside the strategy's scope.

  Attributes:
    generator, discriminator: The GAN's networks.
    ema_generator: The generator's moving average (training/ema.py).
    encoder: The mask-aware encoder, trained after the GAN (None when
      config.encoder_steps is 0).
    step: GAN steps done. encoder_step: encoder steps done, over all
      phases.
    encoder_generator_step: The GAN step of the generator the encoder was
      last trained against (-1: never trained); export checks it.
    encoder_phase_start: encoder_step when the encoder began training
      against that generator: a run trained further after its encoder
      phase fine-tunes the encoder for encoder_steps more steps.
  """

  # Parts that checkpoints written before they existed lack; such a
  # checkpoint still restores (see restore_into).
  OPTIONAL_PARTS = (
    "ema_generator",
    "encoder",
    "e_optimizer",
    "encoder_step",
    "encoder_generator_step",
    "encoder_phase_start",
  )

  def __init__(
    self,
    config: TrainConfig,
    policy: str = "float32",
    sync_batch_norm: bool = False,
  ):
    self.generator, self.discriminator = build_networks(
      config.model, sync_batch_norm=sync_batch_norm, dtype_policy=policy
    )
    self.ema_generator = build_generator(
      config.model, "ema_generator", dtype_policy=policy
    )
    ema.copy_weights(self.generator, self.ema_generator)
    self.g_optimizer = make_optimizer(
      config.learning_rate,
      config.beta1,
      self.generator.trainable_variables,
      policy,
    )
    self.d_optimizer = make_optimizer(
      config.discriminator_learning_rate,
      config.beta1,
      self.discriminator.trainable_variables,
      policy,
    )
    # Only runs that train one hold an encoder (a run resumed with
    # encoder_steps raised starts it afresh: it is an optional part).
    self.encoder = self.e_optimizer = None
    if config.encoder_steps:
      self.encoder = build_encoder(config.model, dtype_policy=policy)
      # Adam's usual beta1 (0.9): the encoder is no adversarial game.
      self.e_optimizer = make_optimizer(
        config.encoder_learning_rate,
        0.9,
        self.encoder.trainable_variables,
        policy,
      )
    self.step = self._counter("step", 0)
    self.encoder_step = self._counter("encoder_step", 0)
    self.encoder_generator_step = self._counter("encoder_generator_step", -1)
    self.encoder_phase_start = self._counter("encoder_phase_start", 0)
    self.z_rng = tf.random.Generator.from_seed(config.seed)
    self.ema_decay = config.ema_decay
    self.config = config
    self.parts = dict(
      generator=self.generator,
      discriminator=self.discriminator,
      g_optimizer=precision.inner_optimizer(self.g_optimizer),
      d_optimizer=precision.inner_optimizer(self.d_optimizer),
      step=self.step,
      z_rng=self.z_rng,
      ema_generator=self.ema_generator,
      encoder_step=self.encoder_step,
      encoder_generator_step=self.encoder_generator_step,
      encoder_phase_start=self.encoder_phase_start,
    )
    optimizers = {"g": self.g_optimizer, "d": self.d_optimizer}
    if self.encoder is not None:
      self.parts.update(
        encoder=self.encoder,
        e_optimizer=precision.inner_optimizer(self.e_optimizer),
      )
      optimizers["e"] = self.e_optimizer
    self.has_loss_scale = precision.uses_loss_scaling(policy)
    if self.has_loss_scale:
      self.parts["loss_scale"] = tf.train.Checkpoint(
        **{
          name: tf.train.Checkpoint(**precision.loss_scale_variables(opt))
          for name, opt in optimizers.items()
        }
      )
    self.checkpoint = tf.train.Checkpoint(**self.parts)

  @staticmethod
  def _counter(name, initial):
    return tf.Variable(
      initial,
      dtype=tf.int64,
      trainable=False,
      name=name,
      aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
    )

  @property
  def encoder_phase_steps(self) -> int:
    """Encoder steps done against the generator of the current step; 0
    when the encoder was trained against an earlier one (or never)."""
    if int(self.encoder_generator_step.numpy()) != int(self.step.numpy()):
      return 0
    return int(self.encoder_step.numpy()) - int(
      self.encoder_phase_start.numpy()
    )

  @property
  def progress(self) -> int:
    """GAN and encoder steps done: the checkpoint number, which only grows."""
    return int(self.step.numpy()) + int(self.encoder_step.numpy())

  def describe_progress(self) -> str:
    """ "step N" or "step N, encoder step M": checkpoint numbers add them."""
    encoder_step = int(self.encoder_step.numpy())
    return f"step {int(self.step.numpy())}" + (
      f", encoder step {encoder_step}" if encoder_step else ""
    )

  def make_step(self, strategy=None) -> GanStep:
    """The compiled training step on these networks and optimizers."""
    return self.bare_step(
      strategy=strategy,
      ema_generator=self.ema_generator,
      ema_decay=self.ema_decay,
      augment_policies=self.config.augment_policies,
      seed=self.config.seed,
      r1_weight=self.config.r1_weight,
    )

  def bare_step(self, **options) -> GanStep:
    """The step on these networks and optimizers with GanStep's `options`;
    none: no EMA and no recipe (benches and tests measure the rest against
    it)."""
    return GanStep(
      self.generator,
      self.discriminator,
      self.g_optimizer,
      self.d_optimizer,
      self.z_rng,
      self.step,
      **options,
    )

  def make_encoder_step(self, strategy=None) -> EncoderStep:
    """The compiled encoder step, against the EMA generator."""
    return EncoderStep(
      self.encoder,
      self.ema_generator,
      self.e_optimizer,
      self.z_rng,
      self.encoder_step,
      encoder_masks.mask_bank(self.generator.image_size),
      strategy=strategy,
      step_size=self._encoder_step_size(),
      latent_weight=self.config.encoder_latent_weight,
    )

  def _encoder_step_size(self):
    """config.encoder_schedule as a () -> step size; None for 'constant'."""
    config = self.config
    if config.encoder_schedule == "constant":
      return None
    return lambda: cosine_step_size(
      config.encoder_learning_rate,
      self.encoder_step - self.encoder_phase_start,
      config.encoder_steps,
    )


def checkpoint_manager(state: TrainState, directory: str, max_to_keep: int = 3):
  return tf.train.CheckpointManager(
    state.checkpoint, directory, max_to_keep=max_to_keep, checkpoint_name="ckpt"
  )


def restore_into(state: TrainState, path: str) -> int:
  """Restores one checkpoint prefix into `state`; returns its step.

  A checkpoint saved without loss scaling restores into a loss-scaled state
  (the scale starts afresh) and the other way round.
  """
  saved = saved_parts(path)
  # Optional parts (loss scale; the EMA generator and the encoder, which
  # older checkpoints lack) restore only if saved; the rest must match.
  optional = set(TrainState.OPTIONAL_PARTS) | {"loss_scale"}
  parts = {
    name: part
    for name, part in state.parts.items()
    if name not in optional or name in saved
  }
  status = tf.train.Checkpoint(**parts).restore(path)
  status.assert_existing_objects_matched().expect_partial()
  if "ema_generator" not in saved:
    # A run from before the average: it starts from the weights.
    ema.copy_weights(state.generator, state.ema_generator)
  return state.progress


def restore_state(
  state: TrainState, directory: str
) -> Optional[checkpoints.Restored]:
  """Restores the newest checkpoint in `directory` that loads, if any
  (`checkpoints.restore_newest`), and logs what it resumed.

  Raises:
    WorkdirError: checkpoints exist but none restores, or one holds another
      model.
  """
  restored = checkpoints.restore_newest(
    lambda path: restore_into(state, path), directory
  )
  if restored:
    logging.info(
      "Resumed from %s (%s)", restored.path, state.describe_progress()
    )
  return restored
