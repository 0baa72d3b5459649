"""What `dcgan-export` can check before TensorFlow loads.

Pure Python (paths through `common.files`, which reads gs:// and file://
on their own file systems), so a bad flag fails at once, with nothing
written.
"""

from typing import Mapping, Optional, Sequence

from common import files
from common.errors import ConfigError

_INT32_MAX = 2**31 - 1
# The served completer's limits per request (export/request_checks.py
# ServingLimits): (flag, default, help); dcgan-export defines a flag each.
LIMIT_FLAGS = (
  ("max_batch", 64, "Served completer: most images (or PNGs) per request."),
  ("max_steps", 2000, "Served completer: largest `steps` of a request."),
  ("max_restarts", 16, "Served completer: largest `restarts` of a request."),
  ("max_png_bytes", 1 << 20, "Served completer: largest PNG, in bytes."),
)


def check_arguments(
  argv: Sequence[str],
  workdir: Optional[str],
  export_dir: Optional[str],
  version: Optional[int],
  limits: Mapping[str, int],
) -> None:
  """Refuses arguments, missing or bad flags, a workdir that is not one.

  Args:
    argv: absl's remaining arguments; the program's name alone.
    workdir, export_dir, version: The flags of the same names.
    limits: {flag name: value} of the served completer's limits (absl's own
      bound check would print several lines, so they are checked here).

  Raises:
    ConfigError: naming the flag.
  """
  if len(argv) > 1:
    raise ConfigError(f"unexpected arguments: {' '.join(argv[1:])}")
  for name, value in (("workdir", workdir), ("export_dir", export_dir)):
    if not value:
      raise ConfigError(f"--{name} is required")
  if not files.isdir(workdir):
    what = "not a directory" if files.exists(workdir) else "no such directory"
    raise ConfigError(f"--workdir={workdir}: {what}")
  if files.exists(export_dir) and not files.isdir(export_dir):
    raise ConfigError(f"--export_dir={export_dir}: not a directory")
  if version is not None and version < 1:
    raise ConfigError(f"--version={version} must be an integer >= 1")
  for name, value in limits.items():
    if not 1 <= value <= _INT32_MAX:
      raise ConfigError(
        f"--{name}={value} must be an integer between 1 and {_INT32_MAX}"
      )
