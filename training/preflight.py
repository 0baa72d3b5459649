"""What a training run can check before TensorFlow loads.

`dcgan-train` calls `resolve_config` first, so a bad preset, value, data set
spec, TF_CONFIG or workdir costs a second, not the TensorFlow import.
"""

from common.errors import ConfigError
from training import config as config_lib
from training import data_sources
from training import tf_config
from training import workdir as workdir_lib


def resolve_config(spec: str, overrides, workdir: str
                   ) -> config_lib.TrainConfig:
  """The run's config: preset or file `spec`, then the flags' `overrides`.

  Args:
    spec: `--config`: a preset name or a path to a .py config file.
    overrides: The entry point's `common.config_flags.ConfigFlags`; its
      errors name the flag the user gave.
    workdir: `--workdir`; refused if it holds a run of another config.

  Raises:
    ConfigError, DataError, WorkdirError: Naming the flag, file or field.
  """
  if not workdir:
    raise ConfigError("--workdir is required")
  config = overrides.apply(config_lib.load_config(spec))
  data_sources.check_dataset_spec(config.dataset)
  # A malformed TF_CONFIG is an error whatever the strategy: `auto` would
  # otherwise quietly train alone.
  tf_config.check_tf_config(required=config.strategy == "multi_worker")
  workdir_lib.check_workdir(config, workdir)
  return config
