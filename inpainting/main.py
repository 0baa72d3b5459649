r"""Completes images with exported DCGAN SavedModels (Yeh et al. 2017).

  dcgan-complete --model_dir=/tmp/export --images='photos/*.png' \
      --mask=center --out=/tmp/completed
  dcgan-complete --model_dir=E --images=one.png --mask=file:hole.png --out=O

Masks (one, or a comma-separated list cycled over the images): center[:SCALE],
random[:FRACTION], half[:left|right|top|bottom], grid[:PERIOD],
irregular[:STROKES] (at most 64), file:PATH (black = missing; any size: it
is centre-cropped and resized like the images, so a mask drawn on the photo
works). Images of any size are completed in their centred square, resized to
the model's size. Writes completed/, blended/, generated/, masks/ and
uncertainty/ (the restarts' per-pixel spread in the hole), all at the
model's size and keeping the inputs' paths relative to the --images folder
or the glob's directory, with --full_resolution also full_resolution/ (each
input at its own size with only the hole replaced), figure.png and
metrics.json (PSNR/SSIM against the input image, in the hole and overall) as
a new --out directory: --out must not exist or be empty, and lie outside the
folder --images reads. A killed run leaves --out as it was. Every path may be
any TensorFlow file system's (gs://bucket/..., file://..., ...).
"""


from common import tf_env  # noqa: F401  (must precede TensorFlow)

from absl import flags
from absl import logging

from common import cli
from common import files, masks
from inpainting import image_io
from common.errors import InputError
from inpainting.search_config import POOL_START_DEFAULTS, SearchConfig
from inpainting.search_config import default_config

# The search flags' defaults are SearchConfig's, so --help shows them.
_DEFAULTS = SearchConfig()

_MODEL_DIR = flags.DEFINE_string(
    "model_dir", None, "Export dir holding generator/ and discriminator/.")
_VERSION = flags.DEFINE_integer("version", None, "Model version (latest).")
_IMAGES = flags.DEFINE_string("images", None, "Image file, folder or glob.")
_MASK = flags.DEFINE_list("mask", ["center"], "Mask spec(s), see above.")
_OUT = flags.DEFINE_string(
    "out", None, "Output directory; must be new or empty.")
_STEPS = flags.DEFINE_integer(
    "steps", _DEFAULTS.steps, "Adam steps on z (exports without an encoder: "
    f"{POOL_START_DEFAULTS['steps']}).")
_RESTARTS = flags.DEFINE_integer("restarts", _DEFAULTS.restarts,
                                 "Starting points per image.")
_AVERAGE_BEST = flags.DEFINE_integer(
    "average_best", _DEFAULTS.average_best, "Average G(z) over this many "
    "best restarts (1: the best alone, sharp; more: blurrier, higher PSNR).")
_PRIOR_WEIGHT = flags.DEFINE_float(
    "prior_weight", _DEFAULTS.prior_weight,
    "lambda of the prior loss (exports without an encoder: Yeh et al.'s "
    f"{POOL_START_DEFAULTS['prior_weight']}; 0: none, no discriminator).")
_LEARNING_RATE = flags.DEFINE_float(
    "learning_rate", _DEFAULTS.learning_rate, "Adam step size on z (exports "
    f"without an encoder: {POOL_START_DEFAULTS['learning_rate']}).")
_POOL_SIZE = flags.DEFINE_integer(
    "pool_size", _DEFAULTS.pool_size,
    "Random z ranked with the encoder's to pick starts (exports without an "
    f"encoder: {POOL_START_DEFAULTS['pool_size']}; 0: none).")
_SEED = flags.DEFINE_integer("seed", _DEFAULTS.seed,
                             "Seed of the search and masks.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Images per call.")
_METRICS = flags.DEFINE_bool(
    "metrics", True, "Score against the input (when its hole is intact).")
_FULL_RESOLUTION = flags.DEFINE_bool(
    "full_resolution", False, "Also write full_resolution/NAME.png: each "
    "input at its own size, only the hole replaced by the blended "
    "completion (upsampled).")

PROG = "dcgan-complete"
# SearchConfig fields that have a flag of the same name.
_SEARCH_FLAGS = (_STEPS, _RESTARTS, _AVERAGE_BEST, _PRIOR_WEIGHT,
                 _LEARNING_RATE, _POOL_SIZE, _SEED)


def check_flags(argv):
  """Checks everything that needs no TensorFlow, so a typo fails at once.

  Raises:
    InputError: naming the flag or file.
  """
  if len(argv) > 1:
    raise InputError(f"unexpected arguments: {' '.join(argv[1:])}")
  for flag in (_MODEL_DIR, _IMAGES, _OUT):
    if not flag.value:
      raise InputError(f"--{flag.name} is required")
  if _BATCH_SIZE.value < 1:
    raise InputError(f"--batch_size={_BATCH_SIZE.value} must be an integer "
                     ">= 1")
  if _VERSION.value is not None and _VERSION.value < 1:
    raise InputError(f"--version={_VERSION.value} must be an integer >= 1")
  # files: a URL (gs://...) is checked on its own file system.
  if not files.isdir(_MODEL_DIR.value):
    problem = ("not a directory" if files.exists(_MODEL_DIR.value)
               else "no such directory")
    raise InputError(f"--model_dir={_MODEL_DIR.value}: {problem}")
  masks.parse_specs(_MASK.value)
  image_io.check_out_dir(_OUT.value, image_io.find_image_files(_IMAGES.value))


def search_config():
  """SearchConfig from the search flags (before TensorFlow loads); its
  errors name the flag."""
  try:
    return SearchConfig(**{flag.name: flag.value for flag in _SEARCH_FLAGS})
  except InputError as e:
    # SearchConfig says "FIELD=VALUE ..."; the flag of a field has its name.
    raise InputError(f"--{e}") from None


def main(argv):
  config = search_config()
  check_flags(argv)
  from inpainting import complete, saved_models  # pylint: disable=import-outside-toplevel
  gan = saved_models.load_exported_gan(_MODEL_DIR.value, _VERSION.value)
  # Fields the user did not set take the defaults for this export.
  config = default_config(gan.encode is not None, **{
      flag.name: flag.value for flag in _SEARCH_FLAGS if flag.present})
  report = complete.complete_files(gan, _IMAGES.value, _MASK.value,
                                   _OUT.value, config, _METRICS.value,
                                   _BATCH_SIZE.value,
                                   _FULL_RESOLUTION.value)
  mean = report.get("mean")
  if mean:
    logging.info("hole PSNR %.2f dB, hole SSIM %.3f over %d images",
                 mean["hole_psnr"], mean["hole_ssim"], len(report["images"]))
  print(f"Wrote {len(report['images'])} completions to {_OUT.value}")


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
