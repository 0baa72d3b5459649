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

from common import cli
from inpainting import commands, completion_flags

_FLAGS = completion_flags.define(
  images_help="Image file, folder or glob, or tfrecord:GLOB.",
  mask_help="Mask spec(s) as dcgan-complete's, or dir:FOLDER.",
  out_help="Output directory: new, empty, or an earlier run's.",
)
_WORKERS = flags.DEFINE_integer(
  "workers", 1, "DirectRunner worker processes (one model each)."
)

PROG = "dcgan-complete-bulk"


def main(argv):
  commands.complete_bulk(argv, _FLAGS.options(), _WORKERS.value, PROG)


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
