"""The training loop: `train(config, workdir)` runs or resumes a DCGAN job.

The GAN's steps come first, then the encoder's (against the EMA generator);
both run through one loop, `Trainer._run_phase` (the phases themselves are
`training/phases.py`'s). What a checkpoint
holds is `training/state.py`'s, the workdir's layout and checks are
`training/workdir.py`'s, and rate and ETA are `training/progress.py`'s.
"""

import contextlib
import dataclasses
import math
import os
from typing import Dict, Optional

import keras
import tensorflow as tf
from absl import logging

from common import workdir_layout
from training import (
  checkpoints,
  distribution,
  frechet,
  input_pipeline,
  phases,
  precision,
  summaries,
)
from training import workdir as workdir_lib
from training.config import TrainConfig
from training.errors import NonFiniteLossError, PeerLostError
from training.progress import RateWindow, is_due
from training.state import TrainState, checkpoint_manager, restore_state
from training.stop_signal import SigintAsSigterm, StopSignal


@dataclasses.dataclass
class TrainResult:
  step: int  # completed steps
  metrics: Dict[str, float]  # of the last step run (empty if none ran)
  checkpoint: Optional[str]  # latest checkpoint path
  stopped_by: Optional[str] = None  # "SIGTERM"/"SIGINT" if stopped early
  encoder_step: int = 0  # completed encoder steps


def train(config: TrainConfig, workdir: str) -> TrainResult:
  """Trains (or resumes training) until config.max_steps or a stop signal.

  Returns:
    A TrainResult. Raises NonFiniteLossError (nothing of that step is
    checkpointed), DataError, WorkdirError, ConfigError or PeerLostError.
  """
  result = Trainer(config, workdir).run()
  logging.info(
    "Done at step %d%s; samples in %s/samples",
    result.step,
    f" and encoder step {result.encoder_step}" if result.encoder_step else "",
    workdir,
  )
  return result


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
    self.strategy_name = distribution.resolve_strategy_name(
      config.strategy, config.tpu
    )
    self.strategy = distribution.make_strategy(
      self.strategy_name, config.tpu, config.collective_timeout_s
    )
    distribution.check_divisible(config.batch_size, self.strategy)
    self.policy = precision.resolve_policy(
      config.mixed_precision, self.strategy
    )
    self.multi_worker = distribution.is_multi_worker(self.strategy)
    self.is_chief = distribution.is_chief(self.strategy)
    # Non-chief workers write what the chief writes, then throw it away.
    self.write_dir = (
      workdir
      if self.is_chief
      else distribution.scratch_dir(workdir, self.strategy)
    )
    logging.info(
      "Strategy %s (%s) with %d replica(s), dtype policy %s%s",
      self.strategy_name,
      type(self.strategy).__name__,
      self.strategy.num_replicas_in_sync,
      self.policy,
      "" if self.is_chief else f"; scratch dir {self.write_dir}",
    )

    workdir_lib.check_workdir(config, workdir)
    # In a multi-worker job the chief holds the workdir's lock.
    self._claim = workdir_lib.ClaimedDir(self.write_dir, lock=self.is_chief)
    try:
      self._build_and_restore()
    except BaseException:
      self._claim.release(started=False)
      raise

  def _build_and_restore(self):
    config = self.config
    keras.utils.set_random_seed(config.seed)  # weight initializers
    if config.deterministic:
      tf.config.experimental.enable_op_determinism()
    with self.strategy.scope():
      self.state = TrainState(
        config,
        self.policy,
        sync_batch_norm=self.strategy.num_replicas_in_sync > 1,
      )
    # Every worker restores from the chief's checkpoints (the workdir must
    # be on a file system all workers share).
    chief_checkpoints = workdir_layout.checkpoint_dir(self.workdir)
    restored = restore_state(self.state, chief_checkpoints)
    if restored and self.is_chief:
      checkpoints.repair(chief_checkpoints, restored)
    # Built after the repair, so its retention list holds intact ones only.
    self.manager = checkpoint_manager(
      self.state,
      workdir_layout.checkpoint_dir(self.write_dir),
      config.keep_checkpoints,
    )

  def run(self) -> TrainResult:
    """Trains to max_steps, then the encoder to encoder_steps; releases the
    workdir lock whatever happens."""
    started = False
    config, state = self.config, self.state
    try:
      if self._done():
        logging.info(
          "Step %d already reached --max_steps=%d%s; nothing to do",
          int(state.step.numpy()),
          config.max_steps,
          f" and the encoder its {config.encoder_steps} steps"
          if config.encoder_steps
          else "",
        )
        return self._result({}, None)
      source = input_pipeline.image_source(
        config.dataset, config.model, config.tfds_data_dir, seed=config.seed
      )
      # The run really starts here: a run that failed before (bad data
      # set, another model's workdir) has written nothing that blocks the
      # next one.
      started = True
      with checkpoints.out_of_space_as_errors(self.write_dir):
        workdir_lib.write_config(config, self.write_dir)
        return self._run(source)
    finally:
      self._claim.release(started)

  def _gan_done(self) -> bool:
    return int(self.state.step.numpy()) >= self.config.max_steps

  def _encoder_done(self) -> bool:
    return self.state.encoder_phase_steps >= self.config.encoder_steps

  def _done(self) -> bool:
    return self._gan_done() and self._encoder_done()

  def _result(self, metrics, stopped_by) -> TrainResult:
    return TrainResult(
      int(self.state.step.numpy()),
      metrics,
      self._latest_checkpoint(),
      stopped_by,
      int(self.state.encoder_step.numpy()),
    )

  def _run(self, source) -> TrainResult:
    config = self.config
    start = self.state.progress
    logging.info("Training on %s", source.description)
    batches = self.strategy.distribute_datasets_from_function(
      lambda context: input_pipeline.training_batches(
        source,
        context.get_per_replica_batch_size(config.batch_size),
        seed=input_pipeline.data_seed(config.seed, start),
        shuffle_buffer=config.shuffle_buffer,
        mirror=config.mirror,
        num_shards=context.num_input_pipelines,
        shard_index=context.input_pipeline_id,
      )
    )

    # The Fréchet scorer trains a classifier first: only the GAN phase
    # scores, so a run resumed in its encoder phase builds none.
    scorer = (
      frechet.scorer_for(config)
      if self.is_chief and not self._gan_done()
      else None
    )
    writer = (
      tf.summary.create_file_writer(
        os.path.join(self.workdir, workdir_layout.SUMMARY_DIR)
      )
      if self.is_chief
      else tf.summary.create_noop_writer()
    )
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
      workdir_layout.checkpoint_dir(self.workdir)
    )

  def _preemption_handler(self):
    """Multi-worker: a SIGTERM to any worker makes all of them checkpoint at
    the same step and exit (status 42, TensorFlow's restart code)."""
    if not self.multi_worker:
      return None
    with self.strategy.scope():
      return tf.distribute.experimental.PreemptionCheckpointHandler(
        self.strategy.cluster_resolver,
        self.state.checkpoint,
        checkpoint_dir=workdir_layout.checkpoint_dir(self.workdir),
      )

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
        metrics = self._run_phase(
          phases.gan_phase(self, scorer), batches, preemption, stop
        )
      if self._gan_done() and not stop.received and not self._encoder_done():
        metrics = self._run_phase(
          phases.encoder_phase(self), batches, preemption, stop
        )
    if self.state.progress != self._last_saved:
      checkpoints.save(self.manager, self.state.progress)
    if stop.received:
      # checkpoints.save has announced the checkpoint itself.
      logging.info(
        "%s received: stopped at %s",
        stop.received,
        self.state.describe_progress(),
      )
    return self._result(metrics, stop.received)

  def _run_phase(self, phase: phases.Phase, batches, preemption, stop):
    """step -> finiteness check -> log -> periodic work -> checkpoint, until
    the phase's last step or a stop signal; returns the last metrics."""
    metrics = {}
    window = RateWindow(phase.images_per_step)
    for images in batches:
      metrics = {k: float(v) for k, v in phase.step(images).items()}
      step = phase.position()
      window.tick()
      self._check_finite(metrics, phase.losses, phase.where(step))
      phase.tally(metrics)
      if is_due(step, self.config.log_every, phase.total):
        phase.log(step, metrics, *window.report(phase.total - step))
      phase.periodic(step)
      self._checkpoint_if_due(
        preemption, step % self.config.checkpoint_every == 0
      )
      if step >= phase.total or stop.received:
        break
    return metrics

  def _checkpoint_if_due(self, preemption, due: bool):
    """Checkpoints on schedule (`due`) and on preemption."""
    progress = self.state.progress
    if due:
      checkpoints.save(self.manager, progress)
      self._last_saved = progress
    if preemption:
      preemption.save_checkpoint_if_preempted(checkpoint_number=progress)

  def _check_finite(self, metrics, names, where: str):
    """NonFiniteLossError if a loss is NaN or Inf.

    The weights of this step are already poisoned: the job stops without
    saving them, and the last checkpoint stays the one to resume from (read
    only then: this runs every step).
    """
    if all(math.isfinite(metrics[name]) for name in names):
      return
    values = " ".join(f"{name}={metrics[name]}" for name in names)
    raise NonFiniteLossError(
      f"non-finite loss at step {where}: {values}; last good checkpoint: "
      f"{self._latest_checkpoint() or 'none'}"
    )


@contextlib.contextmanager
def _peer_failures_as_errors(multi_worker: bool):
  """Turns the errors of a lost peer into one PeerLostError."""
  if not multi_worker:
    yield
    return
  try:
    yield
  except (
    tf.errors.UnavailableError,
    tf.errors.DeadlineExceededError,
    tf.errors.CancelledError,
    tf.errors.AbortedError,
  ) as e:
    detail = " ".join(e.message.split())
    # TF's message: "...Collective ops is aborted by: <the cause>
    # Additional GRPC error information ...".
    cause = detail.split("aborted by:")[-1].split(" Additional GRPC")[0]
    cause = cause.strip()[:200]
    raise PeerLostError(
      f"lost a peer worker ({type(e).__name__}): {cause}"
    ) from e
