"""The completer SavedModel, run the way TensorFlow Serving runs it."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from common import masks
from export.warmup import WARMUP_FILE
from inpainting import complete
from inpainting.saved_models import load_exported_gan
from inpainting.search_config import served_config
from tests.conftest import REPO, subprocess_env

# The fresh-process runner: TF1 session loader, `serve` tag, tensor names.
SESSION_RUNNER = """
import sys
import numpy as np
import tensorflow as tf
path, signature, out = sys.argv[1:4]
feeds = dict(np.load(sys.argv[4]))
with tf.compat.v1.Session(graph=tf.Graph()) as sess:
  meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
  sig = meta.signature_def[signature]
  fetch = {k: v.name for k, v in sig.outputs.items()}
  feed = {sig.inputs[k].name: v for k, v in feeds.items()}
  np.savez(out, **sess.run(fetch, feed_dict=feed))
"""


def _completer_path(export_dir):
  return os.path.join(export_dir, "completer", "1")


def _inputs(count=3, size=16):
  rng = np.random.default_rng(4)
  images = rng.uniform(-1, 1, (count, size, size, 1)).astype(np.float32)
  return images, masks.make_masks(
    ["center", "irregular", "random"], count, size
  )


def _run_in_fresh_process(tmp_path, path, signature, feeds):
  inputs, out = str(tmp_path / "inputs.npz"), str(tmp_path / "out.npz")
  np.savez(inputs, **feeds)
  result = subprocess.run(
    [sys.executable, "-c", SESSION_RUNNER, path, signature, out, inputs],
    capture_output=True,
    text=True,
    env=subprocess_env(),
    timeout=300,
  )
  assert result.returncode == 0, result.stderr[-3000:]
  return dict(np.load(out))


@pytest.mark.slow
def test_session_loader_matches_inpainting(tiny_export, tmp_path):
  export_dir = tiny_export[1]
  images, mask = _inputs()
  served = _run_in_fresh_process(
    tmp_path,
    _completer_path(export_dir),
    "complete_options",
    {
      "images": images,
      "masks": mask,
      "steps": np.int32(20),
      "restarts": np.int32(2),
      "seed": np.int64(5),
    },
  )
  gan = load_exported_gan(export_dir)
  # The served defaults of an export without an encoder, as requested.
  ours = complete.Completer(
    gan, served_config(False, steps=20, restarts=2, seed=5)
  )(images, mask)
  np.testing.assert_allclose(served["generated"], ours.generated, atol=1e-4)
  np.testing.assert_allclose(served["blended"], ours.blended, atol=1e-4)
  np.testing.assert_allclose(served["loss"], ours.loss, rtol=1e-4)
  known = np.broadcast_to(mask, images.shape) == 1
  np.testing.assert_array_equal(served["completed"][known], images[known])


def _saved_model_cli(*args):
  cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
  return subprocess.run(
    [cli, *args],
    capture_output=True,
    text=True,
    env=subprocess_env(),
    timeout=300,
    cwd=REPO,
  )


@pytest.mark.slow
def test_saved_model_cli_show_run_and_scan(tiny_export, tmp_path):
  path = _completer_path(tiny_export[1])
  shown = _saved_model_cli("show", "--dir", path, "--all")
  assert shown.returncode == 0, shown.stderr[-2000:]
  for text in (
    "signature_def['serving_default']",
    "signature_def['complete_options']",
    "signature_def['complete_png']",
    "inputs['images']",
    "inputs['masks']",
    "inputs['steps']",
    "inputs['image_png']",
    "outputs['blended']",
    "outputs['blended_bytes']",
    "shape: unknown_rank",
    "shape: (-1)",
  ):
    assert text in shown.stdout, text

  images, mask = _inputs(1)
  np.save(tmp_path / "images.npy", images)
  np.save(tmp_path / "masks.npy", mask)
  ran = _saved_model_cli(
    "run",
    "--dir",
    path,
    "--tag_set",
    "serve",
    "--signature_def",
    "serving_default",
    "--inputs",
    f"images={tmp_path / 'images.npy'};masks={tmp_path / 'masks.npy'}",
    "--outdir",
    str(tmp_path / "out"),
  )
  assert ran.returncode == 0, ran.stderr[-2000:]
  blended = np.load(tmp_path / "out" / "blended.npy")
  assert blended.shape == images.shape
  known = np.broadcast_to(mask, images.shape) == 1
  np.testing.assert_array_equal(blended[known], images[known])

  scanned = _saved_model_cli("scan", "--dir", path)
  assert scanned.returncode == 0, scanned.stderr[-2000:]
  assert "does not contain the default denylisted ops" in scanned.stdout


@pytest.fixture(scope="module")
def completer(tiny_export):
  return tf.saved_model.load(_completer_path(tiny_export[1]))


def test_png_signature_round_trips_real_png(completer):
  rng = np.random.default_rng(0)
  pixels = rng.integers(0, 256, (16, 16, 1)).astype(np.uint8)
  mask = np.full((16, 16, 1), 255, np.uint8)
  mask[4:12, 4:12] = 0
  out = completer.signatures["complete_png"](
    image_png=tf.constant([tf.io.encode_png(pixels).numpy()]),
    mask_png=tf.constant([tf.io.encode_png(mask).numpy()]),
  )
  blended = tf.io.decode_png(out["blended_bytes"][0]).numpy()
  completed = tf.io.decode_png(out["completed_bytes"][0]).numpy()
  assert blended.shape == (16, 16, 1) and blended.dtype == np.uint8
  known = mask == 255
  np.testing.assert_array_equal(blended[known], pixels[known])
  np.testing.assert_array_equal(completed[known], pixels[known])


def test_warmup_requests_run_through_their_signatures(completer, tiny_export):
  path = os.path.join(_completer_path(tiny_export[1]), WARMUP_FILE)
  records = list(tf.data.TFRecordDataset(path).as_numpy_iterator())
  assert len(records) == 3
  seen = set()
  for record in records:
    log = prediction_log_pb2.PredictionLog.FromString(record)
    request = log.predict_log.request
    assert request.model_spec.name == "completer"
    signature = request.model_spec.signature_name
    inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
    outputs = completer.signatures[signature](**inputs)
    assert all(
      np.all(np.isfinite(v.numpy()))
      for v in outputs.values()
      if v.dtype.is_floating
    )
    seen.add(signature)
  assert seen == {"serving_default", "complete_options", "complete_png"}


@pytest.mark.parametrize(
  "images_shape, masks_shape, message",
  [
    ((16, 16, 1), (1, 16, 16, 1), "images must have rank 4"),
    ((1, 16, 16, 1), (16, 16), "masks must have rank 4"),
    ((1, 32, 32, 1), (1, 32, 32, 1), "images must be 16x16x1"),
    ((1, 16, 16, 3), (1, 16, 16, 1), "images must be 16x16x1"),
    ((1, 16, 16, 1), (1, 8, 8, 1), "masks must match the images in batch"),
    ((2, 16, 16, 1), (1, 16, 16, 1), "masks must match the images in batch"),
    ((1, 16, 16, 1), (1, 16, 16, 3), "masks must have 1 channel"),
  ],
)
def test_bad_requests_fail_with_invalid_argument(
  completer, images_shape, masks_shape, message
):
  with pytest.raises(tf.errors.InvalidArgumentError, match=message):
    completer.signatures["serving_default"](
      images=tf.zeros(images_shape), masks=tf.ones(masks_shape)
    )


def _real_digit_pngs(tmp_path):
  """A held-out MNIST digit at the tiny model's 16x16, and a centre hole."""
  from training.embedded_mnist import load_split

  digit = load_split("heldout")[0][0]
  small = tf.cast(
    tf.image.resize(digit.astype(np.float32), (16, 16), antialias=True),
    tf.uint8,
  )
  mask = np.full((16, 16, 1), 255, np.uint8)
  mask[4:12, 4:12] = 0
  return (
    tf.io.encode_png(small).numpy(),
    tf.io.encode_png(mask).numpy(),
    small.numpy(),
  )


def test_readme_requests_run_through_the_completer(completer, tmp_path):
  import base64
  import json

  from export import client

  image_png, mask_png, pixels = _real_digit_pngs(tmp_path)
  mask_pixels = tf.io.decode_png(mask_png).numpy()
  known = np.broadcast_to(mask_pixels, pixels.shape) == 255

  # REST with PNG bytes, decoded the way TF Serving decodes {"b64": ...}.
  body = json.loads(json.dumps(client.rest_b64_request(image_png, mask_png)))
  instance = body["instances"][0]
  out = completer.signatures[body["signature_name"]](
    **{
      key: tf.constant([base64.b64decode(value["b64"])])
      for key, value in instance.items()
    }
  )
  blended = tf.io.decode_png(out["blended_bytes"][0]).numpy()
  np.testing.assert_array_equal(blended[known], pixels[known])

  # REST row format: one dict per instance, stacked per input.
  images, masks_ = client.to_model_input(pixels, mask_pixels)
  body = json.loads(json.dumps(client.rest_instances_request(images, masks_)))
  feeds = {
    key: tf.constant([row[key] for row in body["instances"]], tf.float32)
    for key in ("images", "masks")
  }
  rest = completer.signatures[body["signature_name"]](**feeds)
  assert rest["blended"].shape == (1, 16, 16, 1)

  # gRPC: the PredictRequest's tensors, through the signature it names.
  request = client.grpc_request(images, masks_)
  grpc = completer.signatures[request.model_spec.signature_name](
    **{
      key: tf.constant(tf.make_ndarray(value))
      for key, value in request.inputs.items()
    }
  )
  np.testing.assert_allclose(
    grpc["blended"].numpy(), rest["blended"].numpy(), atol=1e-6
  )
