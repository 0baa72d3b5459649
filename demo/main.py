r"""The offline demo: `make demo`, or `dcgan-demo --workdir=runs/demo`.

Trains mnist32 on the embedded digits (resuming if WORKDIR/train has a
checkpoint), exports SavedModels, completes held-out digits under center,
random, half and irregular masks, compares with Telea, Navier-Stokes and
biharmonic inpainting, and writes WORKDIR/report/report.md. A rerun replaces
only the report files the demo writes (report.md, report.json, details.json,
figure.png); anything else in WORKDIR/report is left alone.
"""

import dataclasses
import os

from common import tf_env  # noqa: F401  (must precede TensorFlow)

from absl import flags

from common import cli
from common.errors import ConfigError

# The defaults live in demo.run.DemoConfig, whose module loads TensorFlow, so
# the help states them; tests/test_help.py checks that they agree.
_WORKDIR = flags.DEFINE_string(
    "workdir", "runs/demo", "Where everything goes: train/, export/, report/.")
_TRAIN_STEPS = flags.DEFINE_integer(
    "train_steps", None, "Training steps of mnist32 (default: 1500).")
_IMAGES_PER_DIGIT = flags.DEFINE_integer(
    "images_per_digit", None,
    "Held-out images per digit to complete, <= 50 (default: 10).")
_SEARCH_STEPS = flags.DEFINE_integer(
    "search_steps", None, "Adam steps on z per image and restart "
    "(default: 20).")

PROG = "dcgan-demo"
# The held-out split keeps 50 images of each digit.
MAX_IMAGES_PER_DIGIT = 50
# What the demo creates under --workdir.
WORKDIR_PARTS = ("train", "export", "report")


def check_workdir(workdir: str):
  """Fails unless the demo can create its folders under `workdir`."""
  if not workdir:
    raise ConfigError("--workdir is required")
  for path in [workdir] + [os.path.join(workdir, p) for p in WORKDIR_PARTS]:
    if os.path.lexists(path) and not os.path.isdir(path):
      raise ConfigError(f"--workdir={workdir}: {path} exists and is not a directory")
  ancestor = os.path.abspath(workdir)
  while not os.path.lexists(ancestor):
    ancestor = os.path.dirname(ancestor)
  if not os.path.isdir(ancestor):
    raise ConfigError(f"--workdir={workdir}: {ancestor} is not a directory")


def check_flags(argv):
  """Checks the flags before the TensorFlow import that `demo.run` brings."""
  if len(argv) > 1:
    raise ConfigError(f"unexpected arguments: {' '.join(argv[1:])}")
  for flag in (_TRAIN_STEPS, _SEARCH_STEPS):
    if flag.value is not None and flag.value < 1:
      raise ConfigError(f"--{flag.name}={flag.value} must be an integer >= 1")
  if (_IMAGES_PER_DIGIT.value is not None and
      not 1 <= _IMAGES_PER_DIGIT.value <= MAX_IMAGES_PER_DIGIT):
    raise ConfigError(f"--images_per_digit={_IMAGES_PER_DIGIT.value} must be in "
         f"[1, {MAX_IMAGES_PER_DIGIT}]")
  check_workdir(_WORKDIR.value)


def main(argv):
  check_flags(argv)
  from demo import run  # pylint: disable=import-outside-toplevel
  config = run.DemoConfig()
  if _TRAIN_STEPS.value is not None:
    config = dataclasses.replace(config, train_steps=_TRAIN_STEPS.value)
  if _IMAGES_PER_DIGIT.value is not None:
    config = dataclasses.replace(config,
                                 images_per_digit=_IMAGES_PER_DIGIT.value)
  if _SEARCH_STEPS.value is not None:
    config = dataclasses.replace(config, search=dataclasses.replace(
        config.search, steps=_SEARCH_STEPS.value))
  path = run.run_demo(_WORKDIR.value, config)
  print(f"Report: {path}")


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
