"""bench/completion_ceiling.py: the model-free fill and the projection."""

import numpy as np

from bench import completion_ceiling
from inpainting.saved_models import load_exported_gan


def _images(count, seed):
  rng = np.random.default_rng(seed)
  return rng.uniform(-1, 1, (count, 8, 8, 1)).astype(np.float32)


def test_nearest_mean_fill_ranks_training_images_by_known_pixels_only():
  train = _images(5, 0)
  masks = np.ones((1, 8, 8, 1), np.float32)
  masks[:, 2:6, 2:6] = 0.0
  # The image is training image 3 with a different hole: the hole must not
  # sway the distance, so image 3 is the one nearest neighbour.
  image = train[3:4].copy()
  image[:, 2:6, 2:6] = 1.0
  filled = completion_ceiling.nearest_mean_fill(train, image, masks, 1)
  np.testing.assert_allclose(filled, train[3:4], atol=1e-6)
  # Two neighbours: the hole is their mean, the known pixels stay.
  near = train[[3, 1]].copy()
  far = train[[0, 2, 4]] + 10.0
  filled = completion_ceiling.nearest_mean_fill(
    np.concatenate([far, near]), image, masks, 2
  )
  hole = masks[0] == 0
  expected_hole = near.mean(0)
  np.testing.assert_allclose(
    filled[0][hole[..., 0]], expected_hole[hole[..., 0]], atol=1e-6
  )
  np.testing.assert_array_equal(
    filled[0][~hole[..., 0]], image[0][~hole[..., 0]]
  )


def test_projection_fits_the_whole_image(tiny_export):
  _, export_dir = tiny_export
  gan = load_exported_gan(export_dir)
  rng = np.random.default_rng(0)
  target = gan.generate(
    rng.uniform(-1, 1, (2, gan.z_dim)).astype(np.float32)
  ).numpy()
  start = np.zeros((2, gan.z_dim), np.float32)
  before = np.square(gan.generate(start).numpy() - target).sum()
  projected = completion_ceiling.project(gan, target, start, steps=30)
  assert projected.shape == target.shape
  assert np.square(projected - target).sum() < 0.5 * before
