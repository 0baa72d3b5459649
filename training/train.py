"""The training loop: `train(config, workdir)` runs or resumes a DCGAN job.

Workdir layout:
  config.json           the resolved TrainConfig (written once the run starts)
  trainer.lock          the running trainer's host and PID (one per workdir)
  checkpoints/          tf.train.CheckpointManager: the networks (the
                        generator's moving average and the encoder too),
                        their optimizers, both step counters and the z
                        generator's state; damaged/ holds checkpoints that
                        failed to restore
  train/events.out.tfevents*  TensorBoard scalars, sample grids and hparams
                        (run "train" of `tensorboard --logdir WORKDIR`)
  samples/step_N.png    sample grids from a fixed z
"""

import collections
import contextlib
import dataclasses
import math
import os
import time
from typing import Dict, Optional

from absl import logging
import keras
import tensorflow as tf

from models.checkpoint_parts import saved_parts
from models.networks import build_encoder, build_generator, build_networks
from common import files
from common.files import atomic_write
from training import checkpoints, distribution, ema, encoder_masks, frechet
from training import input_pipeline, precision, summaries
from training.config import TrainConfig
from training.workdir import CONFIG_FILE, check_workdir
from training.errors import NonFiniteLossError, PeerLostError, StorageError
from training.encoder_step import EncoderStep
from training.gan_step import GanStep, make_optimizer
from training.stop_signal import SigintAsSigterm, StopSignal
from training.workdir_lock import WorkdirLock

CHECKPOINT_DIR = "checkpoints"
# TensorBoard's run directory inside the workdir (the tf-models layout): a
# logdir's root is no run of its own, and the HParams tab finds a run's
# metrics only in a run directory.
SUMMARY_DIR = "train"


@dataclasses.dataclass
class TrainResult:
  step: int  # completed steps
  metrics: Dict[str, float]  # of the last step run (empty if none ran)
  checkpoint: Optional[str]  # latest checkpoint path
  stopped_by: Optional[str] = None  # "SIGTERM"/"SIGINT" if stopped early
  encoder_step: int = 0  # completed encoder steps


def _write_config(config: TrainConfig, workdir: str):
  """Saves config.json (check_workdir has already accepted the workdir)."""
  atomic_write(os.path.join(workdir, CONFIG_FILE), config.to_json())


def _make_dirs(path: str):
  """makedirs on any file system; returns the directories it created,
  deepest first."""
  created = []
  while path and not files.exists(path):
    created.append(path)
    parent = files.parent(path)
    if parent == path:  # A URL's bucket or root.
      break
    path = parent
  if created:
    files.makedirs(created[0])  # makes its missing parents too
  return created


def _remove_if_empty(directories):
  for directory in directories:
    try:
      files.rmdir(directory)
    except OSError:
      return


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
  # checkpoint still restores (see _restore_into).
  OPTIONAL_PARTS = ("ema_generator", "encoder", "e_optimizer", "encoder_step",
                    "encoder_generator_step", "encoder_phase_start")

  def __init__(self, config: TrainConfig, policy: str = "float32",
               sync_batch_norm: bool = False):
    self.generator, self.discriminator = build_networks(
        config.model, sync_batch_norm=sync_batch_norm, dtype_policy=policy)
    self.ema_generator = build_generator(config.model, "ema_generator",
                                         dtype_policy=policy)
    ema.copy_weights(self.generator, self.ema_generator)
    self.g_optimizer = make_optimizer(config.learning_rate, config.beta1,
                                      self.generator.trainable_variables,
                                      policy)
    self.d_optimizer = make_optimizer(config.learning_rate, config.beta1,
                                      self.discriminator.trainable_variables,
                                      policy)
    # Only runs that train one hold an encoder (a run resumed with
    # encoder_steps raised starts it afresh: it is an optional part).
    self.encoder = self.e_optimizer = None
    if config.encoder_steps:
      self.encoder = build_encoder(config.model, dtype_policy=policy)
      # Adam's usual beta1 (0.9): the encoder is no adversarial game.
      self.e_optimizer = make_optimizer(config.encoder_learning_rate, 0.9,
                                        self.encoder.trainable_variables,
                                        policy)
    self.step = self._counter("step", 0)
    self.encoder_step = self._counter("encoder_step", 0)
    self.encoder_generator_step = self._counter("encoder_generator_step", -1)
    self.encoder_phase_start = self._counter("encoder_phase_start", 0)
    self.z_rng = tf.random.Generator.from_seed(config.seed)
    self.ema_decay = config.ema_decay
    self.parts = dict(
        generator=self.generator, discriminator=self.discriminator,
        g_optimizer=precision.inner_optimizer(self.g_optimizer),
        d_optimizer=precision.inner_optimizer(self.d_optimizer),
        step=self.step, z_rng=self.z_rng, ema_generator=self.ema_generator,
        encoder_step=self.encoder_step,
        encoder_generator_step=self.encoder_generator_step,
        encoder_phase_start=self.encoder_phase_start)
    optimizers = {"g": self.g_optimizer, "d": self.d_optimizer}
    if self.encoder is not None:
      self.parts.update(
          encoder=self.encoder,
          e_optimizer=precision.inner_optimizer(self.e_optimizer))
      optimizers["e"] = self.e_optimizer
    self.has_loss_scale = precision.uses_loss_scaling(policy)
    if self.has_loss_scale:
      self.parts["loss_scale"] = tf.train.Checkpoint(**{
          name: tf.train.Checkpoint(**precision.loss_scale_variables(opt))
          for name, opt in optimizers.items()})
    self.checkpoint = tf.train.Checkpoint(**self.parts)

  @staticmethod
  def _counter(name, initial):
    return tf.Variable(initial, dtype=tf.int64, trainable=False, name=name,
                       aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)

  @property
  def encoder_phase_steps(self) -> int:
    """Encoder steps done against the generator of the current step; 0
    when the encoder was trained against an earlier one (or never)."""
    if int(self.encoder_generator_step.numpy()) != int(self.step.numpy()):
      return 0
    return (int(self.encoder_step.numpy()) -
            int(self.encoder_phase_start.numpy()))

  @property
  def progress(self) -> int:
    """GAN and encoder steps done: the checkpoint number, which only grows."""
    return int(self.step.numpy()) + int(self.encoder_step.numpy())

  def describe_progress(self) -> str:
    """"step N" or "step N, encoder step M": checkpoint numbers add them."""
    encoder_step = int(self.encoder_step.numpy())
    return f"step {int(self.step.numpy())}" + (
        f", encoder step {encoder_step}" if encoder_step else "")

  def make_step(self, strategy=None) -> GanStep:
    """The compiled training step on these networks and optimizers."""
    return GanStep(self.generator, self.discriminator, self.g_optimizer,
                   self.d_optimizer, self.z_rng, self.step, strategy=strategy,
                   ema_generator=self.ema_generator, ema_decay=self.ema_decay)

  def make_encoder_step(self, strategy=None) -> EncoderStep:
    """The compiled encoder step, against the EMA generator."""
    return EncoderStep(
        self.encoder, self.ema_generator, self.e_optimizer, self.z_rng,
        self.encoder_step,
        encoder_masks.mask_bank(self.generator.image_size), strategy=strategy)


def checkpoint_manager(state: TrainState, directory: str,
                       max_to_keep: int = 3):
  return tf.train.CheckpointManager(
      state.checkpoint, directory, max_to_keep=max_to_keep,
      checkpoint_name="ckpt")


def _restore_into(state: TrainState, path: str) -> int:
  """Restores one checkpoint prefix into `state`; returns its step.

  A checkpoint saved without loss scaling restores into a loss-scaled state
  (the scale starts afresh) and the other way round.
  """
  saved = saved_parts(path)
  # Optional parts (loss scale; the EMA generator and the encoder, which
  # older checkpoints lack) restore only if saved; the rest must match.
  optional = set(TrainState.OPTIONAL_PARTS) | {"loss_scale"}
  parts = {name: part for name, part in state.parts.items()
           if name not in optional or name in saved}
  status = tf.train.Checkpoint(**parts).restore(path)
  status.assert_existing_objects_matched().expect_partial()
  if "ema_generator" not in saved:
    # A run from before the average: it starts from the weights.
    ema.copy_weights(state.generator, state.ema_generator)
  return state.progress


def restore_newest(state: TrainState,
                   directory: str) -> Optional[checkpoints.Restored]:
  """Restores the newest checkpoint in `directory` that loads, if any.

  Raises:
    WorkdirError: checkpoints exist but none restores, or one holds another
      model.
  """
  restored = checkpoints.restore_newest(
      lambda path: _restore_into(state, path), directory)
  if restored:
    logging.info("Resumed from %s (%s)", restored.path,
                 state.describe_progress())
  return restored


def restore_latest(state: TrainState, directory: str) -> Optional[str]:
  """Restores the newest checkpoint that loads; returns its path or None."""
  restored = restore_newest(state, directory)
  return restored.path if restored else None


class _RateWindow:
  """Images/s and the ETA over the steps since the last log line."""

  def __init__(self, images_per_step: int):
    self.images_per_step = images_per_step
    self._reset()

  def _reset(self):
    self.started, self.steps = time.perf_counter(), 0

  def tick(self):
    self.steps += 1

  def report(self, remaining_steps: int):
    """(images per second, ETA text), then starts a new window."""
    elapsed = max(time.perf_counter() - self.started, 1e-9)
    rate = self.steps * self.images_per_step / elapsed
    eta = _format_eta(remaining_steps * elapsed / self.steps)
    self._reset()
    return rate, eta


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
    checkpointed), DataError, WorkdirError, ConfigError or PeerLostError.
  """
  return Trainer(config, workdir).run()


class Trainer:
  """A training job on one strategy: builds everything, then `run()`s.

  Attributes:
    strategy: The tf.distribute strategy the step runs on.
    policy: The resolved Keras dtype policy name.
    is_chief: Whether this task writes checkpoints, summaries and samples to
      the workdir (always, outside multi-worker jobs).
    state: The TrainState, its variables created in the strategy's scope.
  """

  def __init__(self, config: TrainConfig, workdir: str):
    self.config = config
    self.workdir = workdir
    self.strategy_name = distribution.resolve_strategy_name(config.strategy,
                                                            config.tpu)
    self.strategy = distribution.make_strategy(
        self.strategy_name, config.tpu, config.collective_timeout_s)
    distribution.check_divisible(config.batch_size, self.strategy)
    self.policy = precision.resolve_policy(config.mixed_precision,
                                           self.strategy)
    self.multi_worker = distribution.is_multi_worker(self.strategy)
    self.is_chief = distribution.is_chief(self.strategy)
    # Non-chief workers write what the chief writes, then throw it away.
    self.write_dir = workdir if self.is_chief else distribution.scratch_dir(
        workdir, self.strategy)
    logging.info("Strategy %s (%s) with %d replica(s), dtype policy %s%s",
                 self.strategy_name, type(self.strategy).__name__,
                 self.strategy.num_replicas_in_sync, self.policy,
                 "" if self.is_chief else f"; scratch dir {self.write_dir}")

    check_workdir(config, workdir)
    # Directories this job created, removed again if it fails before its
    # first step, so a failed start leaves nothing behind.
    self._created_dirs = _make_dirs(self.write_dir)
    # One trainer per workdir; in a multi-worker job the chief holds it.
    self._lock = WorkdirLock(self.write_dir) if self.is_chief else None
    try:
      if self._lock:
        self._lock.acquire()
      self._build_and_restore()
    except BaseException:
      self._release(started=False)
      raise

  def _build_and_restore(self):
    config = self.config
    keras.utils.set_random_seed(config.seed)  # weight initializers
    if config.deterministic:
      tf.config.experimental.enable_op_determinism()
    with self.strategy.scope():
      self.state = TrainState(
          config, self.policy,
          sync_batch_norm=self.strategy.num_replicas_in_sync > 1)
    # Every worker restores from the chief's checkpoints (the workdir must
    # be on a file system all workers share).
    chief_checkpoints = os.path.join(self.workdir, CHECKPOINT_DIR)
    restored = restore_newest(self.state, chief_checkpoints)
    if restored and self.is_chief:
      checkpoints.repair(chief_checkpoints, restored)
    # Built after the repair, so its retention list holds intact ones only.
    self.manager = checkpoint_manager(
        self.state, os.path.join(self.write_dir, CHECKPOINT_DIR),
        config.keep_checkpoints)

  def _release(self, started: bool):
    if self._lock:
      self._lock.release()
    if not started:
      _remove_if_empty(self._created_dirs)

  def run(self) -> TrainResult:
    """Trains to max_steps, then the encoder to encoder_steps; releases the
    workdir lock whatever happens."""
    started = False
    config, state = self.config, self.state
    try:
      if self._done():
        logging.info("Step %d already reached --max_steps=%d%s; nothing to "
                     "do", int(state.step.numpy()), config.max_steps,
                     f" and the encoder its {config.encoder_steps} steps"
                     if config.encoder_steps else "")
        return self._result({}, None)
      source = input_pipeline.image_source(
          config.dataset, config.model, config.tfds_data_dir,
          seed=config.seed)
      # The run really starts here: a run that failed before (bad data
      # set, another model's workdir) has written nothing that blocks the
      # next one.
      started = True
      with _out_of_space_as_errors(self.write_dir):
        _write_config(config, self.write_dir)
        return self._run(source)
    finally:
      self._release(started)

  def _gan_done(self) -> bool:
    return int(self.state.step.numpy()) >= self.config.max_steps

  def _encoder_done(self) -> bool:
    return self.state.encoder_phase_steps >= self.config.encoder_steps

  def _done(self) -> bool:
    return self._gan_done() and self._encoder_done()

  def _result(self, metrics, stopped_by) -> TrainResult:
    return TrainResult(int(self.state.step.numpy()), metrics,
                       self._latest_checkpoint(), stopped_by,
                       int(self.state.encoder_step.numpy()))

  def _run(self, source) -> TrainResult:
    config = self.config
    start = self.state.progress
    logging.info("Training on %s", source.description)
    batches = self.strategy.distribute_datasets_from_function(
        lambda context: input_pipeline.training_batches(
            source, context.get_per_replica_batch_size(config.batch_size),
            seed=input_pipeline.data_seed(config.seed, start),
            shuffle_buffer=config.shuffle_buffer,
            num_shards=context.num_input_pipelines,
            shard_index=context.input_pipeline_id))

    # The Fréchet scorer trains a classifier first: only the GAN phase
    # scores, so a run resumed in its encoder phase builds none.
    scorer = (_frechet_scorer(config)
              if self.is_chief and not self._gan_done() else None)
    writer = (tf.summary.create_file_writer(
        os.path.join(self.workdir, SUMMARY_DIR)) if self.is_chief
              else tf.summary.create_noop_writer())
    try:
      with writer.as_default(), _peer_failures_as_errors(self.multi_worker):
        if start == 0:
          summaries.write_hparams(config.to_dict())
        result = self._loop(iter(batches), scorer)
    finally:
      writer.flush()
      if not self.is_chief:
        distribution.remove_scratch(self.write_dir)
    return result

  def _latest_checkpoint(self):
    return tf.train.latest_checkpoint(
        os.path.join(self.workdir, CHECKPOINT_DIR))

  def _preemption_handler(self):
    """Multi-worker: a SIGTERM to any worker makes all of them checkpoint at
    the same step and exit (status 42, TensorFlow's restart code)."""
    if not self.multi_worker:
      return None
    with self.strategy.scope():
      return tf.distribute.experimental.PreemptionCheckpointHandler(
          self.strategy.cluster_resolver, self.state.checkpoint,
          checkpoint_dir=os.path.join(self.workdir, CHECKPOINT_DIR))

  def _loop(self, batches, scorer) -> TrainResult:
    """The GAN's steps, then the encoder's, from one stream of batches."""
    preemption = self._preemption_handler()
    # With a preemption handler, SIGTERM is its to handle, and SIGINT is
    # handed to it as a SIGTERM.
    stop_signals = SigintAsSigterm() if preemption else StopSignal()
    self._last_saved = self.state.progress
    metrics = {}
    with stop_signals as stop:
      if not self._gan_done():
        metrics = self._gan_loop(batches, scorer, preemption, stop)
      if self._gan_done() and not stop.received and not self._encoder_done():
        metrics = self._encoder_loop(batches, preemption, stop)
    if self.state.progress != self._last_saved:
      checkpoints.save(self.manager, self.state.progress)
    if stop.received:
      # checkpoints.save has announced the checkpoint itself.
      logging.info("%s received: stopped at %s", stop.received,
                   self.state.describe_progress())
    return self._result(metrics, stop.received)

  def _after_step(self, preemption, every: bool):
    """Checkpoints on schedule (`every`) and on preemption."""
    progress = self.state.progress
    if every:
      checkpoints.save(self.manager, progress)
      self._last_saved = progress
    if preemption:
      preemption.save_checkpoint_if_preempted(checkpoint_number=progress)

  def _gan_loop(self, batches, scorer, preemption, stop):
    config, state = self.config, self.state
    gan_step = state.make_step(self.strategy)
    metrics = {}
    skipped = collections.Counter()
    window = _RateWindow(config.batch_size)
    sample_z = fixed_z(config)
    for images in batches:
      metrics = {k: float(v) for k, v in gan_step(images).items()}
      step = int(state.step.numpy())
      window.tick()
      self._check_finite(metrics, ("d_loss", "g_loss"), step)
      for network in ("d", "g"):
        skipped[network] += metrics.pop(f"{network}_step_skipped", 0.0)

      if step % config.log_every == 0 or step == config.max_steps:
        images_per_sec, eta = window.report(config.max_steps - step)
        logging.info(
            "step %d/%d  d_loss %.3f  g_loss %.3f  D(x) %.2f  D(G(z)) %.2f"
            "  %.0f img/s  ETA %s", step, config.max_steps,
            metrics["d_loss"], metrics["g_loss"], metrics["d_real"],
            metrics["d_fake"], images_per_sec, eta)
        if state.has_loss_scale:
          metrics.update(d_skipped_steps=skipped["d"],
                         g_skipped_steps=skipped["g"])
        summaries.write_scalars(step, metrics, images_per_sec)
      if self.is_chief and (step % config.sample_every == 0 or
                            step == config.max_steps):
        # The moving average: what export serves.
        samples = state.ema_generator(sample_z, training=False)
        path = summaries.write_samples(self.workdir, step, samples)
        logging.info("Wrote samples %s", path)
      if scorer and (step % config.frechet_every == 0 or
                     step == config.max_steps):
        self._score(scorer, step)
      self._after_step(preemption, step % config.checkpoint_every == 0)
      if step >= config.max_steps or stop.received:
        break
    return metrics

  def _check_finite(self, metrics, names, step, encoder_step=None):
    """NonFiniteLossError if a loss is NaN or Inf.

    The weights of this step are already poisoned: the job stops without
    saving them, and the last checkpoint stays the one to resume from (read
    only then: this runs every step).
    """
    if all(math.isfinite(metrics[name]) for name in names):
      return
    where = f"{step}" + (f" (encoder step {encoder_step})"
                         if encoder_step is not None else "")
    values = " ".join(f"{name}={metrics[name]}" for name in names)
    raise NonFiniteLossError(
        f"non-finite loss at step {where}: {values}; last good checkpoint: "
        f"{self._latest_checkpoint() or 'none'}")

  def _score(self, scorer, step):
    """Fréchet distances of the EMA generator and of the last weights."""
    distances = {
        name: scorer.score_generator(
            lambda z, g=generator: g(z, training=False),
            self.config.model.z_dim, seed=self.config.seed)
        for name, generator in (("ema", self.state.ema_generator),
                                ("raw", self.state.generator))}
    summaries.write_frechet(step, distances["ema"], distances["raw"])
    logging.info("step %d  Fréchet distance %.3f (EMA generator), %.3f "
                 "(last weights)", step, distances["ema"], distances["raw"])

  def _encoder_loop(self, batches, preemption, stop):
    config, state = self.config, self.state
    encoder_step = state.make_encoder_step(self.strategy)
    generator_step = int(state.step.numpy())
    trained_against = int(state.encoder_generator_step.numpy())
    if trained_against != generator_step:
      # A new phase: the first, or the GAN was trained further after the
      # last one (a raised --max_steps). The encoder continues from its
      # weights, for encoder_steps steps against this generator; the
      # counter keeps growing, so checkpoint numbers do too.
      logging.info(
          "Training the encoder for %d steps against the EMA generator of "
          "step %d%s", config.encoder_steps, generator_step,
          f" (it was trained against step {trained_against}'s)"
          if trained_against >= 0 else "")
      state.encoder_phase_start.assign(state.encoder_step)
      # The generator stays this step's for the whole phase (export checks).
      state.encoder_generator_step.assign(generator_step)
    # Fixed for the phase: read once, not on every step.
    phase_start = int(state.encoder_phase_start.numpy())
    metrics = {}
    # Each step encodes a batch of G(z) and a batch of real images.
    window = _RateWindow(2 * config.batch_size)
    for images in batches:
      metrics = {k: float(v) for k, v in encoder_step(images).items()}
      done = int(state.encoder_step.numpy())
      step = done - phase_start  # state.encoder_phase_steps, read once
      progress = state.progress
      window.tick()
      self._check_finite(metrics, ("e_loss",), progress, encoder_step=done)
      if step % config.log_every == 0 or step == config.encoder_steps:
        images_per_sec, eta = window.report(config.encoder_steps - step)
        logging.info(
            "encoder step %d/%d  loss %.4f  pixel: real %.4f, G(z) %.4f  "
            "z %.4f  %.0f img/s  ETA %s", step, config.encoder_steps,
            metrics["e_loss"], metrics["e_pixel_loss_real"],
            metrics["e_pixel_loss_generated"], metrics["e_latent_loss"],
            images_per_sec, eta)
        summaries.write_scalars(progress, metrics)
      self._after_step(preemption, step % config.checkpoint_every == 0)
      if step >= config.encoder_steps or stop.received:
        break
    return metrics


@contextlib.contextmanager
def _out_of_space_as_errors(workdir: str):
  """A full disk anywhere in the workdir (samples, events, config.json)
  becomes one StorageError line naming the file."""
  try:
    yield
  except (OSError, tf.errors.OpError) as e:
    if isinstance(e, StorageError) or not checkpoints.is_out_of_space(e):
      raise
    where = getattr(e, "filename", None) or workdir
    raise StorageError(f"{where}: no space left on the device; the last "
                       "checkpoint is intact, free some space and rerun the "
                       "same command to resume") from e


@contextlib.contextmanager
def _peer_failures_as_errors(multi_worker: bool):
  """Turns the errors of a lost peer into one PeerLostError."""
  if not multi_worker:
    yield
    return
  try:
    yield
  except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
          tf.errors.CancelledError, tf.errors.AbortedError) as e:
    detail = " ".join(e.message.split())
    # TF's message: "...Collective ops is aborted by: <the cause>
    # Additional GRPC error information ...".
    cause = detail.split("aborted by:")[-1].split(" Additional GRPC")[0]
    cause = cause.strip()[:200]
    raise PeerLostError(f"lost a peer worker ({type(e).__name__}): "
                        f"{cause}") from e


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
