r"""The offline demo: `make demo`, or `dcgan-demo --workdir=runs/demo`.

Trains mnist32 on the embedded digits (resuming if WORKDIR/train has a
checkpoint), exports SavedModels, completes held-out digits under center,
random, half and irregular masks, compares with Telea, Navier-Stokes and
biharmonic inpainting, and writes WORKDIR/report/report.md.
"""

import dataclasses
import sys

from inpainting import cpu_env  # noqa: F401  (must precede TensorFlow)

from absl import app
from absl import flags

_WORKDIR = flags.DEFINE_string("workdir", "runs/demo", "Where everything goes.")
_TRAIN_STEPS = flags.DEFINE_integer("train_steps", None, "Training steps.")
_IMAGES_PER_DIGIT = flags.DEFINE_integer(
    "images_per_digit", None, "Held-out images per digit to complete (<= 50).")
_SEARCH_STEPS = flags.DEFINE_integer("search_steps", None, "Adam steps on z.")

PROG = "dcgan-demo"


def fail(message):
  print(f"{PROG}: error: {message}", file=sys.stderr)
  sys.exit(2)


def main(argv):
  # Flags are checked before the TensorFlow import that `demo.run` brings.
  if len(argv) > 1:
    fail(f"unexpected arguments: {' '.join(argv[1:])}")
  if (_IMAGES_PER_DIGIT.value is not None and
      not 1 <= _IMAGES_PER_DIGIT.value <= 50):
    fail("--images_per_digit must be in [1, 50]")
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


def run_cli():
  app.run(main)


if __name__ == "__main__":
  run_cli()
