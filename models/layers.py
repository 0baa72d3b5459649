"""Initializers and normalization shared by both DCGAN networks."""

import keras

# DCGAN section 4: "All weights were initialized from a zero-centered Normal
# distribution with standard deviation 0.02."
WEIGHT_STDDEV = 0.02


def dcgan_initializer(seed=None):
  return keras.initializers.RandomNormal(stddev=WEIGHT_STDDEV, seed=seed)


def batch_norm(name, synchronized=False):
  """Batch norm; `synchronized` averages the batch statistics over replicas.

  Under a tf.distribute strategy each replica otherwise normalizes with the
  statistics of its own slice of the batch, and the replicas' moving averages
  drift apart.
  """
  # momentum 0.9 / epsilon 1e-5 as in the reference DCGAN implementations;
  # Keras' default momentum 0.99 makes the inference statistics lag far behind
  # a generator that changes every step.
  return keras.layers.BatchNormalization(
    momentum=0.9, epsilon=1e-5, synchronized=synchronized, name=name
  )
