r"""The offline demo: `make demo`, or `dcgan-demo --workdir=runs/demo`.

Trains mnist32 on the embedded digits (resuming if WORKDIR/train has a
checkpoint), exports SavedModels, completes held-out digits under center,
random, half and irregular masks, compares with Telea, Navier-Stokes and
biharmonic inpainting, and writes WORKDIR/report/report.md. A rerun replaces
only the report files the demo writes (report.md, report.json, details.json,
figure.png); anything else in WORKDIR/report is left alone.
"""

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

from absl import flags

from common import cli, config_flags
from common.errors import ConfigError
from demo import config as config_lib

_WORKDIR = flags.DEFINE_string(
  "workdir", "runs/demo", "Where everything goes: train/, export/, report/."
)
# DemoConfig's fields, defaults and help; its checks name these flags.
_FIELDS = config_flags.define_flags(
  config_lib.DemoConfig(),
  {
    "train_steps": "train_steps",
    "encoder_steps": "encoder_steps",
    "images_per_digit": "images_per_digit",
    "search_steps": "search.steps",
  },
  helps={
    "search_steps": "Adam steps on z per image and restart (0: the "
    "start alone)."
  },
)

PROG = "dcgan-demo"


def main(argv):
  if len(argv) > 1:
    raise ConfigError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = _FIELDS.apply(config_lib.DemoConfig())
  config_lib.check_workdir(_WORKDIR.value)
  from demo import run

  path = run.run_demo(_WORKDIR.value, config)
  print(f"Report: {path}")


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
