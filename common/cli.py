"""What every entry point shares: one error line, exit 2, absl parsing, help.

Pure Python (absl only), so a bad flag fails before TensorFlow loads. The
promise to users: an ordinary mistake prints exactly one line
`PROG: error: ...` naming the flag or file, exits with status 2, and never
shows a traceback.
"""

import sys

from absl import app, flags

from common.errors import UserError

USAGE_ERROR = 2
INTERRUPTED = 128 + 2  # the shell's status for a command killed by SIGINT
# absl's short-help spellings. Its own --help lists the flags of the *main*
# module, which for a console script is the generated wrapper (so only "Try
# --helpfull"), and exits 1; we answer these ourselves.
_HELP_ARGS = ("--help", "-help", "--helpshort", "-helpshort", "-?", "--?")


def fail(prog: str, message) -> None:
  """Prints `prog: error: message` on one line and exits with status 2."""
  print(f"{prog}: error: {' '.join(str(message).split())}", file=sys.stderr)
  sys.exit(USAGE_ERROR)


def help_text(prog: str, module_name: str) -> str:
  """The entry module's docstring and its own flags, for `PROG --help`.

  Args:
    prog: The command's name, for the usage line.
    module_name: `main.__module__` of the entry point: `training.main` under
      a console script, `__main__` under `python -m` (absl files the flags
      of `__main__` under sys.argv[0]; `module_help` maps it the same way).
  """
  doc = (sys.modules[module_name].__doc__ or "").strip("\n")
  flag_help = flags.FLAGS.module_help(module_name)
  # The first line of module_help names the module (a path under python -m):
  # noise to a user who typed a command name.
  flag_help = flag_help.split("\n", 2)[-1] if flag_help else ""
  return (
    f"USAGE: {prog} [flags]\n\n{doc}\n\nflags:\n{flag_help}\n\n"
    "Try --helpfull to get a list of all flags (absl's too).\n"
  )


def _wants_help(argv) -> bool:
  args = argv[1 : argv.index("--")] if "--" in argv else argv[1:]
  return any(arg in _HELP_ARGS for arg in args)


def run(prog: str, main) -> None:
  """app.run(main), with absl's multi-line flag-parsing errors (a bad value,
  an unknown flag) and any `UserError` that `main` raises reported as our
  one line (exit 2), and `--help` listing this command's flags (exit 0)."""

  def parse_flags(argv):
    if _wants_help(argv):
      sys.stdout.write(help_text(prog, main.__module__))
      sys.exit(0)
    try:
      return flags.FLAGS(argv)
    except flags.Error as e:
      fail(prog, e)

  def interruptible(argv):
    # Ctrl-C before a command installs its own handler (dcgan-train saves
    # a checkpoint), or in one that has none: what is written is written
    # whole or not at all, so a line says so, not a traceback.
    try:
      return main(argv)
    except UserError as e:
      fail(prog, e)
    except KeyboardInterrupt:
      print(f"{prog}: interrupted", file=sys.stderr)
      sys.exit(INTERRUPTED)

  app.run(interruptible, flags_parser=parse_flags)
