r"""Builds TensorFlow Serving requests for the completer from image files.

  python -m export.client_main --image=digit.png --mask=mask.png \
      --format=b64 > request.json
  curl -d @request.json http://localhost:8501/v1/models/completer:predict

  python -m export.client_main --image=digit.png --mask=mask.png \
      --format=columnar --steps=100 --restarts=1 --seed=7 > request.json

Formats: `b64` (REST, PNG bytes, signature complete_png), `instances` (REST
row format, float arrays, serving_default), `columnar` (REST columnar format,
float arrays plus --steps, --restarts and --seed, complete_options: its scalar
inputs have no batch dimension, so they cannot be sent as rows) and `grpc` (a
PredictRequest, printed as text; send it with a PredictionService stub; with
--steps, --restarts or --seed it calls complete_options; those three are
for columnar and grpc only, at most the export's --max_steps and
--max_restarts). Masks: black = missing. --size, when given, is checked
here; the server checks it anyway.

The files are checked before a request is built (PNG signature, chunks and
their CRCs, size and channels from the header): a bad one is one line
`export.client: error: ...` naming the flag and file, and exit 2. The
`b64` format needs neither NumPy nor TensorFlow at run time. From Python,
import the library instead: `from export import client`.
"""

from absl import flags

from common import cli
from export import client

# The tool's name in its error lines, as before the program left
# export/client.py.
PROG = "export.client"

_IMAGE = flags.DEFINE_string("image", None, "PNG image of the model's size.")
_MASK = flags.DEFINE_string("mask", None, "PNG mask: black = missing.")
_FORMATS = ["b64", "instances", "columnar", "grpc"]
_FORMAT = flags.DEFINE_enum("format", "b64", _FORMATS, "See above.")
# Sent with --format=columnar or grpc (complete_options), at most the
# export's --max_steps and --max_restarts.
_STEPS = flags.DEFINE_integer("steps", client.DEFAULT_STEPS, "Search steps.")
_RESTARTS = flags.DEFINE_integer(
  "restarts", client.DEFAULT_RESTARTS, "Search restarts."
)
_SEED = flags.DEFINE_integer("seed", client.DEFAULT_SEED, "Search seed.")
_OPTION_FLAGS = ("steps", "restarts", "seed")
_CHANNELS = flags.DEFINE_integer("channels", 1, "The model's channels: 1, 3.")
_SIZE = flags.DEFINE_integer(
  "size", None, "The model's image size, if given checked here."
)


def main(argv) -> None:
  # Only options the user gave: for grpc they switch to complete_options.
  options = {
    name: flags.FLAGS[name].value
    for name in _OPTION_FLAGS
    if flags.FLAGS[name].present
  }
  # A ClientError is a UserError: cli.run prints its one line, exit 2.
  client.check_program_flags(
    argv,
    _IMAGE.value,
    _MASK.value,
    _CHANNELS.value,
    _SIZE.value,
    _FORMAT.value,
    options,
  )
  client.check_options(_STEPS.value, _RESTARTS.value, _SEED.value)
  print(
    client.build_request(
      _IMAGE.value,
      _MASK.value,
      _FORMAT.value,
      _CHANNELS.value,
      _SIZE.value,
      **options,
    )
  )


def run() -> None:
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
