"""Requests for the served completer, and its answers, as TF Serving's.

The library of `python -m export.client_main` (the command line), which
Python callers import: `from export import client`. It defines no flags.

Request formats: `rest_b64_request` (REST, PNG bytes, signature
complete_png; needs neither NumPy nor TensorFlow), `rest_instances_request`
(REST row format, float arrays, serving_default), `rest_columnar_request`
(REST columnar format, float arrays plus steps, restarts and seed,
complete_options: its scalar inputs have no batch dimension, so they cannot
be sent as rows) and `grpc_request` (a PredictRequest; with steps, restarts
or seed it calls complete_options). `build_request` makes any of them from
PNG files. Masks: black = missing.

`decode_rest_response` turns the server's JSON answer back into arrays and
bytes: string outputs named `*_bytes` (the PNGs of complete_png) arrive as
{"b64": ...}, as TF Serving writes them.

The files are checked before a request is built (PNG signature, chunks and
their CRCs, size and channels from the header): a bad one raises
ClientError, whose message names the flag and file.
"""

import base64
import json

from export.png_files import (  # noqa: F401  (ClientError: the API)
  ClientError,
  check_pair,
  png_info,
  read_png,
)

MODEL_NAME = "completer"
# The served search defaults for an export with an encoder
# (inpainting.search_config.SearchConfig, which this module does not
# import: the b64 format runs without TensorFlow).
DEFAULT_STEPS = 20
DEFAULT_RESTARTS = 1
DEFAULT_SEED = 0
_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1
# TF Serving's JSON key for base64-encoded bytes
# (tensorflow_serving/util/json_tensor.cc, kBase64Key).
B64_KEY = "b64"


def png_pixels(png_bytes, channels):
  import tensorflow as tf

  return tf.io.decode_png(png_bytes, channels=channels).numpy()


def to_model_input(image_pixels, mask_pixels):
  """uint8 image [H, W, C] and mask [H, W, 1] -> float32 [-1, 1], {0, 1}.

  Returns:
    NumPy images [1, H, W, C] and masks [1, H, W, 1] (>= 128 is known).
  """
  import numpy as np

  from common import pixels  # the served completer's conversion too

  images = pixels.to_unit_range(image_pixels[None]).numpy()
  masks = (np.asarray(mask_pixels)[None] >= 128).astype(np.float32)
  return images, masks


def rest_b64_request(image_png: bytes, mask_png: bytes):
  """JSON body for POST /v1/models/completer:predict with PNG bytes."""
  return {
    "signature_name": "complete_png",
    "instances": [
      {
        "image_png": {"b64": base64.b64encode(image_png).decode("ascii")},
        "mask_png": {"b64": base64.b64encode(mask_png).decode("ascii")},
      }
    ],
  }


def rest_instances_request(images, masks):
  """JSON body with float arrays (row format), for serving_default."""
  return {
    "signature_name": "serving_default",
    "instances": [
      {"images": image.tolist(), "masks": mask.tolist()}
      for image, mask in zip(images, masks)
    ],
  }


def rest_columnar_request(
  images,
  masks,
  steps=DEFAULT_STEPS,
  restarts=DEFAULT_RESTARTS,
  seed=DEFAULT_SEED,
):
  """JSON body (columnar `inputs` format) for complete_options.

  TF Serving's row format (`instances`) gives every input a batch dimension,
  which complete_options' scalar steps, restarts and seed lack; the columnar
  format sends each input whole.

  Args:
    images: float32 [N, S, S, C] in [-1, 1].
    masks: float32 [N, S, S, 1], 1 = known.
    steps, restarts, seed: The search's; the server checks them against its
      limits (dcgan-export --max_steps, --max_restarts).
  """
  return {
    "signature_name": "complete_options",
    "inputs": {
      "images": images.tolist(),
      "masks": masks.tolist(),
      "steps": int(steps),
      "restarts": int(restarts),
      "seed": int(seed),
    },
  }


def _decode_b64(value):
  """`value` with every {"b64": ...} object replaced by its bytes."""
  if isinstance(value, dict):
    if set(value) == {B64_KEY}:
      return base64.b64decode(value[B64_KEY])
    return {key: _decode_b64(item) for key, item in value.items()}
  if isinstance(value, list):
    return [_decode_b64(item) for item in value]
  return value


def _is_named_outputs(value) -> bool:
  return isinstance(value, dict) and set(value) != {B64_KEY}


def decode_rest_response(body, output_name="output"):
  """A TF Serving REST :predict response -> {output name: values}.

  Handles both of the server's layouts: `predictions` (answer to a row
  `instances` request: one object per batch element) and `outputs` (answer
  to a columnar `inputs` request: one value per output). String outputs
  named `*_bytes` come as {"b64": ...} and are returned as bytes (e.g. the
  PNGs of complete_png's blended_bytes and completed_bytes).

  Args:
    body: The parsed JSON (a dict) or its text.
    output_name: The key for a response of a single output, which the
      server sends without its name.

  Returns:
    A dict of output name -> nested lists of numbers or bytes; batched
    outputs as lists over the batch.

  Raises:
    ClientError: the server answered {"error": ...}, or the body is no
      predict response.
  """
  if isinstance(body, (str, bytes)):
    body = json.loads(body)
  if not isinstance(body, dict):
    raise ClientError("not a TF Serving predict response (no JSON object)")
  if "error" in body:
    raise ClientError(f"the server answered: {body['error']}")
  if "predictions" in body:
    rows = body["predictions"]
    if rows and all(_is_named_outputs(row) for row in rows):
      columns = {name: [row[name] for row in rows] for name in rows[0]}
    else:
      columns = {output_name: rows}
  elif "outputs" in body:
    outputs = body["outputs"]
    columns = (
      dict(outputs) if _is_named_outputs(outputs) else {output_name: outputs}
    )
  else:
    raise ClientError(
      "not a TF Serving predict response (no 'predictions' or 'outputs')"
    )
  return {name: _decode_b64(value) for name, value in columns.items()}


def grpc_request(
  images,
  masks,
  signature="serving_default",
  steps=None,
  restarts=None,
  seed=None,
):
  """A PredictRequest for PredictionServiceStub.Predict.

  With any of steps, restarts or seed it calls complete_options (the others
  take the served defaults: DEFAULT_STEPS, ...).
  """
  import tensorflow as tf
  from tensorflow_serving.apis import model_pb2, predict_pb2

  options = (steps, restarts, seed) != (None, None, None)
  if options:
    signature = "complete_options"
  request = predict_pb2.PredictRequest(
    model_spec=model_pb2.ModelSpec(name=MODEL_NAME, signature_name=signature)
  )
  request.inputs["images"].CopyFrom(tf.make_tensor_proto(images, tf.float32))
  request.inputs["masks"].CopyFrom(tf.make_tensor_proto(masks, tf.float32))
  if options:
    for name, value, default, dtype in (
      ("steps", steps, DEFAULT_STEPS, tf.int32),
      ("restarts", restarts, DEFAULT_RESTARTS, tf.int32),
      ("seed", seed, DEFAULT_SEED, tf.int64),
    ):
      request.inputs[name].CopyFrom(
        tf.make_tensor_proto(default if value is None else value, dtype)
      )
  return request


def check_options(steps, restarts, seed):
  """ClientError naming the flag unless the search options can be sent."""
  # The server's own limits are narrower (dcgan-export --max_steps ...);
  # these are the signature's dtypes: int32 steps and restarts, int64 seed.
  for name, value, low, high in (
    ("steps", steps, 0, _INT32_MAX),
    ("restarts", restarts, 1, _INT32_MAX),
    ("seed", seed, 0, _INT64_MAX),
  ):
    if not low <= value <= high:
      raise ClientError(f"--{name}={value} must be between {low} and {high}")


def check_program_flags(
  argv, image, mask, channels, size, request_format, options
) -> None:
  """ClientError naming the first flag (or argument) of `python -m
  export.client_main` that cannot be used; `options`: the search options
  the user gave ({name: value})."""
  if len(argv) > 1:
    raise ClientError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not image or not mask:
    raise ClientError("--image and --mask are required")
  if channels not in (1, 3):
    raise ClientError(f"--channels={channels} must be 1 or 3")
  if size is not None and size < 1:
    raise ClientError(f"--size={size} must be >= 1")
  if options and request_format not in ("columnar", "grpc"):
    # Silently dropping them would run a search the user did not ask for.
    raise ClientError(
      f"--{next(iter(options))} applies to --format=columnar or grpc "
      f"(complete_options), not --format={request_format}"
    )


def build_request(
  image_path,
  mask_path,
  request_format,
  channels,
  size=None,
  steps=None,
  restarts=None,
  seed=None,
) -> str:
  """The request text for the files; ClientError naming a bad one.

  Args:
    image_path, mask_path: PNG files; mask black = missing.
    request_format: "b64", "instances", "columnar" or "grpc".
    channels: The model's image channels (1 or 3).
    size: The model's image size, if it should be checked here.
    steps, restarts, seed: complete_options' inputs, for "columnar" (None:
      the served defaults) and "grpc" (any given: complete_options).
  """
  image_png = read_png("image", image_path)
  mask_png = read_png("mask", mask_path)
  check_pair(image_png, mask_png, image_path, mask_path, channels, size)
  if request_format == "b64":
    return json.dumps(rest_b64_request(image_png, mask_png))
  import tensorflow as tf

  pixels = {}
  for flag, path, data, wanted in (
    ("image", image_path, image_png, channels),
    ("mask", mask_path, mask_png, 1),
  ):
    try:
      pixels[flag] = png_pixels(data, wanted)
    except tf.errors.OpError as e:
      raise ClientError(
        f"--{flag}={path}: damaged PNG ({str(e).strip().splitlines()[0][:200]})"
      ) from None
  images, masks = to_model_input(pixels["image"], pixels["mask"])
  if request_format == "instances":
    return json.dumps(rest_instances_request(images, masks))
  if request_format == "columnar":
    return json.dumps(
      rest_columnar_request(
        images,
        masks,
        DEFAULT_STEPS if steps is None else steps,
        DEFAULT_RESTARTS if restarts is None else restarts,
        DEFAULT_SEED if seed is None else seed,
      )
    )
  return str(
    grpc_request(images, masks, steps=steps, restarts=restarts, seed=seed)
  )
