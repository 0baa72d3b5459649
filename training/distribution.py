"""tf.distribute strategies for the training job, and who writes what.

Every strategy runs the same step through `strategy.run`. In a multi-worker
job all workers save checkpoints (saving may run collective ops) but only the
chief writes to the workdir; the others write to a scratch directory that is
deleted afterwards, as TensorFlow's multi-worker guide prescribes.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading

import tensorflow as tf
from absl import logging

from common import files
from common.cli import USAGE_ERROR
from training import tf_config
from training.errors import ConfigError


def resolve_strategy_name(name: str, tpu) -> str:
  """`auto` -> the strategy this machine and environment call for."""
  if name != "auto":
    return name
  if tpu:
    return "tpu"
  if tf_config.cluster_task_count() > 1:
    return "multi_worker"
  if len(tf.config.list_logical_devices("GPU")) > 1:
    return "mirrored"
  return "default"


def _mirrored_devices():
  # MirroredStrategy() alone would use one CPU even when the CPU was split
  # into several logical devices; name them so each becomes a replica.
  gpus = tf.config.list_logical_devices("GPU")
  return [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]


# Seconds between "still waiting" lines while a strategy connects.
_WAIT_LOG_INTERVAL_S = 10.0
# Seconds the watchdog gives SIGINT to end the trainer before SIGKILL.
_EXIT_GRACE_S = 10.0
# What the trainer writes to the watchdog when the call returned; end of file
# without it means the trainer died while it waited.
_DONE = b"."

# The watchdog process (see `deadline`). Its stdin is a pipe from the trainer.
_WATCHDOG = r"""
import os, select, signal, sys, time
parent, timeout, interval, grace, what = (
    int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]),
    float(sys.argv[4]), sys.argv[5])
# Ctrl-C reaches the whole process group; it is the trainer's to act on.
signal.signal(signal.SIGINT, signal.SIG_IGN)

def trainer_done(seconds):
  return bool(select.select([sys.stdin], [], [], seconds)[0])

started = time.monotonic()
while time.monotonic() - started < timeout:
  left = timeout - (time.monotonic() - started)
  if trainer_done(min(interval, left)):
    if not os.read(sys.stdin.fileno(), 1):
      print(f"dcgan-train: interrupted while waiting for {what}",
            file=sys.stderr, flush=True)
    sys.exit(0)
  waited = time.monotonic() - started
  if waited < timeout:
    print(f"dcgan-train: waiting for {what} ({waited:.0f} s of "
          f"{timeout:.0f} s)", file=sys.stderr, flush=True)
print(f"dcgan-train: error: {what}: no answer after {timeout:.0f} s "
      "(--collective_timeout_s)", file=sys.stderr, flush=True)
if grace > 0:
  os.kill(parent, signal.SIGINT)  # _exit(2) in C, see _exit_2_on_sigint
if not trainer_done(grace):
  os.kill(parent, signal.SIGKILL)
"""


def _exit_2_on_sigint():
  """Makes SIGINT end this process at once with status 2, in C.

  The calls `deadline` guards hold the GIL while they block (a Python thread
  stays silent for as long), so neither a Python signal handler nor a
  watchdog thread of ours would run. A C handler runs anyway: libc's
  `_exit` as SIGINT's handler is `_exit(SIGINT)`, and SIGINT is 2, the
  status of our one-line errors (common.cli.USAGE_ERROR), which schedulers
  do not read as "killed" or "out of memory" as they read SIGKILL's 137.

  Returns:
    A function that puts back the Python handler, or None where no C
    handler could be installed (not the main thread, no libc).
  """
  if (
    signal.SIGINT != USAGE_ERROR
    or threading.current_thread() is not threading.main_thread()
  ):
    return None
  # Also where SIGINT was ignored (a script's background job, as launchers
  # of multi-worker jobs start them): the watchdog's SIGINT must get through.
  previous = signal.getsignal(signal.SIGINT)
  if previous is None:  # a handler Python did not install: keep it
    return None
  try:
    libc = ctypes.CDLL(None)
    libc.signal.restype = ctypes.c_void_p
    libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
    exit_address = ctypes.cast(getattr(libc, "_exit"), ctypes.c_void_p).value
  except (OSError, AttributeError):
    return None
  # _exit skips Python's buffers: whatever was printed goes out first.
  sys.stdout.flush()
  sys.stderr.flush()
  if libc.signal(signal.SIGINT, exit_address) == ctypes.c_void_p(-1).value:
    return None  # SIG_ERR
  # signal.signal installs the C handler again, with Python's own flags.
  return lambda: signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def deadline(what: str, timeout_s: float):
  """Bounds a TensorFlow call that can block forever in C++.

  MultiWorkerMirroredStrategy waits for every peer to register, and TPU
  initialisation for the TPU, with no timeout of their own, inside C++ calls
  that hold the GIL (so no Python thread or signal handler runs meanwhile).
  A small watchdog process prints a line every few seconds and, past
  `timeout_s`, one error line, then ends the trainer with status 2 through
  SIGINT (see `_exit_2_on_sigint`; SIGKILL if that fails). Meanwhile Ctrl-C
  also ends it with status 2, and the watchdog says it was interrupted.
  Nothing has been written to the workdir at this point, so nothing is left
  half-done.
  """
  restore = _exit_2_on_sigint()
  grace_s = _EXIT_GRACE_S if restore else 0.0
  try:
    watchdog = subprocess.Popen(
      [
        sys.executable,
        "-c",
        _WATCHDOG,
        str(os.getpid()),
        str(timeout_s),
        str(_WAIT_LOG_INTERVAL_S),
        str(grace_s),
        what,
      ],
      stdin=subprocess.PIPE,
    )
    try:
      yield
    finally:
      with contextlib.suppress(OSError):  # a watchdog that has gone
        os.write(watchdog.stdin.fileno(), _DONE)
      watchdog.stdin.close()
      watchdog.wait()
  finally:
    if restore:
      restore()


def make_strategy(name: str, tpu=None, collective_timeout_s: float = 600.0):
  """Builds the named strategy (a name resolve_strategy_name returned).

  Connecting to peers or to a TPU is bounded by `collective_timeout_s`.

  Raises:
    ConfigError: TF_CONFIG is missing or malformed for multi_worker.
  """
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    return tf.distribute.MirroredStrategy(devices=_mirrored_devices())
  if name == "multi_worker":
    tf_config.check_tf_config()
    # A dead peer is normally reported by the coordination service's
    # heartbeats within seconds; the timeout bounds every other way a
    # collective could wait forever.
    options = tf.distribute.experimental.CommunicationOptions(
      timeout_seconds=collective_timeout_s
    )
    with deadline(
      "the other workers of TF_CONFIG's cluster to start", collective_timeout_s
    ):
      return tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=options
      )
  if name != "tpu":
    raise ValueError(
      f"strategy {name!r} is not resolved; see resolve_strategy_name"
    )
  with deadline(f"--tpu={tpu}", collective_timeout_s):
    try:
      resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
      tf.config.experimental_connect_to_cluster(resolver)
      tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, OSError, tf.errors.OpError) as e:
      raise ConfigError(
        f"--tpu={tpu}: cannot connect ({' '.join(str(e).split())[:200]})"
      ) from e
  return tf.distribute.TPUStrategy(resolver)


def is_multi_worker(strategy) -> bool:
  return strategy.extended._in_multi_worker_mode()


def is_chief(strategy) -> bool:
  """True for the task that owns the workdir (the only task, if one)."""
  if not is_multi_worker(strategy):
    return True
  resolver = strategy.cluster_resolver
  task_type, task_id = resolver.task_type, resolver.task_id
  # With a 'chief' job it is the chief; without, worker 0 plays that role.
  return task_type == "chief" or (
    task_type == "worker"
    and task_id == 0
    and "chief" not in resolver.cluster_spec().as_dict()
  )


def scratch_dir(workdir: str, strategy) -> str:
  """Where a non-chief worker writes what the chief writes to `workdir`."""
  resolver = strategy.cluster_resolver
  return os.path.join(
    workdir, "workers", f"{resolver.task_type}_{resolver.task_id}"
  )


def remove_scratch(path: str):
  # The workdir's file system (gs://, ...): files.rmtree, not shutil.
  files.rmtree(path, ignore_errors=True)
  logging.debug("Removed scratch directory %s", path)


def check_divisible(global_batch: int, strategy):
  replicas = strategy.num_replicas_in_sync
  if global_batch % replicas:
    raise ConfigError(
      f"--batch_size={global_batch} is not divisible by the "
      f"{replicas} replicas of the strategy"
    )
