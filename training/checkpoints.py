"""Checkpoints that never lose a run: resume from the newest one that restores.

`tf.train.CheckpointManager` trusts its state file (`checkpoints/checkpoint`):
when that file is missing or garbled, or the checkpoint it names is damaged,
a resumed job used to start again from step 0 and its retention limit then
deleted the intact older checkpoints. Here the state file is only a hint:

- `restore_newest` tries every checkpoint found on disk, newest first, and
  restores the first that loads; damaged ones are reported, never deleted.
- `repair` (the chief, after a restore) moves damaged checkpoints into
  `checkpoints/damaged/` and rewrites the state file to list the intact ones,
  so the manager's retention only ever counts intact checkpoints.
- `save` cleans up what a failed save (disk full) left half-written and
  raises a one-line StorageError.
"""

import contextlib
import dataclasses
import errno
import os
import re
from typing import List, Optional, Tuple

import tensorflow as tf
from absl import logging

from common.files import atomic_write
from training.errors import StorageError, WorkdirError

PREFIX = "ckpt"
STATE_FILE = "checkpoint"
DAMAGED_DIR = "damaged"
_NAME = re.compile(rf"^{PREFIX}-(\d+)(\.index|\.data-\d+-of-\d+|_temp.*)$")


@dataclasses.dataclass
class Restored:
  """What `restore_newest` restored, and what it had to skip."""

  path: str  # the checkpoint prefix that restored
  step: int
  damaged: List[Tuple[str, str]]  # (prefix, reason), newest first


def _steps_on_disk(directory: str) -> List[int]:
  """Steps of every ckpt-N with any file on disk (index, data or temp)."""
  try:
    names = tf.io.gfile.listdir(directory)
  except tf.errors.NotFoundError:
    return []
  steps = {int(m.group(1)) for m in map(_NAME.match, names) if m}
  return sorted(steps, reverse=True)


def _files_of(directory: str, step: int) -> List[str]:
  names = tf.io.gfile.listdir(directory)
  return [
    os.path.join(directory, n.rstrip("/"))
    for n in names
    if (m := _NAME.match(n.rstrip("/"))) and int(m.group(1)) == step
  ]


def _is_other_model(error: Exception) -> bool:
  # TF's message for a variable of another shape: "Received incompatible
  # tensor with shape (8, 512) when attempting to restore variable with
  # shape (8, 1024) ...".
  return isinstance(error, ValueError) and "incompatible tensor" in str(error)


def _reason(error: Exception) -> str:
  text = " ".join(str(error).split())
  return f"{type(error).__name__}: {text[:160]}"


def restore_newest(restore_fn, directory: str) -> Optional[Restored]:
  """Restores the newest checkpoint in `directory` that loads.

  Args:
    restore_fn: Restores one checkpoint prefix into the live objects and
      returns its step; raises on a damaged checkpoint.
    directory: The checkpoints directory.

  Returns:
    None when there is no checkpoint at all.

  Raises:
    WorkdirError: A checkpoint holds a model of other shapes, or checkpoint
      files exist but none restores (then nothing on disk is changed).
  """
  steps = _steps_on_disk(directory)
  damaged = []
  for step in steps:
    path = os.path.join(directory, f"{PREFIX}-{step}")
    try:
      restored_step = restore_fn(path)
    except Exception as e:
      # Damage shows up as several error types: NotFoundError (no .index),
      # OpError (empty or garbled .index), IndexError (truncated .data).
      if _is_other_model(e):
        raise WorkdirError(
          f"{path}: holds a model of other shapes than this config "
          f"({' '.join(str(e).split())[:200]}); use a new --workdir"
        ) from e
      damaged.append((path, _reason(e)))
      continue
    return Restored(path, restored_step, damaged)
  if damaged:
    raise WorkdirError(
      f"{directory}: none of the {len(damaged)} checkpoint(s) restores "
      f"(newest {damaged[0][0]}: {damaged[0][1]}); nothing was changed"
    )
  return None


def repair(directory: str, restored: Restored):
  """Sets damaged checkpoints aside and rewrites the state file.

  Only the chief calls this. The state file then lists the intact
  checkpoints up to the restored one, oldest first, so the manager's
  retention deletes only intact checkpoints older than the ones it keeps,
  never because of a damaged one.
  """
  for path, reason in restored.damaged:
    aside = os.path.join(directory, DAMAGED_DIR)
    tf.io.gfile.makedirs(aside)
    step = int(path.rsplit("-", 1)[1])
    for source in _files_of(directory, step):
      target = os.path.join(aside, os.path.basename(source))
      if tf.io.gfile.exists(target):
        target += f".{os.getpid()}"
      tf.io.gfile.rename(source, target)
    logging.warning(
      "Checkpoint %s is damaged (%s); resumed from %s (step %d)"
      " instead and moved the damaged files to %s",
      path,
      reason,
      restored.path,
      restored.step,
      aside,
    )
  intact = [
    os.path.join(directory, f"{PREFIX}-{s}")
    for s in sorted(_steps_on_disk(directory))
    if s <= restored.step
    and tf.io.gfile.exists(os.path.join(directory, f"{PREFIX}-{s}.index"))
  ]
  names = [os.path.basename(p) for p in intact]
  state = tf.train.get_checkpoint_state(directory)
  listed = (
    [os.path.basename(p) for p in state.all_model_checkpoint_paths]
    if state
    else None
  )
  if (
    listed != names
    or os.path.basename(state.model_checkpoint_path) != names[-1]
  ):
    _write_state_file(directory, names)
    logging.info(
      "Rewrote %s: %d intact checkpoint(s), latest %s",
      os.path.join(directory, STATE_FILE),
      len(names),
      restored.path,
    )


def _write_state_file(directory: str, names: List[str]):
  """The CheckpointState text proto CheckpointManager reads, with relative
  names as it writes them (TF's own writer for it is deprecated)."""
  lines = [f'model_checkpoint_path: "{names[-1]}"']
  lines += [f'all_model_checkpoint_paths: "{name}"' for name in names]
  atomic_write(os.path.join(directory, STATE_FILE), "\n".join(lines) + "\n")


def is_out_of_space(error: BaseException) -> bool:
  if isinstance(error, OSError) and error.errno in (
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EFBIG,
  ):
    return True
  return isinstance(error, tf.errors.OpError) and (
    "No space left" in error.message
    or "quota" in error.message.lower()
    or "File too large" in error.message
  )


@contextlib.contextmanager
def out_of_space_as_errors(workdir: str):
  """A full disk anywhere in the workdir (samples, events, config.json)
  becomes one StorageError line naming the file."""
  try:
    yield
  except (OSError, tf.errors.OpError) as e:
    if isinstance(e, StorageError) or not is_out_of_space(e):
      raise
    where = getattr(e, "filename", None) or workdir
    raise StorageError(
      f"{where}: no space left on the device; the last "
      "checkpoint is intact, free some space and rerun the "
      "same command to resume"
    ) from e


def save(manager: tf.train.CheckpointManager, step: int) -> str:
  """manager.save(step), leaving nothing half-written if it fails.

  Raises:
    StorageError: The save failed for lack of space or another write error;
      the partial files of this step were removed and the previous
      checkpoints are untouched.
  """
  try:
    path = manager.save(checkpoint_number=step)
  except (tf.errors.OpError, OSError) as e:
    directory = manager.directory
    state = tf.train.get_checkpoint_state(directory)
    committed = {
      os.path.basename(p)
      for p in (state.all_model_checkpoint_paths if state else [])
    }
    if f"{PREFIX}-{step}" not in committed:
      for path in _files_of(directory, step):
        if tf.io.gfile.isdir(path):
          tf.io.gfile.rmtree(path)
        else:
          tf.io.gfile.remove(path)
    what = "no space left on the device" if is_out_of_space(e) else _reason(e)
    raise StorageError(
      f"{os.path.join(directory, PREFIX)}-{step}: checkpoint not saved: "
      f"{what}; the partial files were removed, rerun the same command "
      "to resume from the last checkpoint"
    ) from e
  # TensorFlow's own note of a save ("Sharding callback duration") is hidden
  # by tf_env; this is the user's one line per checkpoint.
  logging.info("Saved checkpoint %s", path)
  return path
