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
--steps, --restarts or --seed it calls complete_options). Masks: black =
missing.

The files are checked before a request is built (PNG signature, chunks and
their CRCs, size and channels from the header): a bad one is one line
`export.client: error: ...` naming the flag and file, and exit 2. The
`b64` format needs neither NumPy nor TensorFlow at run time. From Python,
import the library instead: `from export import client`.
"""

from absl import flags

from common import cli
from export import client
from export.client import ClientError

# The tool's name in its error lines, as before the program left
# export/client.py.
PROG = "export.client"

_IMAGE = flags.DEFINE_string("image", None, "PNG image of the model's size.")
_MASK = flags.DEFINE_string("mask", None, "PNG mask: black = missing.")
_FORMAT = flags.DEFINE_enum(
  "format",
  "b64",
  ["b64", "instances", "columnar", "grpc"],
  "Request format: b64 (REST, PNG bytes, complete_png), instances (REST "
  "rows, serving_default), columnar (REST inputs, complete_options with "
  "--steps/--restarts/--seed), grpc (PredictRequest text).",
)
_STEPS = flags.DEFINE_integer(
  "steps",
  client.DEFAULT_STEPS,
  "Search steps (--format=columnar or grpc); at most the export's --max_steps.",
)
_RESTARTS = flags.DEFINE_integer(
  "restarts",
  client.DEFAULT_RESTARTS,
  "Search restarts (--format=columnar "
  "or grpc); at most the export's --max_restarts.",
)
_SEED = flags.DEFINE_integer(
  "seed", client.DEFAULT_SEED, "Search seed (--format=columnar or grpc)."
)
_OPTION_FLAGS = ("steps", "restarts", "seed")
_CHANNELS = flags.DEFINE_integer(
  "channels", 1, "Image channels of the model: 1 or 3."
)
_SIZE = flags.DEFINE_integer(
  "size",
  None,
  "Image size of the model; if set, the image must be "
  "SIZExSIZE (default: not checked; the server checks it).",
)


def check_flags(argv) -> None:
  """ClientError naming the first flag (or argument) that cannot be used."""
  if len(argv) > 1:
    raise ClientError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not _IMAGE.value or not _MASK.value:
    raise ClientError("--image and --mask are required")
  if _CHANNELS.value not in (1, 3):
    raise ClientError(f"--channels={_CHANNELS.value} must be 1 or 3")
  if _SIZE.value is not None and _SIZE.value < 1:
    raise ClientError(f"--size={_SIZE.value} must be >= 1")
  given = [name for name in _OPTION_FLAGS if flags.FLAGS[name].present]
  if given and _FORMAT.value not in ("columnar", "grpc"):
    # Silently dropping them would run a search the user did not ask for.
    raise ClientError(
      f"--{given[0]} applies to --format=columnar or grpc "
      f"(complete_options), not --format={_FORMAT.value}"
    )
  client.check_options(_STEPS.value, _RESTARTS.value, _SEED.value)


def main(argv) -> None:
  # A ClientError is a UserError: cli.run prints its one line, exit 2.
  check_flags(argv)
  # Only options the user gave: for grpc they switch to complete_options.
  options = {
    name: flags.FLAGS[name].value
    for name in _OPTION_FLAGS
    if flags.FLAGS[name].present
  }
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
