"""bench/completion_ceiling.py: the model-free fill and the projection."""

import numpy as np

from bench import completion_ceiling
from inpainting.saved_models import load_exported_gan


def test_nearest_mean_fill_ranks_training_images_by_known_pixels_only():
  masks = np.ones((1, 8, 8, 1), np.float32)
  masks[:, 2:6, 2:6] = 0.0
  known = np.broadcast_to(masks[0], (8, 8, 3)) > 0
  image = np.full((1, 8, 8, 3), 0.2, np.float32)
  image[0][~known] = 1.0
  # Same known pixels, another hole: the nearest on the known pixels.
  same_context = image[0].copy()
  same_context[~known] = -1.0
  # Known pixels a little off, the very hole: nearest if the hole counted.
  same_hole = image[0] + 0.5 * known
  train = np.stack([same_hole, same_context]).astype(np.float32)
  filled = completion_ceiling.nearest_mean_fill(train, image, masks, 1)
  np.testing.assert_array_equal(filled[0][known], image[0][known])
  np.testing.assert_allclose(filled[0][~known], -1.0, atol=1e-6)
  # Two neighbours: the hole is their mean, the known pixels stay.
  far = np.full((3, 8, 8, 3), 9.0, np.float32)
  filled = completion_ceiling.nearest_mean_fill(
    np.concatenate([far, train]), image, masks, 2
  )
  np.testing.assert_allclose(filled[0][~known], 0.0, atol=1e-6)
  np.testing.assert_array_equal(filled[0][known], image[0][known])


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
