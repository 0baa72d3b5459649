"""Process environment for every entry point; import before TensorFlow.

oneDNN: TensorFlow leaves its oneDNN CPU kernels off on this class of CPU,
and turning them on made DCGAN training steps 1.6-2x faster on the project's
2-core build machine. The variable is read once, when TensorFlow is imported,
and only affects CPU kernels, so it is harmless on GPU/TPU hosts. A value the
user set is kept.

A quiet console: by default the entry points print their own lines only.
TensorFlow's chatter (CPU feature notes, CUDA probing, Grappler's harmless
"remapper failed", per-save "Sharding callback duration", SavedModel asset
notes, tf.function retracing warnings) is hidden, because users read it as
errors of ours. Three layers, since TensorFlow 2.21 logs through three:

1. C++ messages logged while TensorFlow's shared libraries load (static
   initializers, before `absl::InitializeLog()`): absl writes these to stderr
   whatever TF_CPP_MIN_LOG_LEVEL says, once per library that links its own
   absl. Nothing can run before a library's initializers, so the import of
   `tensorflow` runs with file descriptor 2 pointed at a temporary file; once
   it returns, everything captured is written back except TensorFlow's
   INFO/WARNING lines (an ERROR/FATAL line, a Python warning or a traceback
   always comes through). One cost: if TensorFlow aborts while it loads
   (a CPU without the instructions the wheel needs), its last words are in
   the discarded file; rerun with DCGAN_TF_LOGS=1 to read them.
2. Later C++ messages: TF_CPP_MIN_LOG_LEVEL=3 (read when TensorFlow loads).
   Level 3 is needed because "failed call to cuInit" and "remapper failed"
   are logged as ERROR although neither is one for us.
3. Python records from modules inside tensorflow/, keras/ or
   tensorflow_datasets/ (absl's and the `tensorflow` logger) below ERROR are
   dropped by a logging filter.

`DCGAN_TF_LOGS=1`, absl's `--verbosity=1` / `-v 1` (or higher) on the command
line, or TF_CPP_MIN_LOG_LEVEL=0 set by the user brings TensorFlow's lines
back. A user-set level of 1 or more is a request for *less* output, the
conventional way to quiet TensorFlow; it gets the quiet console above (never
more lines than leaving it unset: levels 1 and 2 would let the load-time
INFO lines and the cuInit ERROR through), and level 3 also hides TensorFlow's
Python ERROR records, as it hides its C++ ones.
"""

import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import tempfile
from typing import Optional

# absl first: it installs its Logger class, and the loggers named below must
# be absl's (a plain Logger would report absl itself as every line's caller).
from absl import logging as absl_logging

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

SWITCH = "DCGAN_TF_LOGS"
# TensorFlow's C++ lines (absl/glog format) and absl's pre-init notice.
_TF_CHATTER = re.compile(
  r"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.+-]+:\d+\] |"
  r"WARNING: All log messages before absl::InitializeLog\(\))"
)
_TF_PACKAGES = ("tensorflow", "keras", "tf_keras", "tensorflow_datasets")
# Python logging levels for TF_CPP_MIN_LOG_LEVEL 0..3.
_PYTHON_LEVELS = (
  logging.NOTSET,
  logging.WARNING,
  logging.ERROR,
  logging.CRITICAL,
)


def _verbosity_from_argv(argv) -> int:
  """absl's --verbosity / -v from the command line, before absl parses it
  (TensorFlow may load before the flags are parsed; 0 when absent)."""
  for i, arg in enumerate(argv[1:], start=1):
    name, sep, value = arg.partition("=")
    if name not in ("--verbosity", "-v", "--v", "-verbosity"):
      continue
    if not sep:
      value = argv[i + 1] if i + 1 < len(argv) else ""
    try:
      return int(value)
    except ValueError:
      return 0  # absl reports the bad value itself.
  return 0


def _tf_logs_wanted() -> bool:
  return (
    os.environ.get(SWITCH, "").lower() not in ("", "0", "false", "no")
    or _verbosity_from_argv(sys.argv) > 0
  )


class _TensorFlowRecordFilter(logging.Filter):
  """Drops log records of TensorFlow/Keras modules below `min_level`.

  Checks absl's verbosity at each record, so `--verbosity=1` given on the
  command line (parsed after this module runs) also brings them back.
  """

  def __init__(self, min_level: int):
    super().__init__()
    self.min_level = min_level

  def filter(self, record: logging.LogRecord) -> bool:
    if record.levelno >= self.min_level:
      return True
    parts = set(os.path.normpath(record.pathname or "").split(os.sep))
    if parts.isdisjoint(_TF_PACKAGES):
      return True  # our own lines, whatever their level
    return absl_logging.get_absl_logger().getEffectiveLevel() < logging.INFO


def _is_chatter(line: str) -> bool:
  return bool(_TF_CHATTER.match(line))


class _QuietLoader(importlib.abc.Loader):
  """Runs the wrapped loader with fd 2 captured; writes back all but TF's
  INFO/WARNING lines."""

  def __init__(self, loader):
    self._loader = loader

  def create_module(self, spec):
    return self._loader.create_module(spec)

  def exec_module(self, module):
    try:
      sys.stderr.flush()
      saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
      self._loader.exec_module(module)  # no fd 2 to capture
      return
    with tempfile.TemporaryFile(mode="w+b") as captured:
      os.dup2(captured.fileno(), 2)
      try:
        self._loader.exec_module(module)
      finally:
        try:
          sys.stderr.flush()
        except (OSError, ValueError):
          pass
        os.dup2(saved, 2)
        os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", "replace")
        kept = [
          line
          for line in text.splitlines(keepends=True)
          if not _is_chatter(line)
        ]
        if kept:
          sys.stderr.write("".join(kept))
          sys.stderr.flush()


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
  """Wraps the loader of the top-level `tensorflow` package, once."""

  def find_spec(self, fullname, path, target=None):
    del path, target
    if fullname != "tensorflow":
      return None
    sys.meta_path.remove(self)  # the next finders find the real spec
    spec = importlib.util.find_spec(fullname)
    if spec is not None and spec.loader is not None:
      spec.loader = _QuietLoader(spec.loader)
    return spec


def _user_level() -> Optional[int]:
  """TF_CPP_MIN_LOG_LEVEL as the user set it: None when unset, 0 when not a
  number (TensorFlow then logs everything)."""
  value = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
  if value is None:
    return None
  try:
    return min(max(int(value), 0), 3)
  except ValueError:
    return 0


def _configure():
  """Applies the defaults above unless the user asked for TensorFlow's logs."""
  user_level = _user_level()
  if _tf_logs_wanted() or user_level == 0:
    return
  # Level 3 in C++ whatever level >= 1 the user chose: 1 and 2 still print
  # "failed call to cuInit" and "remapper failed", which are not errors.
  os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
  if "tensorflow" not in sys.modules:
    sys.meta_path.insert(0, _QuietTensorFlowImport())
  record_filter = _TensorFlowRecordFilter(
    max(logging.ERROR, _PYTHON_LEVELS[user_level or 0])
  )
  # A filter on a logger sees the records that logger creates: absl's
  # (TensorFlow's and Keras' `absl.logging` calls) and TensorFlow's own.
  absl_logging.get_absl_logger().addFilter(record_filter)
  logging.getLogger("tensorflow").addFilter(record_filter)


def grow_gpu_memory() -> None:
  """Lets TensorFlow take GPU memory as it needs it, not all of it at once:
  several processes of one job (a launcher that checks the export, Beam's
  workers) then share a GPU. Call before TensorFlow touches the GPU."""
  import tensorflow as tf

  for gpu in tf.config.list_physical_devices("GPU"):
    try:
      tf.config.experimental.set_memory_growth(gpu, True)
    except RuntimeError:  # already initialised: nothing left to change
      pass


_configure()
