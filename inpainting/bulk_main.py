r"""Completes many images with an export, as an Apache Beam pipeline.

  dcgan-complete-bulk --model_dir=E --images='photos/**/*.png' --out=O
  dcgan-complete-bulk --model_dir=E --images=tfrecord:'shards/*.tfrecord' \
      --mask=random:0.5 --out=O --workers=2
  dcgan-complete-bulk --model_dir=gs://B/export --images='gs://B/in/*.png' \
      --out=gs://B/out -- --runner=DataflowRunner --project=P --region=R \
      --temp_location=gs://B/tmp --sdk_container_image=IMAGE

The same completion as dcgan-complete (same masks, search flags and output
names: an image gets the same PNGs from both), on the DirectRunner (--workers
processes, one model each) or any Beam runner given after `--`. --mask takes
dcgan-complete's specs, or dir:FOLDER for FOLDER/NAME.png per image (the
image's own size). TFRecord inputs hold tf.train.Examples with image/encoded
(and image/filename, else the image is named by its content's hash).

Writes blended/, completed/, uncertainty/ (with --full_resolution also
full_resolution/) NAME.png, manifest.jsonl (one line per image: input,
outputs, loss, steps, seconds) and failed.jsonl (input and reason: an image
that cannot be decoded or completed never sinks its batch). Rerun the same
command into the same --out to complete only what is missing: a finished
file is never rewritten. Exits non-zero only when nothing could be
completed or the export cannot be loaded.
"""

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

from absl import flags

from common import cli, config_flags
from inpainting import commands
from inpainting.search_config import SearchConfig

_MODEL_DIR = flags.DEFINE_string("model_dir", None, "Export dir (required).")
_VERSION = flags.DEFINE_integer("version", None, "Model version (latest).")
_IMAGES = flags.DEFINE_string(
  "images", None, "Image file, folder or glob, or tfrecord:GLOB."
)
_MASK = flags.DEFINE_list(
  "mask", ["center"], "Mask spec(s) as dcgan-complete's, or dir:FOLDER."
)
_OUT = flags.DEFINE_string(
  "out", None, "Output directory: new, empty, or an earlier run's."
)
_SEARCH = config_flags.define_flags(
  SearchConfig(), {name: name for name in commands.SEARCH_FLAGS}
)
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Images per call.")
_WORKERS = flags.DEFINE_integer(
  "workers", 1, "DirectRunner worker processes (one model each)."
)
_FULL_RESOLUTION = flags.DEFINE_bool(
  "full_resolution", False, "Also write full_resolution/NAME.png."
)

PROG = "dcgan-complete-bulk"


def main(argv):
  _SEARCH.apply(SearchConfig())  # refuses a bad value before TensorFlow
  commands.complete_bulk(
    argv,
    _SEARCH.overrides(),
    prog=PROG,
    **config_flags.values(
      _MODEL_DIR,
      _VERSION,
      _IMAGES,
      _MASK,
      _OUT,
      _BATCH_SIZE,
      _WORKERS,
      _FULL_RESOLUTION,
    ),
  )


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
