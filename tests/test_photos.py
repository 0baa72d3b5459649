"""Real photos: any size, masks drawn on the photo, the completion written
back at the photo's resolution; and one file -> one tensor in training and
in completion (common/pixels.py)."""

import os

import numpy as np
import pytest
import tensorflow as tf

from common import image_files
from common import masks as masks_lib
from inpainting import complete, image_io, outputs
from inpainting.saved_models import load_exported_gan
from inpainting.search import SearchConfig
from models.config import ModelConfig
from tests.conftest import write_image
from training import input_pipeline

FAST = SearchConfig(steps=3, pool_size=4, restarts=1)
# The hole drawn on a 100x60 photo (rows, columns), inside its centred square
# (columns 20..80).
HOLE = np.s_[20:40, 40:64]


def _photo(channels, height=60, width=100, seed=0):
  return (
    np.random.default_rng(seed)
    .integers(0, 256, (height, width, channels))
    .astype(np.uint8)
  )


def _mask_file(path, height=60, width=100):
  mask = np.full((height, width, 1), 255, np.uint8)
  mask[HOLE] = 0
  write_image(path, mask)
  return path


def test_a_mask_file_is_cropped_and_resized_like_the_image(tmp_path):
  path = _mask_file(str(tmp_path / "mask.png"))
  mask = masks_lib.make_mask(f"file:{path}", 16)
  assert mask.shape == (16, 16, 1)
  # The hole's rows 20..40 of 60 and columns 20..44 of the centred 60.
  expected = np.ones((16, 16), np.float32)
  # Nearest with half-pixel centres: model pixel i samples floor((i + 0.5)
  # * 60 / 16): rows 5..10 -> 20..39, columns 5..11 -> 20..43.
  expected[5:11, 5:12] = 0
  assert np.array_equal(mask[..., 0] == 0, expected == 0)
  # A mask of the model's size is used as it is.
  small = np.full((16, 16, 1), 255, np.uint8)
  small[3:5, 7:9] = 0
  write_image(str(tmp_path / "small.png"), small)
  assert np.array_equal(
    masks_lib.make_mask(f"file:{tmp_path}/small.png", 16), small >= 128
  )


@pytest.mark.parametrize("channels", [3, 1])
def test_a_photo_completes_at_its_own_resolution(
  tiny_export, tmp_path, channels
):
  _, export_dir = tiny_export
  gan = load_exported_gan(export_dir)
  photo = _photo(channels)
  write_image(str(tmp_path / "photo.png"), photo)
  mask = _mask_file(str(tmp_path / "mask.png"))
  out = str(tmp_path / "out")
  complete.complete_files(
    gan,
    str(tmp_path / "photo.png"),
    [f"file:{mask}"],
    out,
    FAST,
    with_metrics=False,
    full_resolution=True,
  )
  size = gan.image_size
  for kind in ("completed", "blended", "generated", "masks"):
    model_size = image_files.read_pixels(os.path.join(out, kind, "photo.png"))
    assert model_size.shape[:2] == (size, size)
  full = image_files.read_pixels(
    os.path.join(out, outputs.FULL_RESOLUTION_DIR, "photo.png")
  ).numpy()
  assert full.shape == photo.shape and full.dtype == np.uint8
  changed = np.any(full != photo, axis=-1)
  assert changed.any()
  # Only the hole changes: the model's 16x16 hole, upsampled (nearest) to
  # the 60x60 square, lies within a model pixel (60/16 px) of the drawn one.
  margin = int(np.ceil(60 / size))
  allowed = np.zeros(changed.shape, bool)
  allowed[
    HOLE[0].start - margin : HOLE[0].stop + margin,
    HOLE[1].start - margin : HOLE[1].stop + margin,
  ] = True
  assert not (changed & ~allowed).any()
  # Byte-identical outside the hole: exactly the upsampled mask's known part.
  model_mask = image_files.read_pixels(os.path.join(out, "masks", "photo.png"))
  hole = tf.image.resize(model_mask, (60, 60), method="nearest").numpy()
  known = np.ones((60, 100), bool)
  known[:, 20:80] = hole[..., 0] >= 128
  assert np.array_equal(full[known], photo[known])


def test_write_back_keeps_alpha_and_everything_outside_the_hole():
  photo = _photo(4, 30, 20)
  mask = np.ones((16, 16, 1), np.float32)
  mask[4:8, 4:8] = 0
  completed = np.full((16, 16, 3), 1.0, np.float32)  # white
  full = image_io.write_back(photo, completed, mask)
  assert full.shape == photo.shape
  assert np.array_equal(full[..., 3], photo[..., 3])
  top, left, side = image_io.crop_box(30, 20)
  assert (top, left, side) == (5, 0, 20)
  region = full[top : top + side, left : left + side, :3]
  assert (region[5:10, 5:10] == 255).all()  # 4..8 of 16 -> 5..10 of 20
  outside = np.ones((30, 20), bool)
  outside[top + 5 : top + 10, left + 5 : left + 10] = False
  assert np.array_equal(full[outside], photo[outside])


def _encode(path, pixels):
  data = (
    tf.io.encode_jpeg(pixels, quality=90)
    if path.endswith(".jpg")
    else tf.io.encode_png(pixels)
  )
  tf.io.write_file(path, data)


@pytest.mark.parametrize(
  "name,source_channels",
  [("rgb.png", 3), ("rgba.png", 4), ("gray.png", 1), ("photo.jpg", 3)],
)
@pytest.mark.parametrize("model_channels", [3, 1])
def test_training_and_completion_read_a_file_identically(
  tmp_path, name, source_channels, model_channels
):
  folder = tmp_path / "data"
  folder.mkdir()
  path = str(folder / name)
  _encode(path, _photo(source_channels, 37, 53, seed=7))
  model = ModelConfig(image_size=16, channels=model_channels)
  source = input_pipeline.image_source(f"folder:{folder}", model)
  trained = np.stack(list(source.images.as_numpy_iterator()))
  completed = complete.load_image_files([path], 16, model_channels)
  assert trained.shape == completed.shape == (1, 16, 16, model_channels)
  assert trained.dtype == completed.dtype == np.float32
  assert np.array_equal(trained, completed)


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("channels", [1, 3])
def test_jpeg_pixels_are_those_other_tools_read(
  tmp_path, channels, progressive
):
  # PIL decodes with libjpeg's accurate integer IDCT; TensorFlow's default
  # (a faster one) is off by a few levels, which would make the pixels that
  # --full_resolution keeps differ from the file's.
  from PIL import Image

  photo = _photo(channels, 37, 53, seed=3)
  path = str(tmp_path / "photo.jpg")
  Image.fromarray(photo[..., 0] if channels == 1 else photo).save(
    path, quality=85, progressive=progressive
  )
  expected = np.asarray(Image.open(path)).reshape(37, 53, channels)
  assert np.array_equal(image_files.read_image(path, channels), expected)
