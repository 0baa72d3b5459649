"""Errors a training job reports as one line, without a traceback."""

from common.errors import ConfigError, UserError, WorkdirError


class DataError(UserError, ValueError):
  """A --dataset spec that does not resolve to usable images."""


class StorageError(UserError, OSError):
  """A write to the workdir failed (disk full, ...); names the path."""


class NonFiniteLossError(UserError, FloatingPointError):
  """A loss became NaN or infinite; names the step."""


class PeerLostError(UserError, RuntimeError):
  """A multi-worker job lost a peer (dead, unreachable or timed out)."""


__all__ = [
  "ConfigError",
  "DataError",
  "WorkdirError",
  "StorageError",
  "NonFiniteLossError",
  "PeerLostError",
]
