"""Masks, importance weights, Poisson blending, metrics and baselines."""

import os
import re

import numpy as np
import pytest
import tensorflow as tf

from common import masks
from common.errors import InputError
from inpainting import baselines, blending, losses, metrics
from tests.conftest import write_image


def test_importance_weights_match_hand_computed_example():
  mask = np.ones((1, 9, 9, 1), np.float32)
  mask[0, 4, 4] = 0  # one missing pixel in the middle
  mask[0, 4, 5] = 0  # and its right neighbour
  weights = losses.importance_weights(mask).numpy()[0, ..., 0]
  expected = np.zeros((9, 9), np.float32)
  for i in range(9):
    for j in range(9):
      if mask[0, i, j, 0]:
        # Missing pixels within the 7x7 window centred on (i, j), over 49.
        near = sum(abs(i - 4) <= 3 and abs(j - c) <= 3 for c in (4, 5))
        expected[i, j] = near / 49.0
  np.testing.assert_allclose(weights, expected, atol=1e-6)
  assert weights[4, 4] == 0 and weights[4, 5] == 0  # missing: weight 0
  assert weights[4, 3] == pytest.approx(2 / 49)
  assert weights[4, 1] == pytest.approx(1 / 49)  # only (4, 4) within 3
  assert weights[0, 0] == 0  # too far from the hole


def test_center_half_grid_shapes():
  center = masks.make_mask("center", 16)
  assert center.shape == (16, 16, 1) and center.dtype == np.float32
  assert center[4:12, 4:12].sum() == 0 and center.sum() == 256 - 64
  assert masks.make_mask("center:0.25", 16).sum() == 256 - 16
  left = masks.make_mask("half:left", 16)
  assert left[:, :8].sum() == 0 and left[:, 8:].all()
  top = masks.make_mask("half:top", 16)
  assert top[:8].sum() == 0 and top[8:].all()
  grid = masks.make_mask("grid:4", 16)
  assert grid[:4, :4].all() and grid[:4, 4:8].sum() == 0
  assert grid.mean() == 0.5


def test_random_and_irregular_are_seeded():
  rng = lambda: np.random.default_rng(5)  # noqa: E731
  random = masks.make_mask("random:0.8", 32, rng())
  assert 0.1 < random.mean() < 0.3  # about 20 % known
  np.testing.assert_array_equal(
    random, masks.make_mask("random:0.8", 32, rng())
  )
  strokes = masks.make_mask("irregular", 32, rng())
  assert 0.02 < 1 - strokes.mean() < 0.9
  np.testing.assert_array_equal(
    strokes, masks.make_mask("irregular", 32, rng())
  )
  assert not np.array_equal(
    strokes, masks.make_mask("irregular", 32, np.random.default_rng(6))
  )


def test_file_mask_black_is_missing(tmp_path):
  pixels = np.full((16, 16, 1), 255, np.uint8)
  pixels[2:6, 3:9] = 0
  path = str(tmp_path / "mask.png")
  write_image(path, pixels)
  mask = masks.make_mask(f"file:{path}", 16)
  assert mask[2:6, 3:9].sum() == 0 and mask.sum() == 256 - 24
  # A mask of another size is resized like the image (nearest neighbour).
  doubled = masks.make_mask(f"file:{path}", 32)
  assert doubled[4:12, 6:18].sum() == 0 and doubled.sum() == 1024 - 96
  write_image(path, np.zeros((16, 16, 1), np.uint8))
  with pytest.raises(InputError, match="no known pixel"):
    masks.make_mask(f"file:{path}", 16)


def test_per_image_masks_in_one_batch():
  batch = masks.make_masks(
    ["center", "half:right", "random", "irregular", "grid"], 7, 16, seed=1
  )
  assert batch.shape == (7, 16, 16, 1)
  np.testing.assert_array_equal(batch[0], masks.make_mask("center", 16))
  np.testing.assert_array_equal(batch[1], masks.make_mask("half:right", 16))
  np.testing.assert_array_equal(batch[5], batch[0])  # specs cycle
  assert not np.array_equal(batch[2], batch[0])


@pytest.mark.parametrize(
  "spec, message",
  [
    ("blob", "unknown mask type"),
    ("center:2", "scale must be in"),
    ("center:0", "scale must be in"),
    ("center:1", "scale must be in"),
    ("center:nan", "scale must be in"),
    ("center:abc", "not a valid"),
    ("half:diagonal", "side must be one of"),
    ("random:lots", "not a valid"),
    ("random:nan", "fraction must be in"),
    ("random:1.5", "fraction must be"),
    ("grid:0", "period must be >= 1"),
    ("grid:-2", "period must be >= 1"),
    ("irregular:0", r"strokes must be in \[1, 64\]"),
    ("irregular:100000000", r"strokes must be in \[1, 64\]"),
    ("file:", "give the mask image's path"),
    ("file:/nonexistent.png", "no such file"),
    ("file:/tmp", "not a regular"),
  ],
)
def test_bad_mask_specs_fail_before_the_size_is_known(spec, message):
  with pytest.raises(InputError, match=f"^--mask={re.escape(spec)}: "):
    masks.parse_spec(spec)
  with pytest.raises(InputError, match=message):
    masks.make_mask(spec, 16)


@pytest.mark.parametrize("specs", [[], [""], ["center", ""]])
def test_an_empty_mask_list_or_entry_is_an_error(specs):
  with pytest.raises(InputError, match="empty mask spec"):
    masks.parse_specs(specs)


def test_size_dependent_mask_errors(tmp_path):
  with pytest.raises(InputError, match=r"grid:16: period must be in \[1, 16\)"):
    masks.make_mask("grid:16", 16)
  masks.make_mask("grid:15", 16)
  with pytest.raises(InputError, match="center:0.99: the mask has no known"):
    masks.make_mask("center:0.99", 16)
  junk = tmp_path / "junk.png"
  junk.write_bytes(b"not an image")
  with pytest.raises(InputError, match="junk.png: not a readable PNG/JPEG"):
    masks.make_mask(f"file:{junk}", 16)
  fifo = tmp_path / "pipe.png"
  os.mkfifo(fifo)  # Reading it would block: refused as not a regular file.
  with pytest.raises(InputError, match="pipe.png: not a regular file"):
    masks.make_masks([f"file:{fifo}"], 2, 16)
  white = str(tmp_path / "white.png")
  write_image(white, np.full((16, 16, 1), 255, np.uint8))
  with pytest.raises(InputError, match="white.png: the mask has no missing"):
    masks.make_masks(["center", f"file:{white}"], 2, 16)


def test_default_grid_and_irregular_bound():
  np.testing.assert_array_equal(
    masks.make_mask("grid", 16), masks.make_mask("grid:2", 16)
  )
  assert masks.parse_spec(f"irregular:{masks.MAX_STROKES}").arg == 64
  # The most strokes may cover a small image: a clear error, not a hang.
  with pytest.raises(InputError, match="irregular:64: the mask has no known"):
    masks.make_mask("irregular:64", 16)


def _batch(seed=0, size=16, channels=3):
  rng = np.random.default_rng(seed)
  images = rng.uniform(-1, 1, (3, size, size, channels)).astype(np.float32)
  mask = masks.make_masks(["center", "random", "irregular"], 3, size)
  return images, mask


def test_blending_returns_the_image_when_generated_equals_it():
  images, mask = _batch()
  blended = blending.poisson_blend(images, images, mask).numpy()
  np.testing.assert_allclose(blended, images, atol=1e-5)


def test_blending_keeps_known_pixels_and_removes_an_offset():
  images, mask = _batch()
  generated = (
    np.random.default_rng(1).uniform(-1, 1, images.shape).astype(np.float32)
  )
  blended = blending.poisson_blend(images, generated, mask).numpy()
  known = np.broadcast_to(mask, images.shape) == 1
  np.testing.assert_array_equal(blended[known], images[known])
  # G = y + constant has y's gradients: in a hole enclosed by known pixels
  # (the center mask's) blending must give back y.
  shifted = blending.poisson_blend(images, images + 0.3, mask).numpy()
  np.testing.assert_allclose(shifted[0], images[0], atol=1e-4)


def test_at_the_frame_the_correction_fades_to_gs_own_values():
  # The left half missing: known pixels on one side, the frame on three.
  rng = np.random.default_rng(2)
  images = rng.uniform(-1, 1, (1, 16, 16, 1)).astype(np.float32)
  mask = masks.make_masks(["half:left"], 1, 16)
  offset = (
    blending.poisson_blend(images, images + 0.3, mask).numpy() - images
  )[0, :, :8, 0]
  # Nothing is left of the offset next to the known half, and it grows
  # towards the far edge, where G's own values are kept, never past them.
  column = offset.mean(axis=0)
  assert np.all(np.diff(column) < 0), column
  assert 0.0 < column[-1] < 0.1 and 0.2 < column[0] < 0.3, column
  assert np.all((offset > 0) & (offset < 0.3))


def test_blending_runs_inside_tf_function():
  images, mask = _batch(channels=1)
  blend = tf.function(blending.poisson_blend)
  np.testing.assert_allclose(
    blend(images, images, mask).numpy(), images, atol=1e-5
  )


def test_ssim_map_agrees_with_tf_image_ssim():
  a, _ = _batch(0, size=24)
  b, _ = _batch(1, size=24)
  a, b = (a + 1) / 2, (b * 0.3 + a * 0.7 + 1) / 2
  ours = tf.reduce_mean(metrics.ssim_map(a, b, "VALID"), axis=[1, 2])
  np.testing.assert_allclose(
    ours.numpy(), tf.image.ssim(a, b, max_val=1.0).numpy(), atol=1e-4
  )


def test_hole_metrics_look_only_at_the_hole():
  images, mask = _batch()
  perfect = metrics.image_metrics(images, images, mask)
  np.testing.assert_allclose(perfect["hole_psnr"], metrics.MAX_PSNR)
  np.testing.assert_allclose(perfect["hole_ssim"], 1.0, atol=1e-5)
  noisy = images + 0.2 * (1 - mask)  # error in the hole only: 0.1 on [0, 1]
  scores = metrics.image_metrics(images, noisy, mask)
  np.testing.assert_allclose(scores["hole_psnr"], 20.0, atol=1e-3)
  assert np.all(scores["psnr"] > scores["hole_psnr"])
  # Changing known pixels does not move the hole scores.
  other = metrics.image_metrics(images, noisy + 0.5 * mask, mask)
  np.testing.assert_allclose(other["hole_psnr"], scores["hole_psnr"])


@pytest.mark.parametrize("name", sorted(baselines.BASELINES))
def test_baselines_fill_a_flat_image_flat(name):
  images = np.full((2, 16, 16, 1), 0.2, np.float32)
  images[1] = -0.6
  mask = masks.make_masks(["center"], 2, 16)
  filled = baselines.run_baseline(name, images, mask)
  assert filled.shape == images.shape
  # OpenCV works on uint8 and Telea lands up to 2 grey levels off.
  np.testing.assert_allclose(filled, images, atol=3 / 127.5)
  rgb, rgb_mask = _batch(channels=3)
  out = baselines.run_baseline(name, rgb, rgb_mask)
  known = np.broadcast_to(rgb_mask, rgb.shape) == 1
  np.testing.assert_array_equal(out[known], rgb[known])
  assert np.all(np.isfinite(out))
