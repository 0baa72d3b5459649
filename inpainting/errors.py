"""Errors that completion reports as one line, without a traceback."""


class InputError(ValueError):
  """A model dir, image, mask or flag that cannot be used; names it."""
