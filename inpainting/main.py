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
uncertainty/ (the restarts' and views' per-pixel spread in the hole), all at the
model's size and keeping the inputs' paths relative to the --images folder
or the glob's directory, with --full_resolution also full_resolution/ (each
input at its own size with only the hole replaced), figure.png and
metrics.json (PSNR/SSIM against the input image, in the hole and overall) as
a new --out directory: --out must not exist or be empty, and lie outside the
folder --images reads. A killed run leaves --out as it was. Every path may be
any TensorFlow file system's (gs://bucket/..., file://..., ...).
"""

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

from absl import flags

from common import cli
from inpainting import commands, completion_flags

_FLAGS = completion_flags.define(
  images_help="Image file, folder or glob.",
  mask_help="Mask spec(s), see above.",
  out_help="Output directory; must be new or empty.",
)
_METRICS = flags.DEFINE_bool(
  "metrics", True, "Score against the input (when its hole is intact)."
)

PROG = "dcgan-complete"


def main(argv):
  commands.complete(argv, _FLAGS.options(), _METRICS.value)


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
