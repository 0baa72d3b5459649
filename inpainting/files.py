"""File handling every package shares: atomic writes and who owns a file.

Pure Python (no TensorFlow, nothing of the project), so training, export,
completion and the client can all import it, entry points included, before
TensorFlow loads.

Two promises rest on this module:
- A file appears whole or not at all: it is written under a temporary name
  and renamed (`atomic_write`).
- A tool deletes only what it wrote: temporary and staging names carry the
  writer's host and PID (`owned_name`), and leftovers are removed only when
  that process is gone (`remove_abandoned`).
"""

import dataclasses
import json
import os
import shutil
import socket
from typing import Optional

HOST = socket.gethostname()


def _process_start_time(pid: int) -> Optional[str]:
  """The kernel's start time of `pid` (Linux), to tell a reused PID apart."""
  try:
    with open(f"/proc/{pid}/stat") as f:
      # Field 22 counts from after the command name, which may hold spaces.
      return f.read().rsplit(")", 1)[1].split()[19]
  except (OSError, IndexError):
    return None


@dataclasses.dataclass(frozen=True)
class Owner:
  """A process that holds a lock or wrote a staging folder."""
  host: str
  pid: int
  started: Optional[str] = None  # _process_start_time, where known

  @classmethod
  def this_process(cls) -> "Owner":
    return cls(HOST, os.getpid(), _process_start_time(os.getpid()))

  def is_alive(self) -> Optional[bool]:
    """True/False on this host; None for another host (cannot tell)."""
    if self.host != HOST:
      return None
    try:
      os.kill(self.pid, 0)
    except ProcessLookupError:
      return False
    except PermissionError:
      return True  # Someone else's live process.
    started = _process_start_time(self.pid)
    return self.started is None or started is None or started == self.started

  def describe(self) -> str:
    return f"PID {self.pid} on host {self.host}"

  def to_json(self) -> str:
    return json.dumps(dataclasses.asdict(self))

  @classmethod
  def from_json(cls, text: str) -> Optional["Owner"]:
    try:
      values = json.loads(text)
      return cls(str(values["host"]), int(values["pid"]), values.get("started"))
    except (ValueError, KeyError, TypeError):
      return None


def owned_name(prefix: str) -> str:
  """`prefix` + this host and PID: a name `remove_abandoned` can judge."""
  return f"{prefix}{HOST}.{os.getpid()}.{_process_start_time(os.getpid())}"


def _owner_of_name(name: str, prefix: str) -> Optional[Owner]:
  rest = name[len(prefix):]
  host_pid, _, started = rest.rpartition(".")
  host, _, pid = host_pid.rpartition(".")
  if not host or not pid.isdigit():
    return None
  return Owner(host, int(pid), None if started == "None" else started)


def remove_abandoned(directory: str, prefix: str) -> list:
  """Deletes entries of `directory` named by `owned_name(prefix)` whose
  process is gone (on this host); returns their paths. Entries of live
  processes, of other hosts and of any other name are left alone."""
  removed = []
  try:
    names = os.listdir(directory)
  except OSError:
    return removed
  for name in names:
    if not name.startswith(prefix):
      continue
    owner = _owner_of_name(name, prefix)
    if owner is None or owner.is_alive() is not False:
      continue
    path = os.path.join(directory, name)
    if os.path.isdir(path) and not os.path.islink(path):
      shutil.rmtree(path, ignore_errors=True)
    else:
      try:
        os.remove(path)
      except OSError:
        continue
    removed.append(path)
  return removed


TEMP_PREFIX = ".tmp-"


def atomic_write(path: str, data, mode: str = "w"):
  """Writes `data` to `path` whole or not at all (temporary name, rename).

  On any error the temporary file is removed and `path` is unchanged.
  """
  directory, name = os.path.split(path)
  tmp = os.path.join(directory, f"{TEMP_PREFIX}{name}.{os.getpid()}")
  try:
    with open(tmp, mode) as f:
      f.write(data)
      f.flush()
      os.fsync(f.fileno())
    os.replace(tmp, path)
  except BaseException:
    try:
      os.remove(tmp)
    except OSError:
      pass
    raise
