"""Config dataclasses as absl flags, after flax's `config_flags`.

An entry point names the fields of a frozen config dataclass that get a flag;
`define_flags` defines one absl flag per name. The flag parses the field's
annotation (int, float, str, bool, Optional[one of those]). Its help is the
field's `metadata["help"]` (`common.config_checks.field`), and its default is
the config's value, so --help shows real numbers. `ConfigFlags.apply`
returns the config with the fields the user gave, validated. A new field
then takes one file: its dataclass.

Also here: nested configs flattened to dotted paths (`model.z_dim`),
`with_overrides`, and `load_config_file` for `--config=path/to/file.py`.
Pure Python and absl; of ours it imports only `common`.
"""

import dataclasses
import importlib.util
import os
import types
import typing
from typing import Any, Dict, List, Mapping, Optional, Sequence

from absl import flags

from common.errors import ConfigError, UserError

# The flags defined here belong to the entry point that asks for them: absl
# files a flag under the first calling module that has not disclaimed, and
# `common.cli.help_text` lists the entry module's flags.
flags.disclaim_key_flags()


@dataclasses.dataclass(frozen=True)
class Field:
  """One leaf of a config tree, as a flag sets it.

  Attributes:
    path: Dotted path from the root config, e.g. `beta1` or `model.z_dim`.
    type: The annotation: int, float, bool, str or Optional[one of them].
    help: The field's `metadata["help"]`; "" when it has none.
  """

  path: str
  type: Any
  help: str


def config_fields(cls, prefix: str = "") -> List[Field]:
  """Every leaf field of dataclass `cls`, nested dataclasses flattened."""
  hints = typing.get_type_hints(cls)
  result = []
  for spec in dataclasses.fields(cls):
    kind = hints[spec.name]
    if dataclasses.is_dataclass(kind):
      result += config_fields(kind, f"{prefix}{spec.name}.")
    else:
      result.append(
        Field(prefix + spec.name, kind, spec.metadata.get("help", ""))
      )
  return result


def value_at(config, path: str) -> Any:
  """The value of dotted `path` in `config`."""
  for name in path.split("."):
    config = getattr(config, name)
  return config


def with_overrides(config, overrides: Mapping[str, Any], _prefix: str = ""):
  """Returns `config` with dotted-path `overrides` applied, then validated.

  Args:
    config: A frozen config dataclass.
    overrides: {"beta1": 0.3, "model.z_dim": 64}; a nested dict
      ({"model": {"z_dim": 64}}) works too.

  Raises:
    ConfigError: An unknown field. A value that a config's __post_init__
      refuses raises what that config raises.
  """
  direct, nested = {}, {}
  for path, value in overrides.items():
    head, _, rest = path.partition(".")
    if rest:
      nested.setdefault(head, {})[rest] = value
    else:
      direct[head] = value
  known = {f.name: f for f in dataclasses.fields(config)}
  for name in list(direct) + list(nested):
    if name not in known:
      raise ConfigError(
        f"unknown config field '{_prefix}{name}'; "
        f"{type(config).__name__} has "
        f"{', '.join(sorted(known))}"
      )
  for name, value in list(direct.items()):
    if isinstance(value, dict) and dataclasses.is_dataclass(
      getattr(config, name)
    ):
      nested.setdefault(name, {}).update(direct.pop(name))
  for name, sub in nested.items():
    child = getattr(config, name)
    if not dataclasses.is_dataclass(child):
      raise ConfigError(
        f"config field '{_prefix}{name}' has no fields ({', '.join(sub)})"
      )
    direct[name] = with_overrides(child, sub, f"{_prefix}{name}.")
  return dataclasses.replace(config, **direct)


def load_config_file(path: str, flag: str = "--config") -> Any:
  """Runs the Python file `path` and returns what its get_config() returns.

  Raises:
    ConfigError: `FLAG=PATH: ...`, whatever failed: a missing file, or any
      exception of the file's own code (the user's: a bad input, one line).
  """
  if not os.path.isfile(path):
    raise ConfigError(f"{flag}={path}: no such file")
  spec = importlib.util.spec_from_file_location("_config_file", path)
  module = importlib.util.module_from_spec(spec)
  try:
    spec.loader.exec_module(module)
    return module.get_config()
  except UserError as e:
    raise ConfigError(f"{flag}={path}: {e}") from e
  except Exception as e:
    raise ConfigError(f"{flag}={path}: {type(e).__name__}: {e}") from e


def flag_names(
  cls, prefix: str = "config.", aliases: Sequence[str] = ()
) -> Dict[str, str]:
  """{flag name: field path}: PREFIX+PATH for every field of `cls`, then a
  short flag for each path in `aliases`, named as the path's last part
  (`model.image_size` gives `--image_size`)."""
  names = {prefix + f.path: f.path for f in config_fields(cls)}
  for path in aliases:
    if path not in names.values():
      # A developer error, raised at import.
      raise TypeError(f"alias of unknown field {path!r} of {cls.__name__}")
    names[path.rpartition(".")[2]] = path
  return names


class _OptionalParser(flags.ArgumentParser):
  """Optional[T]: `None` (or nothing) unsets the field, else T's parser."""

  def __init__(self, parser: flags.ArgumentParser):
    self._parser = parser

  def parse(self, argument):
    if argument is None or argument in ("", "None"):
      return None
    return self._parser.parse(argument)

  def flag_type(self):
    return f"{self._parser.flag_type()} or None"


_PARSERS = {
  int: flags.IntegerParser,
  float: flags.FloatParser,
  str: flags.ArgumentParser,
}


def _define(
  field: Field,
  name: str,
  default,
  help_string: str,
  flag_values: flags.FlagValues,
) -> flags.FlagHolder:
  """An absl flag parsing `field`'s type."""
  if field.type is bool:
    return flags.DEFINE_bool(
      name, default, help_string, flag_values=flag_values
    )
  kind, optional = field.type, False
  # Optional[T] and T | None.
  if typing.get_origin(kind) in (typing.Union, types.UnionType):
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    kind, optional = args[0], len(args) == 1
  if kind not in _PARSERS:
    # A developer error, raised at import: a new field type needs a parser.
    raise TypeError(f"config field {field.path}: no flag parser for {kind}")
  parser = _PARSERS[kind]()
  if optional:
    parser = _OptionalParser(parser)
  return flags.DEFINE(
    parser,
    name,
    default,
    help_string,
    flag_values=flag_values,
    serializer=flags.ArgumentSerializer(),
  )


def define_flags(
  config,
  names: Mapping[str, str],
  note: str = "",
  helps: Optional[Mapping[str, str]] = None,
  flag_values: flags.FlagValues = flags.FLAGS,
) -> "ConfigFlags":
  """Defines a flag per {name: field path} of `config`; see the module doc.

  Args:
    config: A config dataclass instance; its values are the defaults.
    names: {flag name: dotted field path}, e.g. from `flag_names`. The first
      name of a path shows the field's help, later ones (aliases) refer to
      it.
    note: A sentence appended to every flag's help.
    helps: {flag name: help} for a flag whose field's own help does not fit
      this command (a nested config's field that the command uses its own
      way).
    flag_values: Where to define them (tests pass their own FlagValues).
  """
  helps = helps or {}
  fields = {f.path: f for f in config_fields(type(config))}
  holders: Dict[str, List[flags.FlagHolder]] = {}
  for name, path in names.items():
    if path not in fields:
      raise TypeError(
        f"--{name}: {type(config).__name__} has no field {path!r}"
      )
    first = holders.get(path)
    text = helps.get(name) or (
      f"Same as --{first[0].name}." if first else fields[path].help
    )
    holders.setdefault(path, []).append(
      _define(
        fields[path],
        name,
        value_at(config, path),
        f"{text} {note}".strip(),
        flag_values,
      )
    )
  return ConfigFlags(holders, flag_values)


class ConfigFlags:
  """The flags `define_flags` made for one config, read after parsing."""

  def __init__(
    self,
    holders: Dict[str, List[flags.FlagHolder]],
    flag_values: flags.FlagValues,
  ):
    self._holders = holders
    self._flag_values = flag_values

  def _given(self, path: str) -> List[flags.FlagHolder]:
    return [h for h in self._holders[path] if self._flag_values[h.name].present]

  def overrides(self) -> Dict[str, Any]:
    """{path: value} of the fields whose flags were given.

    A field not given keeps the value of the config it is applied to, which
    may not be the one whose values the flags show as defaults.

    Raises:
      ConfigError: A field given twice (an alias and its --config.PATH) with
        two values.
    """
    overrides = {}
    for path in self._holders:
      given = self._given(path)
      if len({repr(h.value) for h in given}) > 1:
        raise ConfigError(
          " and ".join(f"--{h.name}={h.value}" for h in given)
          + " disagree; give one"
        )
      if given:
        overrides[path] = given[0].value
    return overrides

  def apply(self, config):
    """`config` with the given fields set and validated.

    Raises:
      UserError: What the config raises, its message's leading `FIELD=`
        turned into the flag the user gave (`--batch_size=`), or the
        disagreement of `overrides`.
    """
    overrides = self.overrides()
    try:
      return with_overrides(config, overrides)
    except UserError as e:
      raise type(e)(self._name_flag(str(e))) from None

  def _name_flag(self, message: str) -> str:
    # The checks start with FIELD=VALUE (common.config_checks). A nested
    # config knows only its own part of the path: `steps`, not
    # `search.steps`; full paths are tried first.
    given = {path: self._given(path) for path in self._holders}
    for key in (lambda p: p, lambda p: p.rpartition(".")[2]):
      for path, holders in given.items():
        if holders and message.startswith(f"{key(path)}="):
          return f"--{holders[0].name}{message[len(key(path)) :]}"
    return message


def values(*holders) -> Dict[str, Any]:
  """{name: value} of absl flag holders, for a library call's keywords."""
  return {holder.name: holder.value for holder in holders}
