r"""Trains a DCGAN; rerun the same command to resume from the last checkpoint.

  dcgan-train --config=mnist32 --workdir=/tmp/mnist32
  dcgan-train --config=tiny --config.model.z_dim=64 --config.beta1=0.3 \
      --batch_size=32 --workdir=W
  dcgan-train --config=my_config.py --workdir=W   # get_config() inside
  dcgan-train --config=celeba64 --workdir=W --dataset=tfds:celeb_a \
      --tfds_data_dir=~/tensorflow_datasets
  dcgan-train --config=mnist32 --workdir=W --dataset=folder:~/digits

  TF_CONFIG='{"cluster": {"worker": ["host1:2222", "host2:2222"]},
      "task": {"type": "worker", "index": 0}}' \
      dcgan-train --strategy=multi_worker --workdir=SHARED_DIR ...

Watch it with `tensorboard --logdir W`. SIGTERM or Ctrl-C saves a checkpoint
and exits 0; in a multi-worker job a SIGTERM or Ctrl-C to any worker makes all
of them checkpoint at the same step and exit with status 42 (restart and
resume).
"""

from common import tf_env  # noqa: F401  (must precede TensorFlow)

import json
import typing

from absl import flags
from absl import logging

from common import cli
from training import config as config_lib
from training import data_sources
from training import tf_config
from training import workdir as workdir_lib


_CONFIG = flags.DEFINE_string(
    "config", config_lib.DEFAULT_PRESET,
    f"A preset ({', '.join(sorted(config_lib.PRESETS))}) or a path to a .py "
    "file whose get_config() returns a TrainConfig or a dict of overrides of "
    f"{config_lib.DEFAULT_PRESET}. --config.FIELD=VALUE overrides one field "
    "(--config.model.z_dim=64). The defaults shown for the field flags are "
    f"{config_lib.DEFAULT_PRESET}'s; a field not given keeps the chosen "
    "preset's value.")
_WORKDIR = flags.DEFINE_string(
    "workdir", None,
    "Required. Checkpoints, TensorBoard events, config.json, samples.")

# The short flags that scripts and the README use: each sets one field, like
# its --config.PATH twin.
ALIASES = {
    "dataset": "dataset", "tfds_data_dir": "tfds_data_dir",
    "batch_size": "batch_size", "max_steps": "max_steps",
    "learning_rate": "learning_rate", "seed": "seed",
    "checkpoint_every": "checkpoint_every", "sample_every": "sample_every",
    "log_every": "log_every", "deterministic": "deterministic",
    "mixed_precision": "mixed_precision", "strategy": "strategy",
    "tpu": "tpu", "collective_timeout_s": "collective_timeout_s",
    "image_size": "model.image_size", "channels": "model.channels",
}


class _OptionalParser(flags.ArgumentParser):
  """Optional[T]: `None` (or nothing) unsets the field, else T's parser."""

  def __init__(self, parser):
    self._parser = parser

  def parse(self, argument):
    if argument is None or argument in ("", "None"):
      return None
    return self._parser.parse(argument)

  def flag_type(self):
    return f"{self._parser.flag_type()} or None"


_PARSERS = {int: flags.IntegerParser, float: flags.FloatParser,
            str: flags.ArgumentParser}


def _define_field_flag(name: str, field: config_lib.ConfigField,
                       default, help_string: str):
  """An absl flag parsing `field`'s type; its default is shown in --help."""
  if field.type is bool:
    return flags.DEFINE_bool(name, default, help_string)
  kind, optional = field.type, False
  if typing.get_origin(kind) is typing.Union:
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    kind, optional = args[0], len(args) == 1
  if kind not in _PARSERS:
    # A developer error, raised at import: a new field type needs a parser.
    raise TypeError(f"config field {field.path}: no flag parser for {kind}")
  parser = _PARSERS[kind]()
  if optional:
    parser = _OptionalParser(parser)
  return flags.DEFINE(parser, name, default, help_string,
                      serializer=flags.ArgumentSerializer())


def _define_config_flags():
  """--config.PATH for every TrainConfig/ModelConfig field, plus ALIASES.

  The flags' defaults are the default preset's values, so --help shows real
  numbers; a field is overridden only when its flag is given (`.present`),
  so another --config keeps its own values.
  """
  preset = config_lib.DEFAULT_PRESET
  default = config_lib.PRESETS[preset].to_dict()
  # absl prints a flag's default; say whose it is.
  origin = f"Default: the --config preset's ({preset}'s below)."
  alias_of = {path: name for name, path in ALIASES.items()}
  holders = {}
  for field in config_lib.config_fields():
    value = default
    for part in field.path.split("."):
      value = value[part]
    names = [f"config.{field.path}"]
    if field.path in alias_of:
      names.append(alias_of[field.path])
    holders[field.path] = [
        _define_field_flag(names[0], field, value, f"{field.doc} {origin}")]
    holders[field.path] += [
        _define_field_flag(alias, field, value,
                           f"Same as --{names[0]}. {origin}")
        for alias in names[1:]]
  return holders


_FIELD_FLAGS = _define_config_flags()

PROG = "dcgan-train"


def config_overrides():
  """{path: value} of the field flags given on the command line.

  Raises:
    ConfigError: A field set twice (alias and --config.PATH) to two values.
  """
  overrides = {}
  for path, holders in _FIELD_FLAGS.items():
    given = [h for h in holders if flags.FLAGS[h.name].present]
    if len({repr(h.value) for h in given}) > 1:
      raise config_lib.ConfigError(
          " and ".join(f"--{h.name}={h.value}" for h in given) +
          " disagree; give one")
    if given:
      overrides[path] = given[0].value
  return overrides


def resolve_config() -> config_lib.TrainConfig:
  """Flags -> TrainConfig; raises ConfigError/DataError before TF loads."""
  if not _WORKDIR.value:
    raise config_lib.ConfigError("--workdir is required")
  config = config_lib.with_overrides(config_lib.load_config(_CONFIG.value),
                                     config_overrides())
  data_sources.check_dataset_spec(config.dataset)
  # A malformed TF_CONFIG is an error whatever the strategy: `auto` would
  # otherwise quietly train alone.
  tf_config.check_tf_config(required=config.strategy == "multi_worker")
  workdir_lib.check_workdir(config, _WORKDIR.value)
  return config


def main(argv):
  if len(argv) > 1:
    raise config_lib.ConfigError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = resolve_config()
  # One line, so `grep 'Config:'` over many runs' logs lines them up.
  logging.info("Config (--config=%s): %s", _CONFIG.value,
               json.dumps(config.to_dict(), sort_keys=True))
  from training import train as train_lib  # pylint: disable=import-outside-toplevel
  result = train_lib.train(config, _WORKDIR.value)
  logging.info("Done at step %d%s; samples in %s/samples", result.step,
               f" and encoder step {result.encoder_step}"
               if result.encoder_step else "", _WORKDIR.value)


def run():
  """Console-script entry point."""
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
