"""The two phases of a training run, as the loop in train.py runs them.

A phase is its compiled step plus what the loop does around it: its log
line and summaries, what it counts every step, and its periodic work (the
GAN's sample grids and Fréchet distances).
"""

import collections
import dataclasses
from typing import Callable, Dict, Sequence

import tensorflow as tf
from absl import logging

from training import summaries
from training.config import TrainConfig
from training.progress import is_due


@dataclasses.dataclass
class Phase:
  """One phase of the loop: what a step does and what to do after it.

  Attributes:
    step: Runs one compiled step on a batch; returns its metrics.
    position: The phase's steps done, read after a step.
    total: The phase's last step.
    losses: Metrics that must stay finite.
    images_per_step: For the images/s of the log line.
    where: How a non-finite loss names the step: (step) -> text.
    tally: Takes what is counted every step out of the metrics.
    log: Writes the log line and summaries: (step, metrics, rate, eta).
    periodic: Work other than logs and checkpoints, after each step.
  """

  step: Callable[[tf.Tensor], Dict[str, tf.Tensor]]
  position: Callable[[], int]
  total: int
  losses: Sequence[str]
  images_per_step: int
  where: Callable[[int], str]
  tally: Callable[[Dict[str, float]], None]
  log: Callable[[int, Dict[str, float], float, str], None]
  periodic: Callable[[int], None]


def fixed_z(config: TrainConfig):
  """The same z for every sample grid of a run, resumed or not."""
  return tf.random.stateless_uniform(
    (config.num_samples, config.model.z_dim),
    seed=(config.seed, 1),
    minval=-1.0,
    maxval=1.0,
  )


def gan_phase(trainer, scorer) -> Phase:
  """The GAN's steps: log lines, sample grids, Fréchet distances.

  Args:
    trainer: The training.train.Trainer (config, state, strategy, workdir).
    scorer: A frechet.FrechetScorer, or None.
  """
  config, state = trainer.config, trainer.state
  skipped = collections.Counter()
  sample_z = fixed_z(config)

  def count_skipped(metrics):
    # Loss scaling skips the steps whose gradients overflowed.
    for network in ("d", "g"):
      skipped[network] += metrics.pop(f"{network}_step_skipped", 0.0)

  def log(step, metrics, images_per_sec, eta):
    logging.info(
      "step %d/%d  d_loss %.3f  g_loss %.3f  D(x) %.2f  D(G(z)) %.2f"
      "  %.0f img/s  ETA %s",
      step,
      config.max_steps,
      metrics["d_loss"],
      metrics["g_loss"],
      metrics["d_real"],
      metrics["d_fake"],
      images_per_sec,
      eta,
    )
    if state.has_loss_scale:
      metrics.update(d_skipped_steps=skipped["d"], g_skipped_steps=skipped["g"])
    summaries.write_scalars(step, metrics, images_per_sec)

  def periodic(step):
    if trainer.is_chief and is_due(step, config.sample_every, config.max_steps):
      # The moving average: what export serves.
      samples = state.ema_generator(sample_z, training=False)
      path = summaries.write_samples(trainer.workdir, step, samples)
      logging.info("Wrote samples %s", path)
    if scorer and is_due(step, config.frechet_every, config.max_steps):
      _score(trainer, scorer, step)

  return Phase(
    step=state.make_step(trainer.strategy),
    position=lambda: int(state.step.numpy()),
    total=config.max_steps,
    losses=("d_loss", "g_loss"),
    images_per_step=config.batch_size,
    where=str,
    tally=count_skipped,
    log=log,
    periodic=periodic,
  )


def _score(trainer, scorer, step):
  """Fréchet distances of the EMA generator and of the last weights."""
  distances = {
    name: scorer.score_generator(
      lambda z, g=generator: g(z, training=False),
      trainer.config.model.z_dim,
      seed=trainer.config.seed,
    )
    for name, generator in (
      ("ema", trainer.state.ema_generator),
      ("raw", trainer.state.generator),
    )
  }
  summaries.write_frechet(step, distances["ema"], distances["raw"])
  logging.info(
    "step %d  Fréchet distance %.3f (EMA generator), %.3f (last weights)",
    step,
    distances["ema"],
    distances["raw"],
  )


def encoder_phase(trainer) -> Phase:
  """The encoder's steps against the EMA generator; starts a new encoder
  phase when the generator changed since the last one."""
  config, state = trainer.config, trainer.state
  generator_step = int(state.step.numpy())
  trained_against = int(state.encoder_generator_step.numpy())
  if trained_against != generator_step:
    # A new phase: the first, or the GAN was trained further after the
    # last one (a raised --max_steps). The encoder continues from its
    # weights, for encoder_steps steps against this generator; the
    # counter keeps growing, so checkpoint numbers do too.
    logging.info(
      "Training the encoder for %d steps against the EMA generator of "
      "step %d%s",
      config.encoder_steps,
      generator_step,
      f" (it was trained against step {trained_against}'s)"
      if trained_against >= 0
      else "",
    )
    state.encoder_phase_start.assign(state.encoder_step)
    # The generator stays this step's for the whole phase (export checks).
    state.encoder_generator_step.assign(generator_step)
  # Fixed for the phase: read once, not on every step.
  phase_start = int(state.encoder_phase_start.numpy())

  def log(step, metrics, images_per_sec, eta):
    logging.info(
      "encoder step %d/%d  loss %.4f  pixel: real %.4f, G(z) %.4f  "
      "z %.4f  %.0f img/s  ETA %s",
      step,
      config.encoder_steps,
      metrics["e_loss"],
      metrics["e_pixel_loss_real"],
      metrics["e_pixel_loss_generated"],
      metrics["e_latent_loss"],
      images_per_sec,
      eta,
    )
    summaries.write_scalars(state.progress, metrics)

  def where(step):
    return (
      f"{generator_step + phase_start + step} "
      f"(encoder step {phase_start + step})"
    )

  return Phase(
    step=state.make_encoder_step(trainer.strategy),
    # state.encoder_phase_steps, with the phase's start read once.
    position=lambda: int(state.encoder_step.numpy()) - phase_start,
    total=config.encoder_steps,
    losses=("e_loss",),
    # Each step encodes a batch of G(z) and a batch of real images.
    images_per_step=2 * config.batch_size,
    where=where,
    tally=lambda metrics: None,
    log=log,
    periodic=lambda step: None,
  )
