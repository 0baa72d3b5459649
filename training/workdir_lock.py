"""One trainer per workdir: a lock file naming its holder (host, PID).

Two jobs on one workdir would overwrite each other's checkpoints. The lock
is a file created exclusively (O_EXCL); it holds the owner's host, PID and
process start time, so a lock left by a dead process (SIGKILL, power loss)
is recognised on the same host and taken over with a warning. A lock held
from another host cannot be checked and is refused with its path, so the
user can delete it once that job is really gone.

On a local disk the lock is exclusive: O_EXCL lets exactly one of two
racing trainers create it. Other file systems (gs://, file://, ...; through
tf.io.gfile) have no exclusive create, so there the lock is
create-if-absent: check that it is missing, write it, read it back and keep
it only if it still names us. That refuses a second trainer that starts
while the first runs (the usual mistake), but two trainers that start within
the same moment can both pass. Object stores that offer preconditions
(GCS's if-generation-match) could close that gap; gfile does not expose them.
"""

import os

from absl import logging

from common import files
from common.owners import Owner
from training.errors import WorkdirError

LOCK_FILE = "trainer.lock"


class WorkdirLock:
  """Context manager (or acquire/release) for the trainer's workdir lock.

  Args:
    workdir: An existing directory.
  """

  def __init__(self, workdir: str):
    self.path = os.path.join(workdir, LOCK_FILE)
    self.owner = Owner.this_process()
    self.held = False

  def acquire(self) -> "WorkdirLock":
    # Bounded: each round either takes the lock, refuses, or removes one
    # stale lock that another process could race us for.
    for _ in range(10):
      if self._try_create():
        self.held = True
        return self
      holder = self._read_holder()
      alive = holder.is_alive() if holder else False
      if alive:
        raise WorkdirError(
          f"{os.path.dirname(self.path)} is in use by another trainer "
          f"({holder.describe()}, lock {self.path}); wait for it to end or "
          "use another --workdir"
        )
      if alive is None:
        raise WorkdirError(
          f"{os.path.dirname(self.path)} is locked by a trainer on another "
          f"host ({holder.describe()}); if that job is gone, delete "
          f"{self.path}"
        )
      self._take_over_stale(holder)
    raise WorkdirError(
      f"{self.path}: could not take the workdir lock "
      "(another process keeps replacing it)"
    )

  def _try_create(self) -> bool:
    if files.is_url(self.path):
      return self._try_create_remote()
    try:
      fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
      return False
    with os.fdopen(fd, "w") as f:
      f.write(self.owner.to_json())
    return True

  def _try_create_remote(self) -> bool:
    # Create-if-absent (see the module docstring): the weaker guarantee.
    if files.exists(self.path):
      return False
    files.atomic_write(self.path, self.owner.to_json())
    return self._read_holder() == self.owner

  def _read_holder(self):
    try:
      return Owner.from_json(files.read(self.path))
    except FileNotFoundError:
      return None

  def _take_over_stale(self, holder):
    # Renaming first means only one of several racing processes removes
    # this stale lock; the others find it gone and try to create it again.
    aside = f"{self.path}.stale.{os.getpid()}"
    try:
      if files.is_url(self.path):
        files.replace(self.path, aside)  # One object store request or two.
      else:
        os.rename(self.path, aside)
    except FileNotFoundError:
      return
    files.remove(aside)
    logging.warning(
      "Took over %s from %s, which is no longer running",
      self.path,
      holder.describe() if holder else "an unreadable lock",
    )

  def release(self):
    if not self.held:
      return
    self.held = False
    if self._read_holder() == self.owner:
      files.remove(self.path)

  def __enter__(self):
    return self.acquire()

  def __exit__(self, *exc_info):
    self.release()
    return False
