"""What a training run can check before TensorFlow loads.

`dcgan-train` calls `resolve_config` first, so a bad preset, value, data set
spec, TF_CONFIG or workdir costs a second, not the TensorFlow import.
"""

import json
from typing import Sequence

from absl import logging

from common.errors import ConfigError
from training import config as config_lib
from training import data_sources, tf_config
from training import workdir as workdir_lib

# --config.PATH for every field, and the short flags that scripts and the
# README use: --NAME sets the field whose path ends in NAME (--image_size:
# model.image_size).
ALIASES = (
  "dataset",
  "tfds_data_dir",
  "batch_size",
  "max_steps",
  "learning_rate",
  "seed",
  "checkpoint_every",
  "sample_every",
  "log_every",
  "deterministic",
  "mixed_precision",
  "strategy",
  "tpu",
  "collective_timeout_s",
  "model.image_size",
  "model.channels",
)


def resolve_config(
  argv: Sequence[str], spec: str, overrides, workdir: str
) -> config_lib.TrainConfig:
  """The run's config: preset or file `spec`, then the flags' `overrides`;
  logs it as one line.

  Args:
    argv: absl's remaining arguments; the program's name alone.
    spec: `--config`: a preset name or a path to a .py config file.
    overrides: The entry point's `common.config_flags.ConfigFlags`; its
      errors name the flag the user gave.
    workdir: `--workdir`; refused if it holds a run of another config.

  Raises:
    ConfigError, DataError, WorkdirError: Naming the flag, file or field.
  """
  if len(argv) > 1:
    raise ConfigError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not workdir:
    raise ConfigError("--workdir is required")
  config = overrides.apply(config_lib.load_config(spec))
  data_sources.check_dataset_spec(config.dataset)
  # A malformed TF_CONFIG is an error whatever the strategy: `auto` would
  # otherwise quietly train alone.
  tf_config.check_tf_config(required=config.strategy == "multi_worker")
  workdir_lib.check_workdir(config, workdir)
  # One line, so `grep 'Config:'` over many runs' logs lines them up.
  logging.info(
    "Config (--config=%s): %s",
    spec,
    json.dumps(config.to_dict(), sort_keys=True),
  )
  return config
