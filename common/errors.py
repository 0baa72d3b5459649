"""The one base of every error a command reports as a line, not a traceback.

Every entry point catches `UserError` alone (`common.cli.run`) and prints
`PROG: error: MESSAGE`, exit 2. A subclass says which kind of input was
wrong; its message names the flag or file.
"""


class UserError(Exception):
  """A mistake in the user's input that the message explains in one line."""


class ConfigError(UserError, ValueError):
  """A flag or config value that cannot be used; names it."""


class InputError(UserError, ValueError):
  """A model dir, image, mask or flag that cannot be used; names it."""


class WorkdirError(UserError, ValueError):
  """A workdir that holds an incompatible or unreadable run; names it."""
