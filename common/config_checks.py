"""The schema side of a config dataclass: fields with help, checks of values.

Pure Python, so an entry point refuses a bad value before TensorFlow loads.
Every check raises `ConfigError("FIELD=VALUE must be ...")`: the message
starts with the field, so that `common.config_flags` can name the flag that
set it, and a test can match it.

Integers are refused when they are bools: Python counts True as 1, but
`steps=True` is a typo, not a count. NumPy integers and floats pass.
"""

import dataclasses
import math
import numbers
from typing import Any, Optional, Sequence

from common.errors import ConfigError


def field(default: Any, help: str) -> Any:
  """A dataclass field whose `help` is its documentation and its --help text.

  Args:
    default: The field's default (a frozen dataclass is fine: immutable).
    help: One or a few sentences; `common.config_flags` shows them.
  """
  return dataclasses.field(default=default, metadata={"help": help})


def is_int(value) -> bool:
  """An integer of Python or NumPy, but not a bool."""
  return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(name: str, value) -> None:
  """A count or size: an integer >= 1."""
  if not is_int(value) or value < 1:
    raise ConfigError(f"{name}={value!r} must be a positive integer")


def integer(
  name: str, value, low: Optional[int] = None, high: Optional[int] = None
) -> None:
  """An integer in [low, high]; the message states the bounds given."""
  if (
    is_int(value)
    and (low is None or value >= low)
    and (high is None or value <= high)
  ):
    return
  if low is not None and high is not None:
    wanted = f"in [{low}, {high}]"
  else:
    wanted = f">= {low}" if high is None else f"<= {high}"
  raise ConfigError(f"{name}={value!r} must be an integer {wanted}")


def _number(name: str, value, wanted: str, holds: bool) -> None:
  if not holds:
    raise ConfigError(f"{name}={value!r} must be a finite number {wanted}")


def _finite(value) -> bool:
  # math.isfinite first: nan fails every comparison, inf passes "> 0".
  return (
    isinstance(value, numbers.Real)
    and not isinstance(value, bool)
    and math.isfinite(value)
  )


def positive_number(name: str, value) -> None:
  """A finite number > 0 (a step size, a timeout)."""
  _number(name, value, "> 0", _finite(value) and value > 0)


def non_negative_number(name: str, value) -> None:
  """A finite number >= 0 (a weight that 0 turns off)."""
  _number(name, value, ">= 0", _finite(value) and value >= 0)


def fraction(name: str, value) -> None:
  """A finite number in [0, 1) (a decay, Adam's betas)."""
  _number(name, value, "in [0, 1)", _finite(value) and 0 <= value < 1)


def one_of(name: str, value, choices: Sequence) -> None:
  """One of `choices`, and of their kind: True is not the choice 1."""
  kind_ok = (
    is_int(value) if is_int(choices[0]) else isinstance(value, type(choices[0]))
  )
  if kind_ok and value in choices:
    return
  shown = [str(c) for c in choices]
  wanted = (
    " or ".join(shown) if len(choices) == 2 else f"one of {', '.join(shown)}"
  )
  raise ConfigError(f"{name}={value!r} must be {wanted}")


def mismatch(names: Sequence[str], earlier: dict, given: dict) -> str:
  """`a=1, b=2, not a=3, b=4`: what the settings `names` were in an earlier
  run's record and what this run gives, for the message that refuses it."""
  before = ", ".join(f"{name}={earlier.get(name)!r}" for name in names)
  now = ", ".join(f"{name}={given[name]!r}" for name in names)
  return f"{before}, not {now}"
