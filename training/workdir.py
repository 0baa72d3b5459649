"""The trainer's workdir: resume checks, config.json, the lock, clean starts.

The layout's names are `common.workdir_layout`'s (export reads them too).
`check_workdir` is pure Python for a local workdir, so the entry point
refuses a workdir before TensorFlow loads.
"""

from typing import List

from common import config_checks, files
from common.workdir_layout import config_path, read_run_config
from training.config import EARLIER_RUN_VALUES, TrainConfig
from training.errors import WorkdirError
from training.workdir_lock import WorkdirLock

# What a resumed run may not change (besides the model): its data and the
# optimization it has been doing. Everything else may change on resume:
# max_steps and encoder_steps (train further), logging and checkpoint
# intervals, and where and how it runs (strategy, precision, tfds_data_dir).
RUN_DEFINING_FIELDS = (
  "dataset",
  "batch_size",
  "learning_rate",
  "d_learning_rate",
  "beta1",
  "augment",
  "mirror",
  "r1_weight",
  "seed",
  "ema_decay",
  "encoder_learning_rate",
  "encoder_schedule",
  "encoder_latent_weight",
)
# An earlier run's config.json is read with config.EARLIER_RUN_VALUES, so
# resuming such a run with one of them turned on is refused like any other
# change. (A field missing from these lists, such as the encoder's ef, is
# not held against the run.)
EARLIER_MODEL_VALUES = {"spectral_norm": False}


def check_workdir(config: TrainConfig, workdir: str):
  """Refuses a workdir that cannot hold this run; reads, never writes.

  Pure Python for a local workdir, so the entry point checks it before
  TensorFlow loads; a URL (gs://, file://, ...) is read with tf.io.gfile.

  Raises:
    WorkdirError: The workdir is a file, or its config.json is unreadable,
      describes a model of another shape or differs in a
      RUN_DEFINING_FIELDS field.
  """
  saved = read_run_config(workdir)
  if saved is None:
    return
  path = config_path(workdir)
  # A field added since (the encoder's ef) is not held against the run,
  # unless the run's value of it is known.
  saved_model = {
    **config.model.to_dict(),
    **EARLIER_MODEL_VALUES,
    **saved["model"],
  }
  if saved_model != config.model.to_dict():
    raise WorkdirError(
      f"{path}: the run in this workdir has model {saved_model}, "
      f"not {config.model.to_dict()}; use a new --workdir"
    )
  # A resumed run must keep what it trains on and how: a rerun that forgot
  # --dataset would otherwise go on training on the default digits.
  current = config.to_dict()
  saved = {**EARLIER_RUN_VALUES, **saved}
  changed = [
    name
    for name in RUN_DEFINING_FIELDS
    if name in saved and saved[name] != current[name]
  ]
  if changed:
    raise WorkdirError(
      f"{path}: the run in this workdir has "
      f"{config_checks.mismatch(changed, saved, current)}; pass its values "
      "to resume it, or use a new --workdir"
    )


def write_config(config: TrainConfig, workdir: str):
  """Saves config.json (check_workdir has already accepted the workdir)."""
  files.atomic_write(config_path(workdir), config.to_json())


def _make_dirs(path: str) -> List[str]:
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


def _remove_if_empty(directories: List[str]):
  for directory in directories:
    try:
      files.rmdir(directory)
    except OSError:
      return


class ClaimedDir:
  """The directory a trainer writes, made and (for the chief) locked.

  `release(started=False)` after a failed start removes the folders this
  claim created if they are still empty, so a failed start (bad data set,
  another model's workdir, a live trainer) leaves nothing behind.

  Args:
    path: The workdir (chief) or its scratch directory (other workers).
    lock: Take the workdir lock: one trainer per workdir.

  Raises:
    WorkdirError: Another live trainer holds the lock.
  """

  def __init__(self, path: str, lock: bool):
    self.path = path
    self._created = _make_dirs(path)
    self._lock = WorkdirLock(path) if lock else None
    try:
      if self._lock:
        self._lock.acquire()
    except BaseException:
      _remove_if_empty(self._created)
      raise

  def release(self, started: bool):
    if self._lock:
      self._lock.release()
    if not started:
      _remove_if_empty(self._created)
