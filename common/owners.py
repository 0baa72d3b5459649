"""Who wrote a file: a process's owner record, names that carry it, and the
removal of what dead writers left behind.

A tool deletes only what it wrote: temporary and staging names carry the
writer's host, PID and start time (`owned_name`), and leftovers are removed
only when that process is gone (`remove_abandoned`). Pure Python.
"""

import dataclasses
import json
import os
import socket
from typing import Optional

from common import files

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

  def to_dict(self) -> dict:
    return dataclasses.asdict(self)

  def to_json(self) -> str:
    return json.dumps(self.to_dict())

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
  rest = name[len(prefix) :]
  host_pid, _, started = rest.rpartition(".")
  host, _, pid = host_pid.rpartition(".")
  if not host or not pid.isdigit():
    return None
  return Owner(host, int(pid), None if started == "None" else started)


def remove_abandoned(directory: str, prefix: str) -> list:
  """Deletes entries of `directory` named by `owned_name(prefix)` whose
  process is gone (on this host); returns their paths. Entries of live
  processes, of other hosts and of any other name are left alone.
  `directory` may be any file system's (see the module docstring)."""
  removed = []
  try:
    names = files.listdir(directory)
  except OSError:
    return removed
  for name in names:
    if not name.startswith(prefix):
      continue
    owner = _owner_of_name(name, prefix)
    if owner is None or owner.is_alive() is not False:
      continue
    path = os.path.join(directory, name)
    try:
      if files.isdir(path) and (files.is_url(path) or not os.path.islink(path)):
        files.rmtree(path, ignore_errors=True)
      else:
        files.remove(path)
    except OSError:
      continue
    removed.append(path)
  return removed
