"""Small-map convolutions as matrix multiplies equal the stock Keras layers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from models.config import CELEBA64
from models.networks import build_networks, global_dtype_policy
from models.small_map_conv import SmallMapConv2D, SmallMapConv2DTranspose


def _same_weights(stock, ours, inputs):
  stock(inputs)
  ours(inputs)
  rng = np.random.default_rng(0)
  weights = [
    rng.normal(0, 0.1, w.shape).astype(np.float32) for w in stock.get_weights()
  ]
  stock.set_weights(weights)
  ours.set_weights(weights)


def _outputs_and_gradients(layer, inputs):
  with tf.GradientTape() as tape:
    tape.watch(inputs)
    outputs = layer(inputs)
    loss = tf.reduce_sum(tf.cast(outputs, tf.float32) ** 2)
  return [outputs, *tape.gradient(loss, [inputs, layer.kernel])]


@pytest.mark.parametrize(
  "stock_class, our_class, path_attr",
  [
    (keras.layers.Conv2DTranspose, SmallMapConv2DTranspose, "_scatter"),
    (keras.layers.Conv2D, SmallMapConv2D, "_gather"),
  ],
)
@pytest.mark.parametrize(
  "size, kernel, bias, activation, fast",
  [
    (4, 5, False, None, True),  # the DCGAN case: 4x4 <-> 8x8, 5x5 kernel
    (2, 4, True, "relu", True),  # even kernel, bias and activation
    (4, 3, True, None, True),
    (8, 5, False, None, False),  # larger maps: the stock kernel runs
  ],
)
def test_equals_the_stock_layer(
  stock_class, our_class, path_attr, size, kernel, bias, activation, fast
):
  # The transposed conv takes the small map, the conv returns it.
  input_size = size if stock_class is keras.layers.Conv2DTranspose else 2 * size
  inputs = tf.random.normal((3, input_size, input_size, 6), seed=1)
  args = dict(
    filters=7,
    kernel_size=kernel,
    strides=2,
    padding="same",
    use_bias=bias,
    activation=activation,
  )
  stock, ours = stock_class(**args), our_class(**args)
  _same_weights(stock, ours, inputs)
  assert (getattr(ours, path_attr) is not None) == fast
  for expected, actual in zip(
    _outputs_and_gradients(stock, inputs), _outputs_and_gradients(ours, inputs)
  ):
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
  "policy, dtype",
  [("mixed_float16", tf.float16), ("mixed_bfloat16", tf.bfloat16)],
)
@pytest.mark.parametrize(
  "stock_class, our_class, input_size",
  [
    (keras.layers.Conv2DTranspose, SmallMapConv2DTranspose, 4),
    (keras.layers.Conv2D, SmallMapConv2D, 8),
  ],
)
def test_equal_under_mixed_precision(
  policy, dtype, stock_class, our_class, input_size
):
  inputs = tf.random.normal((2, input_size, input_size, 8), seed=2)
  with global_dtype_policy(policy):
    stock = stock_class(4, 5, strides=2, padding="same")
    ours = our_class(4, 5, strides=2, padding="same")
  _same_weights(stock, ours, inputs)
  expected, actual = stock(inputs), ours(inputs)
  assert actual.dtype == expected.dtype == dtype
  np.testing.assert_allclose(
    tf.cast(actual, tf.float32),
    tf.cast(expected, tf.float32),
    rtol=3e-2,
    atol=3e-2,
  )


@pytest.mark.parametrize(
  "stock_class, our_class, built, called",
  [
    (keras.layers.Conv2DTranspose, SmallMapConv2DTranspose, 4, 8),
    (keras.layers.Conv2D, SmallMapConv2D, 8, 16),
  ],
)
def test_a_map_of_another_size_runs_the_stock_kernel(
  stock_class, our_class, built, called
):
  args = dict(filters=4, kernel_size=5, strides=2, padding="same")
  stock, ours = stock_class(**args), our_class(**args)
  _same_weights(stock, ours, tf.zeros((1, built, built, 3)))
  inputs = tf.random.normal((2, called, called, 3), seed=5)
  np.testing.assert_allclose(ours(inputs), stock(inputs), rtol=1e-4, atol=1e-5)


def test_dcgan_layers_on_4x4_maps_take_the_matmul_path():
  generator, discriminator = build_networks(CELEBA64)
  blocks = [deconv for deconv, _ in generator.blocks()]
  assert [b._scatter is not None for b in blocks] == [True, False, False]
  convs = [
    getattr(discriminator, f"conv{i}") for i in range(discriminator.num_convs)
  ]
  assert [c._gather is not None for c in convs] == [False, False, False, True]
