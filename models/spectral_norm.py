"""Spectral normalization (Miyato et al. 2018) of a layer's kernel.

The layer computes with W / sigma(W), sigma the largest singular value of
the kernel reshaped to [fan_in, filters], estimated by power iteration with
a persistent vector u (section 2.1, Algorithm 1). As in the paper, sigma is
differentiated as v^T W u with u and v held fixed, so the gradient flows
through the normalization (their equation 12) and the optimizer updates the
raw W.

Our own, not keras.layers.SpectralNormalization: that wrapper runs a power
iteration in every training call and writes W / sigma back into the kernel
variable, so the gradient is taken with sigma constant, D's two or three
calls per step would each iterate, and inference uses whatever the last
optimizer update left in the kernel. Here the iteration is a separate call,
`power_iteration()`, which the training step makes once per step (see
Discriminator.power_iteration), and every call, training or not, uses
W / sigma(W, u). The layers are subclasses that override the `kernel`
property, which Keras' Dense, Conv2D and our SmallMapConv2D all read in
call(): the raw kernel stays the variable `_kernel` under the stock name,
and u is one more non-trainable variable of the layer, so tf.train.Checkpoint
saves and restores it with the layer.
"""

import keras
from keras import ops

from models.small_map_conv import SmallMapConv2D

# Keeps a norm of exactly zero (an all-zero kernel) from dividing by zero.
_EPSILON = 1e-12


def _unit(x):
  return x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x)), _EPSILON**2))


class _SpectrallyNormalized:
  """Mixin for a Keras layer with a `_kernel` variable and `kernel` property.

  Adds `spectral_u` [1, filters], the power iteration's vector: float32,
  never autocast (mixed precision keeps the estimate in float32) and
  written once per step, identically on every replica (only the first
  replica's write counts).
  """

  def build(self, input_shape):
    super().build(input_shape)
    self.spectral_u = self.add_weight(
      name="spectral_u",
      shape=(1, self._kernel.shape[-1]),
      initializer=keras.initializers.RandomNormal(stddev=1.0),
      trainable=False,
      autocast=False,
      aggregation="only_first_replica",
    )

  def _matrix(self, kernel):
    """The kernel as [fan_in, filters], in float32."""
    return ops.cast(ops.reshape(kernel, (-1, kernel.shape[-1])), "float32")

  def sigma(self):
    """The current estimate of the kernel's largest singular value."""
    return self._sigma(self._kernel)

  def _sigma(self, kernel):
    # With v = unit(W u), v^T W u = |W u|: the paper's estimate, its
    # gradient v u^T (u held fixed; u is not trainable).
    u = _unit(ops.convert_to_tensor(self.spectral_u))
    product = ops.matmul(self._matrix(kernel), ops.transpose(u))
    return ops.maximum(ops.sqrt(ops.sum(ops.square(product))), _EPSILON)

  @property
  def kernel(self):
    # In call() under mixed precision this reads the autocast kernel.
    kernel = ops.convert_to_tensor(super().kernel)
    if not hasattr(self, "spectral_u"):  # inside build()
      return kernel
    return kernel / ops.cast(self._sigma(kernel), kernel.dtype)

  def power_iteration(self):
    """One step of u <- unit(W^T unit(W u)) on the raw float32 kernel."""
    matrix = self._matrix(self._kernel)
    u = ops.convert_to_tensor(self.spectral_u)
    v = _unit(ops.matmul(u, ops.transpose(matrix)))
    self.spectral_u.assign(_unit(ops.matmul(v, matrix)))

  def _own_variables(self):
    bias = [self.bias] if self.use_bias else []
    return [self._kernel, *bias, self.spectral_u]

  # The stock savers would write `kernel`, the normalized one (Conv2D) or
  # leave spectral_u out: these write the variables themselves.
  def save_own_variables(self, store):
    if self.built:
      for i, variable in enumerate(self._own_variables()):
        store[str(i)] = variable

  def load_own_variables(self, store):
    self._check_load_own_variables(store)
    if self.built:
      for i, variable in enumerate(self._own_variables()):
        variable.assign(store[str(i)])


class SpectralNormConv2D(_SpectrallyNormalized, SmallMapConv2D):
  """SmallMapConv2D computing with its spectrally normalized kernel."""


class SpectralNormDense(_SpectrallyNormalized, keras.layers.Dense):
  """keras.layers.Dense computing with its spectrally normalized kernel."""
