r"""Builds TensorFlow Serving requests for the completer from image files.

  python -m export.client --image=digit.png --mask=mask.png --format=b64 \
      > request.json
  curl -d @request.json http://localhost:8501/v1/models/completer:predict

Formats: `b64` (REST, PNG bytes, signature complete_png), `instances` (REST,
float arrays, serving_default) and `grpc` (a PredictRequest, printed as text;
send it with a PredictionService stub). Masks: black = missing.

The files are checked before a request is built (PNG signature, chunks and
their CRCs, size and channels from the header): a bad one is one line
`export.client: error: ...` naming the flag and file, and exit 2. The
`b64` format needs neither NumPy nor TensorFlow at run time.
"""

import base64
import json
import os
import struct
import zlib

from absl import flags

from inpainting import cli

MODEL_NAME = "completer"
PROG = "export.client"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# IHDR colour type -> colour channels, alpha aside (TensorFlow's decode_png
# drops alpha for channels=1 or 3). Palette images convert to either.
_COLOR_CHANNELS = {0: 1, 2: 3, 3: None, 4: 1, 6: 3}
_COLOR_NAMES = {0: "grayscale", 2: "RGB", 3: "palette",
                4: "grayscale with alpha", 6: "RGBA"}


class ClientError(ValueError):
  """A file or flag that cannot make a request; the message names it."""


def _read_bytes(path):
  with open(path, "rb") as f:
    return f.read()


def _check_chunks(data: bytes) -> str:
  """'' if the PNG's chunks are whole (lengths, CRCs, IEND), else why not."""
  pos = len(PNG_SIGNATURE)
  while pos + 12 <= len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    end = pos + 8 + length
    if end + 4 > len(data):
      return f"{kind.decode('latin-1')} chunk cut short"
    if zlib.crc32(data[pos + 4:end]) != int.from_bytes(data[end:end + 4],
                                                       "big"):
      return f"{kind.decode('latin-1')} chunk fails its CRC"
    if kind == b"IEND":
      return ""
    pos = end + 4
  return "no IEND chunk (truncated?)"


def png_info(data: bytes, flag: str, path: str):
  """(width, height, colour type) from a PNG's header; ClientError if it is
  no whole PNG."""
  if (len(data) < 33 or not data.startswith(PNG_SIGNATURE) or
      data[12:16] != b"IHDR"):
    raise ClientError(f"--{flag}={path}: not a PNG file")
  width, height = struct.unpack(">II", data[16:24])
  color_type = data[25]
  if color_type not in _COLOR_CHANNELS:
    raise ClientError(f"--{flag}={path}: damaged PNG (colour type "
                      f"{color_type})")
  problem = _check_chunks(data)
  if problem:
    raise ClientError(f"--{flag}={path}: damaged PNG ({problem})")
  return width, height, color_type


def read_png(flag: str, path: str) -> bytes:
  """The bytes of the PNG file that --flag names; ClientError if unusable."""
  if not os.path.exists(path):
    raise ClientError(f"--{flag}={path}: no such file")
  if os.path.isdir(path):
    raise ClientError(f"--{flag}={path}: a directory, not a PNG file")
  try:
    data = _read_bytes(path)
  except OSError as e:
    raise ClientError(f"--{flag}={path}: cannot read ({e.strerror})"
                      ) from None
  png_info(data, flag, path)
  return data


def check_pair(image_png: bytes, mask_png: bytes, image_path: str,
               mask_path: str, channels: int, size=None):
  """The image has `channels` (and `size`); the mask the image's size."""
  width, height, color_type = png_info(image_png, "image", image_path)
  has = _COLOR_CHANNELS[color_type]
  if has is not None and has != channels:
    raise ClientError(f"--image={image_path} is {_COLOR_NAMES[color_type]} "
                      f"({has} channel{'s' if has > 1 else ''}); the model "
                      f"takes --channels={channels}")
  if size is not None and (width, height) != (size, size):
    raise ClientError(f"--image={image_path} is {width}x{height}; the model "
                      f"takes --size={size} ({size}x{size})")
  mask_width, mask_height, _ = png_info(mask_png, "mask", mask_path)
  if (mask_width, mask_height) != (width, height):
    raise ClientError(f"--mask={mask_path} is {mask_width}x{mask_height} but "
                      f"--image is {width}x{height}")


def png_pixels(png_bytes, channels):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  return tf.io.decode_png(png_bytes, channels=channels).numpy()


def to_model_input(image_pixels, mask_pixels):
  """uint8 image [H, W, C] and mask [H, W, 1] -> float32 [-1, 1], {0, 1}."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  images = image_pixels.astype(np.float32)[None] / 127.5 - 1.0
  masks = (mask_pixels[None] >= 128).astype(np.float32)
  return images, masks


def rest_b64_request(image_png: bytes, mask_png: bytes):
  """JSON body for POST /v1/models/completer:predict with PNG bytes."""
  return {"signature_name": "complete_png", "instances": [{
      "image_png": {"b64": base64.b64encode(image_png).decode("ascii")},
      "mask_png": {"b64": base64.b64encode(mask_png).decode("ascii")}}]}


def rest_instances_request(images, masks):
  """JSON body with float arrays (row format), for serving_default."""
  return {"signature_name": "serving_default", "instances": [
      {"images": image.tolist(), "masks": mask.tolist()}
      for image, mask in zip(images, masks)]}


def grpc_request(images, masks, signature="serving_default"):
  """A PredictRequest for PredictionServiceStub.Predict."""
  # pylint: disable=import-outside-toplevel
  import tensorflow as tf
  from tensorflow_serving.apis import model_pb2
  from tensorflow_serving.apis import predict_pb2
  # pylint: enable=import-outside-toplevel
  request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(
      name=MODEL_NAME, signature_name=signature))
  request.inputs["images"].CopyFrom(tf.make_tensor_proto(images, tf.float32))
  request.inputs["masks"].CopyFrom(tf.make_tensor_proto(masks, tf.float32))
  return request


_IMAGE = flags.DEFINE_string("image", None, "PNG image of the model's size.")
_MASK = flags.DEFINE_string("mask", None, "PNG mask: black = missing.")
_FORMAT = flags.DEFINE_enum("format", "b64", ["b64", "instances", "grpc"],
                            "Request format.")
_CHANNELS = flags.DEFINE_integer("channels", 1,
                                 "Image channels of the model: 1 or 3.")
_SIZE = flags.DEFINE_integer(
    "size", None, "Image size of the model; if set, the image must be "
    "SIZExSIZE (default: not checked; the server checks it).")


def check_flags(argv):
  if len(argv) > 1:
    raise ClientError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not _IMAGE.value or not _MASK.value:
    raise ClientError("--image and --mask are required")
  if _CHANNELS.value not in (1, 3):
    raise ClientError(f"--channels={_CHANNELS.value} must be 1 or 3")
  if _SIZE.value is not None and _SIZE.value < 1:
    raise ClientError(f"--size={_SIZE.value} must be >= 1")


def build_request(image_path, mask_path, request_format, channels,
                  size=None) -> str:
  """The request text for the files; ClientError naming a bad one."""
  image_png = read_png("image", image_path)
  mask_png = read_png("mask", mask_path)
  check_pair(image_png, mask_png, image_path, mask_path, channels, size)
  if request_format == "b64":
    return json.dumps(rest_b64_request(image_png, mask_png))
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  pixels = {}
  for flag, path, data, wanted in (("image", image_path, image_png, channels),
                                   ("mask", mask_path, mask_png, 1)):
    try:
      pixels[flag] = png_pixels(data, wanted)
    except tf.errors.OpError as e:
      raise ClientError(f"--{flag}={path}: damaged PNG "
                        f"({str(e).strip().splitlines()[0][:200]})"
                        ) from None
  images, masks = to_model_input(pixels["image"], pixels["mask"])
  if request_format == "instances":
    return json.dumps(rest_instances_request(images, masks))
  return str(grpc_request(images, masks))


def _fail(message):
  cli.fail(PROG, message)


def main(argv):
  try:
    check_flags(argv)
    text = build_request(_IMAGE.value, _MASK.value, _FORMAT.value,
                         _CHANNELS.value, _SIZE.value)
  except ClientError as e:
    _fail(e)
  print(text)


if __name__ == "__main__":
  cli.run(PROG, main)
