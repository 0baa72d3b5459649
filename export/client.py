r"""Builds TensorFlow Serving requests for the completer from image files.

  python -m export.client --image=digit.png --mask=mask.png --format=b64 \
      > request.json
  curl -d @request.json http://localhost:8501/v1/models/completer:predict

Formats: `b64` (REST, PNG bytes, signature complete_png), `instances` (REST,
float arrays, serving_default) and `grpc` (a PredictRequest, printed as text;
send it with a PredictionService stub). Masks: black = missing.
"""

import base64
import json
import sys

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2
from tensorflow_serving.apis import predict_pb2

MODEL_NAME = "completer"


def _read_bytes(path):
  with open(path, "rb") as f:
    return f.read()


def png_pixels(png_bytes, channels):
  return tf.io.decode_png(png_bytes, channels=channels).numpy()


def to_model_input(image_pixels, mask_pixels):
  """uint8 image [H, W, C] and mask [H, W, 1] -> float32 [-1, 1], {0, 1}."""
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
  request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(
      name=MODEL_NAME, signature_name=signature))
  request.inputs["images"].CopyFrom(tf.make_tensor_proto(images, tf.float32))
  request.inputs["masks"].CopyFrom(tf.make_tensor_proto(masks, tf.float32))
  return request


_IMAGE = flags.DEFINE_string("image", None, "PNG image of the model's size.")
_MASK = flags.DEFINE_string("mask", None, "PNG mask: black = missing.")
_FORMAT = flags.DEFINE_enum("format", "b64", ["b64", "instances", "grpc"],
                            "Request format.")
_CHANNELS = flags.DEFINE_integer("channels", 1, "Image channels of the model.")


def main(argv):
  del argv
  if not _IMAGE.value or not _MASK.value:
    print("export.client: error: --image and --mask are required",
          file=sys.stderr)
    sys.exit(2)
  image_png, mask_png = _read_bytes(_IMAGE.value), _read_bytes(_MASK.value)
  if _FORMAT.value == "b64":
    print(json.dumps(rest_b64_request(image_png, mask_png)))
    return
  images, masks = to_model_input(png_pixels(image_png, _CHANNELS.value),
                                 png_pixels(mask_png, 1))
  if _FORMAT.value == "instances":
    print(json.dumps(rest_instances_request(images, masks)))
  else:
    print(grpc_request(images, masks))


if __name__ == "__main__":
  app.run(main)
