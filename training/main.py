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

# isort: split

from absl import flags

from common import cli, config_flags
from training import config as config_lib
from training import preflight

_PRESET = config_lib.DEFAULT_PRESET
_CONFIG = flags.DEFINE_string(
  "config",
  _PRESET,
  f"A preset ({', '.join(config_lib.PRESET_NAMES)}) or a path to a .py "
  "file whose get_config() returns a TrainConfig or a dict of overrides of "
  f"{_PRESET}. --config.FIELD=VALUE overrides one field "
  "(--config.model.z_dim=64). The defaults shown for the field flags are "
  f"{_PRESET}'s; a field not given keeps the chosen preset's value.",
)
_WORKDIR = flags.DEFINE_string(
  "workdir",
  None,
  "Required. Checkpoints, TensorBoard events, config.json, samples.",
)

_FIELDS = config_flags.define_flags(
  config_lib.PRESETS[_PRESET],
  config_flags.flag_names(config_lib.TrainConfig, aliases=preflight.ALIASES),
  note=f"Default: the --config preset's ({_PRESET}'s below).",
)

PROG = "dcgan-train"


def main(argv):
  config = preflight.resolve_config(
    argv, _CONFIG.value, _FIELDS, _WORKDIR.value
  )
  from training import train as train_lib

  train_lib.train(config, _WORKDIR.value)


def run():
  """Console-script entry point."""
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
