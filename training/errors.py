"""Errors a training job reports as one line, without a traceback."""

from models.config import ConfigError


class DataError(ValueError):
  """A --dataset spec that does not resolve to usable images."""


class WorkdirError(ValueError):
  """A workdir that holds an incompatible run."""


class StorageError(OSError):
  """A write to the workdir failed (disk full, ...); names the path."""


class NonFiniteLossError(FloatingPointError):
  """A loss became NaN or infinite; names the step."""


class PeerLostError(RuntimeError):
  """A multi-worker job lost a peer (dead, unreachable or timed out)."""


# What the entry point turns into `error: ...` and a non-zero exit.
USER_ERRORS = (ConfigError, DataError, WorkdirError, StorageError,
               NonFiniteLossError, PeerLostError)
