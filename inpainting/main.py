r"""Completes images with exported DCGAN SavedModels (Yeh et al. 2017).

  dcgan-complete --model_dir=/tmp/export --images='photos/*.png' \
      --mask=center --out=/tmp/completed
  dcgan-complete --model_dir=E --images=one.png --mask=file:hole.png --out=O

Masks (one, or a comma-separated list cycled over the images): center[:SCALE],
random[:FRACTION], half[:left|right|top|bottom], grid[:PERIOD],
irregular[:STROKES], file:PATH (black = missing). Writes completed/, blended/,
generated/, masks/, figure.png and metrics.json (PSNR/SSIM against the input
image, in the hole and overall) to --out.
"""

import sys

from inpainting import cpu_env  # noqa: F401  (must precede TensorFlow)

from absl import app
from absl import flags
from absl import logging

_MODEL_DIR = flags.DEFINE_string(
    "model_dir", None, "Export dir holding generator/ and discriminator/.")
_VERSION = flags.DEFINE_integer("version", None, "Model version (latest).")
_IMAGES = flags.DEFINE_string("images", None, "Image file, folder or glob.")
_MASK = flags.DEFINE_list("mask", ["center"], "Mask spec(s), see above.")
_OUT = flags.DEFINE_string("out", None, "Output directory.")
_STEPS = flags.DEFINE_integer("steps", None, "Adam steps on z.")
_RESTARTS = flags.DEFINE_integer("restarts", None, "Starting points per image.")
_AVERAGE_BEST = flags.DEFINE_integer(
    "average_best", None, "Average G(z) over this many best restarts "
    "(1: the best alone, sharp; more: blurrier, higher PSNR).")
_PRIOR_WEIGHT = flags.DEFINE_float("prior_weight", None, "lambda (0.003).")
_LEARNING_RATE = flags.DEFINE_float("learning_rate", None, "Adam step size.")
_POOL_SIZE = flags.DEFINE_integer(
    "pool_size", None, "Random z ranked to pick starts (0: random starts).")
_SEED = flags.DEFINE_integer("seed", None, "Seed of the search and masks.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Images per call.")
_METRICS = flags.DEFINE_bool(
    "metrics", True, "Score against the input (when its hole is intact).")

PROG = "dcgan-complete"


def main(argv):
  import dataclasses  # pylint: disable=import-outside-toplevel
  from inpainting import complete, saved_models, search  # pylint: disable=import-outside-toplevel
  from inpainting.errors import InputError  # pylint: disable=import-outside-toplevel
  try:
    if len(argv) > 1:
      raise InputError(f"unexpected arguments: {' '.join(argv[1:])}")
    for flag in (_MODEL_DIR, _IMAGES, _OUT):
      if not flag.value:
        raise InputError(f"--{flag.name} is required")
    overrides = {name: flag.value for name, flag in (
        ("steps", _STEPS), ("restarts", _RESTARTS),
        ("average_best", _AVERAGE_BEST),
        ("prior_weight", _PRIOR_WEIGHT), ("learning_rate", _LEARNING_RATE),
        ("pool_size", _POOL_SIZE), ("seed", _SEED)) if flag.value is not None}
    for name in ("steps", "restarts", "average_best"):
      if overrides.get(name, 1) < 1:
        raise InputError(f"--{name} must be >= 1")
    config = dataclasses.replace(search.SearchConfig(), **overrides)
    gan = saved_models.load_exported_gan(_MODEL_DIR.value, _VERSION.value)
    report = complete.complete_files(gan, _IMAGES.value, _MASK.value,
                                     _OUT.value, config, _METRICS.value,
                                     _BATCH_SIZE.value)
  except InputError as e:
    print(f"{PROG}: error: {e}", file=sys.stderr)
    sys.exit(2)
  mean = report.get("mean")
  if mean:
    logging.info("hole PSNR %.2f dB, hole SSIM %.3f over %d images",
                 mean["hole_psnr"], mean["hole_ssim"], len(report["images"]))
  print(f"Wrote {len(report['images'])} completions to {_OUT.value}")


def run():
  app.run(main)


if __name__ == "__main__":
  run()
