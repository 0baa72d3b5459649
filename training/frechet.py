"""Fréchet distance of generated digits, on a small classifier's features.

TF-GAN cannot be imported with TensorFlow 2.21 and Inception weights cannot
be downloaded offline, so the features come from a small CNN trained here on
the embedded training split (Heusel et al. 2017 use Inception's pool3 the
same way). Scores are comparable between runs of this codebase at one image
size, not with published FIDs.
"""

from typing import Optional

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from training import input_pipeline

FEATURE_DIM = 64


def _psd_sqrt(cov) -> np.ndarray:
  """The symmetric square root of a covariance matrix.

  eigh instead of a general matrix square root: a covariance is symmetric
  positive semi-definite, and round-off makes its zero eigenvalues (a
  singular covariance: fewer samples than features, dead ReLU features)
  slightly negative, so they are clipped to 0.
  """
  eigenvalues, eigenvectors = np.linalg.eigh(cov)
  roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
  return (eigenvectors * roots) @ eigenvectors.T


def trace_sqrt_product(cov1, cov2) -> float:
  """Tr((C1 C2)^(1/2)) for symmetric positive semi-definite C1, C2.

  C1 C2 is similar to S C2 S with S = C1^(1/2) (S^-1 (S C2 S) S = C1 C2), and
  S C2 S is symmetric positive semi-definite, so the trace of the square root
  is the sum of the square roots of its eigenvalues. Unlike scipy's sqrtm of
  the non-symmetric C1 C2 this needs no complex arithmetic and stays finite
  for singular covariances (scipy's `disp=False` is deprecated, too).
  """
  root1 = _psd_sqrt(cov1)
  product = root1 @ cov2 @ root1
  eigenvalues = np.linalg.eigvalsh((product + product.T) / 2.0)
  return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))


def frechet_distance_from_stats(mu1, cov1, mu2, cov2) -> float:
  """||mu1 - mu2||^2 + Tr(C1) + Tr(C2) - 2 Tr((C1 C2)^(1/2))."""
  mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
  cov1 = np.atleast_2d(np.asarray(cov1, np.float64))
  cov2 = np.atleast_2d(np.asarray(cov2, np.float64))
  diff = mu1 - mu2
  distance = (
    diff @ diff
    + np.trace(cov1)
    + np.trace(cov2)
    - 2.0 * trace_sqrt_product(cov1, cov2)
  )
  # Round-off can leave identical statistics a hair below zero.
  return float(max(distance, 0.0))


def statistics(features):
  features = np.asarray(features, np.float64)
  return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(features_a, features_b) -> float:
  return frechet_distance_from_stats(
    *statistics(features_a), *statistics(features_b)
  )


def build_classifier(
  image_size: int, channels: int, seed: int = 0, num_classes: int = 10
):
  """(classifier, feature extractor) sharing layers; features = penultimate."""
  init = keras.initializers.GlorotUniform(seed=seed)
  inputs = keras.Input((image_size, image_size, channels))
  x = keras.layers.Conv2D(
    32, 3, strides=2, padding="same", activation="relu", kernel_initializer=init
  )(inputs)
  x = keras.layers.Conv2D(
    64, 3, strides=2, padding="same", activation="relu", kernel_initializer=init
  )(x)
  x = keras.layers.Flatten()(x)
  features = keras.layers.Dense(
    FEATURE_DIM, activation="relu", kernel_initializer=init
  )(x)
  logits = keras.layers.Dense(num_classes, kernel_initializer=init)(features)
  return keras.Model(inputs, logits), keras.Model(inputs, features)


class FrechetScorer:
  """Scores a generator against real images: the embedded training digits,
  or any labelled set (bench/quality_sets.py: letters, colour identities).

  Args:
    images: float32 [N, S, S, C] in [-1, 1], the real images.
    labels: int [N] labels in [0, classes) to train the feature classifier.
    epochs, seed: Classifier training.
  """

  def __init__(self, images, labels, epochs: int = 5, seed: int = 0):
    size, channels = images.shape[1], images.shape[3]
    self.classifier, self.features = build_classifier(
      size, channels, seed, num_classes=int(np.max(labels)) + 1
    )
    self.classifier.compile(
      optimizer=keras.optimizers.Adam(1e-3),
      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
      metrics=["accuracy"],
    )
    history = self.classifier.fit(
      images, labels, batch_size=128, epochs=epochs, verbose=0, shuffle=True
    )
    self.accuracy = float(history.history["accuracy"][-1])
    self.reference = statistics(self.features.predict(images, verbose=0))

  def score_images(self, images) -> float:
    return frechet_distance_from_stats(
      *statistics(self.features.predict(images, verbose=0)), *self.reference
    )

  def score_generator(
    self, generate, z_dim: int, count: int = 1000, seed: int = 0
  ) -> float:
    z = tf.random.stateless_uniform(
      (count, z_dim), seed=(seed, 7), minval=-1.0, maxval=1.0
    )
    return self.score_images(np.asarray(generate(z)))


def scorer_for(config) -> Optional["FrechetScorer"]:
  """A FrechetScorer for a TrainConfig's embedded:mnist run that asks for
  one (frechet_every > 0), else None: the classifier needs digit labels."""
  if not config.frechet_every:
    return None
  if config.dataset != "embedded:mnist":
    logging.info(
      "Fréchet distance needs labelled digits (embedded:mnist); "
      "not computed for %s",
      config.dataset,
    )
    return None
  images, labels = input_pipeline.embedded_images(config.model)
  scorer = FrechetScorer(images.numpy(), labels, seed=config.seed)
  logging.info(
    "Fréchet feature classifier: %.1f%% training accuracy",
    100 * scorer.accuracy,
  )
  return scorer
