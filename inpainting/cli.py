"""What every entry point shares: one error line, exit 2, absl parsing.

Pure Python (absl only), so a bad flag fails before TensorFlow loads. The
promise to users: an ordinary mistake prints exactly one line
`PROG: error: ...` naming the flag or file, exits with status 2, and never
shows a traceback.
"""

import sys

from absl import app
from absl import flags

USAGE_ERROR = 2


def fail(prog: str, message) -> None:
  """Prints `prog: error: message` on one line and exits with status 2."""
  print(f"{prog}: error: {' '.join(str(message).split())}", file=sys.stderr)
  sys.exit(USAGE_ERROR)


def run(prog: str, main) -> None:
  """app.run(main), with absl's multi-line flag-parsing errors (a bad value,
  an unknown flag) reported as our one line."""

  def parse_flags(argv):
    try:
      return flags.FLAGS(argv)
    except flags.Error as e:
      fail(prog, e)

  app.run(main, flags_parser=parse_flags)
