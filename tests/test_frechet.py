"""Fréchet distance: the formula, and the classifier-based scorer."""

import warnings

import numpy as np
import pytest

from training import frechet


def test_zero_for_identical_sets():
  features = np.random.default_rng(0).normal(size=(500, 8))
  assert frechet.frechet_distance(features, features) == pytest.approx(
    0.0, abs=1e-6
  )


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
    mu1, np.diag(s1**2), mu2, np.diag(s2**2)
  ) == pytest.approx(expected)
  # A full covariance: both sets N(0, C) differ only by the mean.
  cov = np.array([[2.0, 0.5], [0.5, 1.0]])
  assert frechet.frechet_distance_from_stats(
    np.zeros(2), cov, np.array([3.0, 4.0]), cov
  ) == pytest.approx(25.0)


def test_closed_form_for_rotated_diagonal_covariances():
  # C1 = R diag(a) R^T and C2 = R diag(b) R^T commute, so
  # Tr(C1 + C2 - 2 (C1 C2)^(1/2)) = sum_i (sqrt(a_i) - sqrt(b_i))^2.
  rotation, _ = np.linalg.qr(np.random.default_rng(2).normal(size=(5, 5)))
  a = np.array([4.0, 1.0, 0.25, 9.0, 2.0])
  b = np.array([1.0, 1.0, 1.0, 16.0, 0.5])
  cov1 = rotation @ np.diag(a) @ rotation.T
  cov2 = rotation @ np.diag(b) @ rotation.T
  expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
  assert frechet.frechet_distance_from_stats(
    np.zeros(5), cov1, np.zeros(5), cov2
  ) == pytest.approx(expected, rel=1e-9)


def test_trace_sqrt_product_matches_eigenvalues_of_the_product():
  # The eigenvalues of C1 C2 are those of S C2 S (S = C1^(1/2)): real and
  # non-negative; the trace of the square root is the sum of their roots.
  rng = np.random.default_rng(3)
  x, y = rng.normal(size=(40, 6)), rng.normal(size=(40, 6))
  cov1, cov2 = x.T @ x / 40, y.T @ y / 40 + np.eye(6)
  eigenvalues = np.linalg.eigvals(cov1 @ cov2)
  expected = np.sum(np.sqrt(np.abs(eigenvalues)))
  assert frechet.trace_sqrt_product(cov1, cov2) == pytest.approx(
    expected, rel=1e-9
  )


def test_singular_covariances_are_finite_and_silent():
  # 5 samples of 8 features, and a feature that is always 0 (a dead ReLU):
  # both covariances are singular; scipy's sqrtm warned "Matrix is
  # singular" here.
  rng = np.random.default_rng(4)
  a, b = rng.normal(size=(5, 8)), rng.normal(size=(5, 8))
  a[:, 0] = b[:, 0] = 0.0
  with warnings.catch_warnings():
    warnings.simplefilter("error")
    distance = frechet.frechet_distance(a, b)
    assert frechet.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
  assert np.isfinite(distance) and distance > 0
  mu_a, cov_a = frechet.statistics(a)
  mu_b, cov_b = frechet.statistics(b)
  expected = (
    np.sum((mu_a - mu_b) ** 2)
    + np.trace(cov_a)
    + np.trace(cov_b)
    - 2 * np.sum(np.sqrt(np.abs(np.linalg.eigvals(cov_a @ cov_b))))
  )
  assert distance == pytest.approx(expected, rel=1e-6)


def test_scorer_ranks_real_digits_above_noise():
  from models.config import ModelConfig
  from training.input_pipeline import embedded_images

  model = ModelConfig(image_size=16, channels=1, z_dim=8, gf=4, df=4)
  images, labels = embedded_images(model)
  scorer = frechet.FrechetScorer(images.numpy(), labels)
  assert scorer.accuracy > 0.9
  heldout, _ = embedded_images(model, "heldout")
  noise = np.random.default_rng(0).uniform(-1, 1, heldout.shape)
  assert scorer.score_images(heldout.numpy()) < scorer.score_images(noise)
