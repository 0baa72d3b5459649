"""TensorFlow Serving warm-up requests for the completer.

TF Serving replays `assets.extra/tf_serving_warmup_requests` (a TFRecord file
of PredictionLog protos) when it loads a version, so the first real request
does not pay for graph initialisation.
"""

import os

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

from common import files

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
# Enough to run every op of the search loop once; the server's limits may
# lower it (to 1, at the least).
WARMUP_STEPS = 2


def _request(model_name, signature, inputs):
  request = predict_pb2.PredictRequest(
    model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature)
  )
  for key, value in inputs.items():
    request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
  return prediction_log_pb2.PredictionLog(
    predict_log=prediction_log_pb2.PredictLog(request=request)
  )


def warmup_requests(model_name, image_size, channels, steps=WARMUP_STEPS):
  """One request per signature: a batch of one, a centre hole, few steps."""
  image = np.zeros((1, image_size, image_size, channels), np.float32)
  mask = np.ones((1, image_size, image_size, 1), np.float32)
  quarter = image_size // 4
  mask[:, quarter:-quarter, quarter:-quarter] = 0.0
  png_image = tf.io.encode_png(
    np.full((image_size, image_size, channels), 128, np.uint8)
  ).numpy()
  png_mask = tf.io.encode_png((mask[0] * 255).astype(np.uint8)).numpy()
  return [
    _request(model_name, "serving_default", {"images": image, "masks": mask}),
    _request(
      model_name,
      "complete_options",
      {
        "images": image,
        "masks": mask,
        "steps": np.int32(steps),
        "restarts": np.int32(1),
        "seed": np.int64(0),
      },
    ),
    _request(
      model_name,
      "complete_png",
      {
        "image_png": np.array([png_image], object),
        "mask_png": np.array([png_mask], object),
      },
    ),
  ]


def write_warmup_file(
  saved_model_dir, model_name, image_size, channels, steps=WARMUP_STEPS
):
  path = os.path.join(saved_model_dir, WARMUP_FILE)
  # files.makedirs, not os.makedirs: a gs:// export dir must not become a
  # local folder named "gs:".
  files.makedirs(os.path.dirname(path))
  with tf.io.TFRecordWriter(path) as writer:
    for log in warmup_requests(model_name, image_size, channels, steps):
      writer.write(log.SerializeToString())
  return path
