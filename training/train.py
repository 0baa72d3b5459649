"""The training loop: `train(config, workdir)` runs or resumes a DCGAN job.

Workdir layout:
  config.json           the resolved TrainConfig
  checkpoints/          tf.train.CheckpointManager: both models, both
                        optimizers, the step and the z generator's state
  events.out.tfevents*  TensorBoard scalars, sample grids and hparams
  samples/step_N.png    sample grids from a fixed z
"""

import dataclasses
import json
import math
import os
import time
from typing import Dict, Optional

from absl import logging
import keras
import tensorflow as tf

from models.networks import build_networks
from training import input_pipeline, summaries
from training import frechet
from training.config import TrainConfig
from training.errors import NonFiniteLossError, WorkdirError
from training.gan_step import GanStep, make_optimizer
from training.stop_signal import StopSignal

CONFIG_FILE = "config.json"
CHECKPOINT_DIR = "checkpoints"


@dataclasses.dataclass
class TrainResult:
  step: int  # completed steps
  metrics: Dict[str, float]  # of the last step run (empty if none ran)
  checkpoint: Optional[str]  # latest checkpoint path
  stopped_by: Optional[str] = None  # "SIGTERM"/"SIGINT" if stopped early


def _write_config(config: TrainConfig, workdir: str):
  """Saves config.json; refuses a workdir holding a different model."""
  path = os.path.join(workdir, CONFIG_FILE)
  if os.path.exists(path):
    with open(path) as f:
      saved = json.load(f)
    if saved.get("model") != config.model.to_dict():
      raise WorkdirError(
          f"{path}: the run in this workdir has model {saved.get('model')}, "
          f"not {config.model.to_dict()}; use a new --workdir")
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    f.write(config.to_json())
  os.replace(tmp, path)


class TrainState:
  """Both networks, their optimizers, the step and the z generator.

  Everything a resumed run needs, tracked by one tf.train.Checkpoint.
  """

  def __init__(self, config: TrainConfig):
    self.generator, self.discriminator = build_networks(config.model)
    self.g_optimizer = make_optimizer(config.learning_rate, config.beta1,
                                      self.generator.trainable_variables)
    self.d_optimizer = make_optimizer(config.learning_rate, config.beta1,
                                      self.discriminator.trainable_variables)
    self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
    self.z_rng = tf.random.Generator.from_seed(config.seed)
    self.checkpoint = tf.train.Checkpoint(
        generator=self.generator, discriminator=self.discriminator,
        g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer,
        step=self.step, z_rng=self.z_rng)


def checkpoint_manager(state: TrainState, workdir: str, max_to_keep: int = 3):
  return tf.train.CheckpointManager(
      state.checkpoint, os.path.join(workdir, CHECKPOINT_DIR),
      max_to_keep=max_to_keep, checkpoint_name="ckpt")


def restore_latest(state: TrainState, manager) -> int:
  """Restores the newest checkpoint if any; returns the step it holds."""
  if manager.latest_checkpoint:
    state.checkpoint.restore(
        manager.latest_checkpoint).assert_existing_objects_matched()
    logging.info("Resumed from %s (step %d)", manager.latest_checkpoint,
                 int(state.step))
  return int(state.step)


def _format_eta(seconds: float) -> str:
  seconds = int(max(seconds, 0))
  return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def fixed_z(config: TrainConfig):
  """The same z for every sample grid of a run, resumed or not."""
  return tf.random.stateless_uniform(
      (config.num_samples, config.model.z_dim), seed=(config.seed, 1),
      minval=-1.0, maxval=1.0)


def train(config: TrainConfig, workdir: str) -> TrainResult:
  """Trains (or resumes training) until config.max_steps or a stop signal.

  Returns:
    A TrainResult. Raises NonFiniteLossError (nothing of that step is
    checkpointed), DataError, or WorkdirError.
  """
  os.makedirs(workdir, exist_ok=True)
  _write_config(config, workdir)
  keras.utils.set_random_seed(config.seed)  # weight initializers
  if config.deterministic:
    tf.config.experimental.enable_op_determinism()

  state = TrainState(config)
  manager = checkpoint_manager(state, workdir, config.keep_checkpoints)
  start_step = restore_latest(state, manager)
  if start_step >= config.max_steps:
    logging.info("Step %d already reached --max_steps=%d; nothing to do",
                 start_step, config.max_steps)
    return TrainResult(start_step, {}, manager.latest_checkpoint)

  source = input_pipeline.image_source(
      config.dataset, config.model, config.tfds_data_dir, seed=config.seed)
  logging.info("Training on %s", source.description)
  batches = input_pipeline.training_batches(
      source, config.batch_size,
      seed=input_pipeline.data_seed(config.seed, start_step),
      shuffle_buffer=config.shuffle_buffer)

  scorer = _frechet_scorer(config)
  gan_step = GanStep(state.generator, state.discriminator, state.g_optimizer,
                     state.d_optimizer, state.z_rng, state.step)
  sample_z = fixed_z(config)
  writer = tf.summary.create_file_writer(workdir)
  with writer.as_default():
    if start_step == 0:
      summaries.write_hparams(config.to_dict())
    result = _loop(config, workdir, state, manager, gan_step, batches,
                   sample_z, start_step, scorer)
  writer.flush()
  return result


def _frechet_scorer(config: TrainConfig):
  """A FrechetScorer for embedded:mnist runs that ask for one, else None."""
  if not config.frechet_every:
    return None
  if config.dataset != "embedded:mnist":
    logging.info("Fréchet distance needs labelled digits (embedded:mnist); "
                 "not computed for %s", config.dataset)
    return None
  images, labels = input_pipeline.embedded_images(config.model)
  scorer = frechet.FrechetScorer(images.numpy(), labels, seed=config.seed)
  logging.info("Fréchet feature classifier: %.1f%% training accuracy",
               100 * scorer.accuracy)
  return scorer


def _loop(config, workdir, state, manager, gan_step, batches, sample_z,
          start_step, scorer):
  step, metrics = start_step, {}
  last_saved = start_step
  window_start, window_steps = time.perf_counter(), 0
  with StopSignal() as stop:
    for images in batches:
      metrics = {k: float(v) for k, v in gan_step(images).items()}
      step = int(state.step)
      window_steps += 1
      if not (math.isfinite(metrics["d_loss"]) and
              math.isfinite(metrics["g_loss"])):
        # The weights of this step are already poisoned: stop without
        # saving them; the last checkpoint stays the one to resume from.
        raise NonFiniteLossError(
            f"non-finite loss at step {step}: d_loss={metrics['d_loss']} "
            f"g_loss={metrics['g_loss']}; last good checkpoint: "
            f"{manager.latest_checkpoint or 'none'}")

      if step % config.log_every == 0 or step == config.max_steps:
        elapsed = time.perf_counter() - window_start
        images_per_sec = window_steps * config.batch_size / max(elapsed, 1e-9)
        eta = (config.max_steps - step) * elapsed / window_steps
        logging.info(
            "step %d/%d  d_loss %.3f  g_loss %.3f  D(x) %.2f  D(G(z)) %.2f  "
            "%.0f img/s  ETA %s", step, config.max_steps, metrics["d_loss"],
            metrics["g_loss"], metrics["d_real"], metrics["d_fake"],
            images_per_sec, _format_eta(eta))
        summaries.write_scalars(step, metrics, images_per_sec)
        window_start, window_steps = time.perf_counter(), 0
      if step % config.sample_every == 0 or step == config.max_steps:
        samples = state.generator(sample_z, training=False)
        path = summaries.write_samples(workdir, step, samples)
        logging.info("Wrote samples %s", path)
      if scorer and (step % config.frechet_every == 0 or
                     step == config.max_steps):
        distance = scorer.score_generator(
            lambda z: state.generator(z, training=False),
            config.model.z_dim, seed=config.seed)
        tf.summary.scalar("quality/frechet_distance", distance, step=step)
        logging.info("step %d  Fréchet distance %.3f", step, distance)
      if step % config.checkpoint_every == 0:
        manager.save(checkpoint_number=step)
        last_saved = step
      if step >= config.max_steps or stop.received:
        break

  if step != last_saved:
    manager.save(checkpoint_number=step)
  if stop.received:
    logging.info("%s received: saved checkpoint at step %d and stopped",
                 stop.received, step)
  logging.info("Checkpoint %s", manager.latest_checkpoint)
  return TrainResult(step, metrics, manager.latest_checkpoint, stop.received)
