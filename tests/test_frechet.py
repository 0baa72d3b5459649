"""Fréchet distance: the formula, and the classifier-based scorer."""

import numpy as np
import pytest

from training import frechet


def test_zero_for_identical_sets():
  features = np.random.default_rng(0).normal(size=(500, 8))
  assert frechet.frechet_distance(features, features) == pytest.approx(
      0.0, abs=1e-6)


def test_positive_and_symmetric():
  rng = np.random.default_rng(1)
  a = rng.normal(size=(400, 6))
  b = rng.normal(loc=0.5, scale=1.5, size=(400, 6))
  ab, ba = frechet.frechet_distance(a, b), frechet.frechet_distance(b, a)
  assert ab > 0
  assert ab == pytest.approx(ba, rel=1e-6)


def test_known_value_for_two_gaussians():
  # Diagonal covariances: ||mu1 - mu2||^2 + sum_i (s1_i - s2_i)^2.
  mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
  s1, s2 = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
  expected = 1 + 0 + 4 + (1 + 0 + 4)
  assert frechet.frechet_distance_from_stats(
      mu1, np.diag(s1**2), mu2, np.diag(s2**2)) == pytest.approx(expected)
  # A full covariance: both sets N(0, C) differ only by the mean.
  cov = np.array([[2.0, 0.5], [0.5, 1.0]])
  assert frechet.frechet_distance_from_stats(
      np.zeros(2), cov, np.array([3.0, 4.0]), cov) == pytest.approx(25.0)


def test_scorer_ranks_real_digits_above_noise():
  from models.config import ModelConfig  # pylint: disable=import-outside-toplevel
  from training.input_pipeline import embedded_images  # pylint: disable=import-outside-toplevel
  model = ModelConfig(image_size=16, channels=1, z_dim=8, gf=4, df=4)
  images, labels = embedded_images(model)
  scorer = frechet.FrechetScorer(images.numpy(), labels)
  assert scorer.accuracy > 0.9
  heldout, _ = embedded_images(model, "heldout")
  noise = np.random.default_rng(0).uniform(-1, 1, heldout.shape)
  assert scorer.score_images(heldout.numpy()) < scorer.score_images(noise)
