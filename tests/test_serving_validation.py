"""The served completer's limits and tolerance, and SearchConfig's checks.

The table of bad requests to each signature is in test_bad_inputs.py.
"""

import dataclasses
import math
import os

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from common import masks as masks_lib
from common.errors import InputError
from export import versions
from export.warmup import WARMUP_FILE
from inpainting.saved_models import load_exported_gan
from inpainting.search import LatentSearch, SearchConfig
from inpainting.search_config import SERVED_VIEWS
from tests.conftest import export_completer, gray_png

SIZE = 16  # the tiny preset's


@pytest.fixture(scope="module")
def completer(tiny_export):
  return tf.saved_model.load(os.path.join(tiny_export[1], "completer", "1"))


def _good(count=1):
  images = np.zeros((count, SIZE, SIZE, 1), np.float32)
  return images, masks_lib.make_masks(["center"], count, SIZE)


def _call(completer, signature, images, masks, steps=0, restarts=1):
  """Runs serving_default or complete_options (0 steps: cheap)."""
  if signature == "serving_default":
    return completer.signatures[signature](images=images, masks=masks)
  return completer.signatures[signature](
    images=images,
    masks=masks,
    steps=np.int32(steps),
    restarts=np.int32(restarts),
    seed=np.int64(0),
  )


def test_pixels_within_the_tolerance_are_clipped(completer):
  images, masks = _good()
  out = _call(completer, "complete_options", images + 1.0005, masks)
  known = np.broadcast_to(masks, images.shape) == 1
  np.testing.assert_array_equal(out["completed"].numpy()[known], 1.0)


def _png_call(completer, image_pngs, mask_pngs):
  return completer.signatures["complete_png"](
    image_png=tf.constant(image_pngs, tf.string),
    mask_png=tf.constant(mask_pngs, tf.string),
  )


def test_min_improvement_zero_never_stops_early(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images = (
    np.random.default_rng(0)
    .uniform(-1, 1, (2, SIZE, SIZE, 1))
    .astype(np.float32)
  )
  masks = masks_lib.make_masks(["center"], 2, SIZE)

  # A step size this large makes the loss jump up and down.
  jumpy = SearchConfig(learning_rate=10.0, check_every=1, pool_size=0)

  def steps_run(min_improvement):
    config = dataclasses.replace(
      jumpy, restarts=1, min_improvement=min_improvement
    )
    search = LatentSearch(gan.generate, gan.discriminate, gan.z_dim, config)
    return search(images, masks, steps=40)["steps_run"].numpy().tolist()

  # The loss failed to fall at some check: any positive threshold stops.
  assert steps_run(1e-9)[0] < 40
  assert steps_run(0.0) == [40, 40]


@pytest.mark.parametrize(
  "field, value, message",
  [
    ("steps", -1, "steps=-1 must be an integer >= 0"),
    ("steps", 2.5, "steps=2.5 must be an integer >= 0"),
    ("steps", True, "steps=True must be an integer >= 0"),
    ("restarts", 0, "restarts=0 must be an integer >= 1"),
    ("pool_size", -1, "pool_size=-1 must be an integer >= 0"),
    ("check_every", 0, "check_every=0 must be an integer >= 1"),
    ("average_best", 0, "average_best=0 must be an integer >= 1"),
    ("seed", -1, "seed=-1 must be an integer >= 0"),
    ("window", 0, "window=0 must be an integer >= 1"),
    ("window", 4, "window=4 must be odd"),
    ("learning_rate", 0.0, "learning_rate=0.0 must be a finite number > 0"),
    ("learning_rate", math.nan, "learning_rate=nan must be a finite number"),
    ("learning_rate", math.inf, "learning_rate=inf must be a finite number"),
    ("prior_weight", -0.1, "prior_weight=-0.1 must be a finite number >= 0"),
    ("prior_weight", math.inf, "prior_weight=inf must be a finite number"),
    ("anchor_weight", -1.0, "anchor_weight=-1.0 must be a finite number >= 0"),
    ("anchor_weight", math.nan, "anchor_weight=nan must be a finite number"),
    ("beta1", 1.0, r"beta1=1.0 must be a finite number in \[0, 1\)"),
    ("beta2", -0.1, r"beta2=-0.1 must be a finite number in \[0, 1\)"),
    ("epsilon", 0, "epsilon=0 must be a finite number > 0"),
    (
      "min_improvement",
      -0.5,
      "min_improvement=-0.5 must be a finite number >= 0",
    ),
    ("min_improvement", math.nan, "min_improvement=nan must be a finite"),
  ],
)
def test_search_config_names_the_bad_field(field, value, message):
  with pytest.raises(InputError, match=f"^{message}"):
    SearchConfig(**{field: value})


def test_search_config_accepts_its_edges():
  SearchConfig(
    steps=1,
    restarts=1,
    pool_size=0,
    prior_weight=0.0,
    anchor_weight=0.0,
    beta1=0.0,
    beta2=0.0,
    window=1,
    check_every=1,
    min_improvement=0.0,
    average_best=1,
    seed=0,
  )
  SearchConfig(learning_rate=np.float32(0.1), steps=np.int64(3))


@pytest.mark.slow
def test_limits_come_from_the_export_flags(tiny_export, tmp_path):
  export_dir = tmp_path / "e"
  limits = dict(max_batch=2, max_steps=1, max_restarts=1, max_png_bytes=200)
  path = export_completer(
    tiny_export[0], export_dir, *(f"--{k}={v}" for k, v in limits.items())
  )
  marker = versions.read_marker(path)
  assert marker["limits"] == limits
  # The served defaults (300 steps, 2 restarts) were lowered to the limits.
  assert (
    marker["search_defaults"]["steps"],
    marker["search_defaults"]["restarts"],
  ) == (1, 1)
  # The served completer's own number of test-time views.
  assert marker["search_defaults"]["views"] == SERVED_VIEWS
  served = tf.saved_model.load(path)
  # The warm-up requests fit the limits.
  for record in tf.data.TFRecordDataset(os.path.join(path, WARMUP_FILE)):
    request = prediction_log_pb2.PredictionLog.FromString(
      record.numpy()
    ).predict_log.request
    served.signatures[request.model_spec.signature_name](
      **{k: tf.make_ndarray(v) for k, v in request.inputs.items()}
    )
  generator = tf.saved_model.load(str(export_dir / "generator" / "1"))
  with pytest.raises(
    tf.errors.InvalidArgumentError,
    match="count=3 must be between 1 and 2 images",
  ):
    generator.signatures["sample"](count=np.int32(3), seed=np.int64(0))
  images, masks = _good(3)
  with pytest.raises(
    tf.errors.InvalidArgumentError,
    match="batch=3 must be between 1 and 2 images",
  ):
    _call(served, "serving_default", images, masks)
  with pytest.raises(
    tf.errors.InvalidArgumentError, match="steps=2 must be between 0 and 1"
  ):
    _call(served, "complete_options", images[:1], masks[:1], steps=2)
  png = tf.io.encode_png(
    np.random.default_rng(0).integers(0, 256, (SIZE, SIZE, 1), np.uint8)
  ).numpy()
  assert len(png) > 200
  with pytest.raises(
    tf.errors.InvalidArgumentError,
    match=r"image_png\[0\] is \d+ bytes; at most 200",
  ):
    _png_call(served, [png], [gray_png(SIZE, SIZE)])
