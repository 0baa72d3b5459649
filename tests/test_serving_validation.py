"""Bad requests to the served completer, bad search configs, the client.

Every refusal is an InvalidArgumentError whose message names the field, and
comes from the checks that run before the search allocates anything.
"""

import math
import os
import struct
import zlib

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from export import versions
from export.warmup import WARMUP_FILE
from inpainting import masks as masks_lib
from inpainting.errors import InputError
from inpainting.saved_models import load_exported_gan
from inpainting.search import LatentSearch, SearchConfig
from tests.conftest import cli, write_image

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
      images=images, masks=masks, steps=np.int32(steps),
      restarts=np.int32(restarts), seed=np.int64(0))


def _bad_arrays():
  """[(id, images, masks, message)] every array signature refuses."""
  images, masks = _good()
  over = 65  # the default --max_batch is 64
  return [
      ("mask_half", images, masks * 0.5,
       r"masks must be exactly 0 \(missing\) or 1 \(known\); found 0.5"),
      ("mask_2", images, masks * 2, "masks must be exactly 0"),
      ("mask_nan", images, masks + np.nan, "masks must be exactly 0"),
      ("image_nan", images + np.nan, masks,
       r"images must be finite \(found NaN or Inf\)"),
      ("image_inf", images - np.inf, masks, "images must be finite"),
      ("image_0_255", images + 255, masks,
       r"images must be in \[-1, 1\] .*found 255 to 255"),
      ("image_just_out", images + 1.01, masks, r"images must be in \[-1, 1\]"),
      ("batch_over", np.zeros((over, SIZE, SIZE, 1), np.float32),
       np.ones((over, SIZE, SIZE, 1), np.float32),
       "batch=65 must be between 1 and 64 images"),
      ("batch_0", np.zeros((0, SIZE, SIZE, 1), np.float32),
       np.ones((0, SIZE, SIZE, 1), np.float32),
       "batch=0 must be between 1 and 64 images"),
      # The shape checks come first, with their own messages.
      ("rank", images[0], masks, "images must have rank 4"),
      ("size", np.zeros((1, 32, 32, 1), np.float32),
       np.ones((1, 32, 32, 1), np.float32), "images must be 16x16x1"),
  ]


@pytest.mark.parametrize("signature", ["serving_default", "complete_options"])
@pytest.mark.parametrize("case", _bad_arrays(), ids=lambda c: c[0])
def test_bad_arrays_are_invalid_argument_naming_the_field(completer,
                                                          signature, case):
  _, images, masks, message = case
  with pytest.raises(tf.errors.InvalidArgumentError, match=message):
    _call(completer, signature, images, masks)


def test_pixels_within_the_tolerance_are_clipped(completer):
  images, masks = _good()
  out = _call(completer, "complete_options", images + 1.0005, masks)
  known = np.broadcast_to(masks, images.shape) == 1
  np.testing.assert_array_equal(out["completed"].numpy()[known], 1.0)


@pytest.mark.parametrize("steps, restarts, message", [
    (2001, 1, "steps=2001 must be between 0 and 2000"),
    (-1, 1, "steps=-1 must be between 0 and 2000"),
    (1, 0, "restarts=0 must be between 1 and 16"),
    (1, 17, "restarts=17 must be between 1 and 16"),
    # 7 GB of candidates if it were allowed to start.
    (1, 5_000_000, "restarts=5000000 must be between 1 and 16"),
])
def test_steps_and_restarts_over_the_limits(completer, steps, restarts,
                                            message):
  images, masks = _good()
  with pytest.raises(tf.errors.InvalidArgumentError, match=message):
    _call(completer, "complete_options", images, masks, steps, restarts)


def _chunk(kind, data):
  return (struct.pack(">I", len(data)) + kind + data +
          struct.pack(">I", zlib.crc32(kind + data)))


def _gray_png(width, height):
  """A real all-black grayscale PNG, compressed row by row (no NumPy)."""
  compressor = zlib.compressobj(9)
  row = bytes(width + 1)  # filter byte 0, then black pixels
  idat = b"".join([compressor.compress(row) for _ in range(height)] +
                  [compressor.flush()])
  return (b"\x89PNG\r\n\x1a\n" +
          _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0,
                                      0)) +
          _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def huge_png():
  # 20000x20000: 389 KB as PNG, 400 MB decoded.
  return _gray_png(20000, 20000)


def _png_call(completer, image_pngs, mask_pngs):
  return completer.signatures["complete_png"](
      image_png=tf.constant(image_pngs, tf.string),
      mask_png=tf.constant(mask_pngs, tf.string))


def test_huge_png_is_refused_from_its_header(completer, huge_png):
  assert len(huge_png) < 400_000
  good = _gray_png(SIZE, SIZE)
  # Decoding first would have ended in the shape check's message instead.
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match=r"image_png\[0\] is 20000x20000 pixels; the model "
                     "completes 16x16"):
    _png_call(completer, [huge_png], [good])
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match=r"mask_png\[1\] is 20000x20000 pixels"):
    _png_call(completer, [good, good], [good, huge_png])


def _bad_pngs():
  good = _gray_png(SIZE, SIZE)
  header_only = _gray_png(SIZE, SIZE)[:33]
  return [
      ("junk", [b"junk"], [good],
       r"image_png\[0\] is not a PNG \(no PNG signature and IHDR header\)"),
      ("jpeg_mask", [good], [b"\xff\xd8\xff\xe0" + bytes(40)],
       r"mask_png\[0\] is not a PNG"),
      ("other_size", [good], [_gray_png(17, 16)],
       r"mask_png\[0\] is 17x16 pixels; the model completes 16x16"),
      ("count_mismatch", [good], [good, good],
       "mask_png holds 2 PNGs but image_png 1: one mask per image"),
      ("none", [], [], "image_png holds 0 PNGs; a request takes 1 to 64"),
      ("too_many", [good] * 65, [good] * 65,
       "image_png holds 65 PNGs; a request takes 1 to 64"),
      ("too_many_bytes", [good + bytes(1 << 20)], [good],
       r"image_png\[0\] is \d+ bytes; at most 1048576"),
      ("second_bad", [good, header_only[:20]], [good, good],
       r"image_png\[1\] is not a PNG"),
  ]


@pytest.mark.parametrize("case", _bad_pngs(), ids=lambda c: c[0])
def test_bad_pngs_are_invalid_argument_naming_the_field(completer, case):
  _, image_pngs, mask_pngs, message = case
  with pytest.raises(tf.errors.InvalidArgumentError, match=message):
    _png_call(completer, image_pngs, mask_pngs)


def test_min_improvement_zero_never_stops_early(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  images = np.random.default_rng(0).uniform(
      -1, 1, (2, SIZE, SIZE, 1)).astype(np.float32)
  masks = masks_lib.make_masks(["center"], 2, SIZE)

  def steps_run(min_improvement):
    # A step size this large makes the loss jump up and down.
    config = SearchConfig(learning_rate=10.0, check_every=1, pool_size=0,
                          restarts=1, min_improvement=min_improvement)
    search = LatentSearch(gan.generate, gan.discriminate, gan.z_dim, config)
    return search(images, masks, steps=40)["steps_run"].numpy().tolist()

  # The loss failed to fall at some check: any positive threshold stops.
  assert steps_run(1e-9)[0] < 40
  assert steps_run(0.0) == [40, 40]


@pytest.mark.parametrize("field, value, message", [
    ("steps", 0, "steps=0 must be an integer >= 1"),
    ("steps", 2.5, "steps=2.5 must be an integer >= 1"),
    ("steps", True, "steps=True must be an integer >= 1"),
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
    ("beta1", 1.0, r"beta1=1.0 must be a finite number in \[0, 1\)"),
    ("beta2", -0.1, r"beta2=-0.1 must be a finite number in \[0, 1\)"),
    ("epsilon", 0, "epsilon=0 must be a finite number > 0"),
    ("min_improvement", -0.5, "min_improvement=-0.5 must be a finite number "
     ">= 0"),
    ("min_improvement", math.nan, "min_improvement=nan must be a finite"),
])
def test_search_config_names_the_bad_field(field, value, message):
  with pytest.raises(InputError, match=f"^{message}"):
    SearchConfig(**{field: value})


def test_search_config_accepts_its_edges():
  SearchConfig(steps=1, restarts=1, pool_size=0, prior_weight=0.0,
               beta1=0.0, beta2=0.0, window=1, check_every=1,
               min_improvement=0.0, average_best=1, seed=0)
  SearchConfig(learning_rate=np.float32(0.1), steps=np.int64(3))


def _assert_client_error(result, message):
  assert result.returncode == 2, result.stderr[-2000:]
  assert "Traceback" not in result.stderr
  last = result.stderr.strip().splitlines()[-1]
  assert last.startswith("export.client: error: ") and message in last, last


def test_client_bad_files_and_flags_are_one_line(tmp_path):
  gray, rgb = str(tmp_path / "gray.png"), str(tmp_path / "rgb.png")
  write_image(gray, np.zeros((SIZE, SIZE, 1), np.uint8))
  write_image(rgb, np.zeros((SIZE, SIZE, 3), np.uint8))
  mask20 = str(tmp_path / "mask20.png")
  write_image(mask20, np.full((20, 20, 1), 255, np.uint8))
  junk = tmp_path / "junk.png"
  junk.write_bytes(b"not a png at all, not even close" * 2)
  cut = tmp_path / "cut.png"
  cut.write_bytes(open(gray, "rb").read()[:-20])
  missing = str(tmp_path / "missing.png")
  for flags, message in [
      ([f"--image={missing}", f"--mask={gray}"],
       f"--image={missing}: no such file"),
      ([f"--image={gray}", f"--mask={junk}"], f"--mask={junk}: not a PNG"),
      ([f"--image={cut}", f"--mask={gray}"], f"--image={cut}: damaged PNG"),
      ([f"--image={rgb}", f"--mask={gray}"],
       f"--image={rgb} is RGB (3 channels); the model takes --channels=1"),
      ([f"--image={gray}", f"--mask={gray}", "--channels=3"],
       "is grayscale (1 channel); the model takes --channels=3"),
      ([f"--image={gray}", f"--mask={gray}", "--size=32"],
       "is 16x16; the model takes --size=32"),
      ([f"--image={gray}", f"--mask={mask20}"],
       f"--mask={mask20} is 20x20 but --image is 16x16"),
      ([f"--image={gray}", f"--mask={gray}", "--channels=2"],
       "--channels=2 must be 1 or 3"),
      ([f"--image={gray}", f"--mask={gray}", "--format=xml"],
       "flag --format=xml"),
      ([f"--image={gray}"], "--image and --mask are required"),
  ]:
    _assert_client_error(cli("export.client", *flags), message)
  ok = cli("export.client", f"--image={gray}", f"--mask={gray}",
           f"--size={SIZE}")
  assert ok.returncode == 0 and '"complete_png"' in ok.stdout


def test_limits_come_from_the_export_flags(tiny_export, tmp_path):
  export_dir = tmp_path / "e"
  result = cli("export.main", f"--workdir={tiny_export[0]}",
               f"--export_dir={export_dir}", "--max_batch=2",
               "--max_steps=1", "--max_restarts=1", "--max_png_bytes=200")
  assert result.returncode == 0, result.stderr[-3000:]
  path = str(export_dir / "completer" / "1")
  marker = versions.read_marker(path)
  assert marker["limits"] == {"max_batch": 2, "max_steps": 1,
                              "max_restarts": 1, "max_png_bytes": 200}
  # The served defaults (300 steps, 2 restarts) were lowered to the limits.
  assert (marker["search_defaults"]["steps"],
          marker["search_defaults"]["restarts"]) == (1, 1)
  served = tf.saved_model.load(path)
  # The warm-up requests fit the limits.
  for record in tf.data.TFRecordDataset(os.path.join(path, WARMUP_FILE)):
    request = prediction_log_pb2.PredictionLog.FromString(
        record.numpy()).predict_log.request
    served.signatures[request.model_spec.signature_name](**{
        k: tf.make_ndarray(v) for k, v in request.inputs.items()})
  images, masks = _good(3)
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match="batch=3 must be between 1 and 2 images"):
    _call(served, "serving_default", images, masks)
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match="steps=2 must be between 0 and 1"):
    _call(served, "complete_options", images[:1], masks[:1], steps=2)
  png = tf.io.encode_png(np.random.default_rng(0).integers(
      0, 256, (SIZE, SIZE, 1), np.uint8)).numpy()
  assert len(png) > 200
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match=r"image_png\[0\] is \d+ bytes; at most 200"):
    _png_call(served, [png], [_gray_png(SIZE, SIZE)])
