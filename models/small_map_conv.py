"""Convolutions on 4x4 maps computed as matrix multiplies.

The generator's first upsampling takes a 4x4 map to 8x8 with a 5x5 kernel.
At 4x4 most kernel taps fall on borders, and the stock transposed-convolution
kernels handle that poorly: on the project's CPU (oneDNN) that one layer took
as long as the next two together, which do the same FLOPs on larger maps.
Timings: docs/benchmarks.md, "Small-map convolutions".

Written as matrix multiplies, the forward pass is one large GEMM and one
small one:
  cols = x[B*H*W, Cin] @ kernel[Cin, k*k*Cout]     every tap of every pixel
  out  = S[OH*OW, H*W*k*k] @ cols[B, H*W*k*k, Cout]  add each tap where it lands
S is a fixed 0/1 matrix (which output pixel each (pixel, tap) pair lands on,
with TensorFlow's "same" padding), so the result is the same transposed
convolution; both gradients are large GEMMs too, and forward plus backward
take about half the stock layer's time. The discriminator's last
convolution (8x8 -> 4x4) is the mirror image: gather with S transposed,
then one GEMM. The kernel variables keep the stock layers' shapes and
names, so checkpoints and SavedModels do not change. Any other map size
runs the stock layer.
"""

import keras
import numpy as np

# Input maps up to this many pixels take the matrix-multiply path; larger
# ones are where the stock kernels are efficient (and S would grow
# quadratically).
MAX_MATMUL_PIXELS = 16


def transposed_conv_scatter_matrix(height, width, kernel_size, stride):
  """S[out_pixel, (in_pixel, tap)] = 1 where that tap of that input pixel
  lands, for a "same"-padded transposed convolution (output = input *
  stride); taps that land outside the output are dropped."""
  out_h, out_w = height * stride, width * stride
  # TensorFlow pads the matching forward convolution by
  # max(k - stride, 0) in total, the smaller half before.
  pad_before = max(kernel_size - stride, 0) // 2
  scatter = np.zeros(
    (out_h * out_w, height * width * kernel_size * kernel_size), np.float32
  )
  for i in range(height):
    for j in range(width):
      for ty in range(kernel_size):
        for tx in range(kernel_size):
          oy = i * stride + ty - pad_before
          ox = j * stride + tx - pad_before
          if 0 <= oy < out_h and 0 <= ox < out_w:
            column = ((i * width + j) * kernel_size + ty) * kernel_size + tx
            scatter[oy * out_w + ox, column] = 1.0
  return scatter


def _square_same_padded(layer) -> bool:
  """The layouts the matrix-multiply paths handle: "same" padding,
  channels_last, square kernel and strides, no dilation."""
  kernel_size, stride = layer.kernel_size[0], layer.strides[0]
  return (
    layer.padding == "same"
    and layer.data_format == "channels_last"
    and layer.kernel_size == (kernel_size, kernel_size)
    and layer.strides == (stride, stride)
    and layer.dilation_rate == (1, 1)
  )


def _add_bias_and_activate(layer, outputs):
  """What the stock layers do after their convolution."""
  if layer.use_bias:
    outputs = keras.ops.add(outputs, layer.bias)
  if layer.activation is not None:
    outputs = layer.activation(outputs)
  return outputs


class SmallMapConv2DTranspose(keras.layers.Conv2DTranspose):
  """keras.layers.Conv2DTranspose that computes small input maps (at most
  MAX_MATMUL_PIXELS pixels, square kernel and strides, "same" padding,
  channels_last) as matrix multiplies; anything else runs the stock layer."""

  def build(self, input_shape):
    super().build(input_shape)
    _, height, width, _ = input_shape
    kernel_size, stride = self.kernel_size[0], self.strides[0]
    self._scatter = None
    if (
      height
      and width
      and height * width <= MAX_MATMUL_PIXELS
      and _square_same_padded(self)
      and self.output_padding is None
    ):
      self._scatter = transposed_conv_scatter_matrix(
        height, width, kernel_size, stride
      )
      self._in_shape = (height, width, input_shape[-1])  # what S fits

  def call(self, inputs):
    if self._scatter is None or tuple(inputs.shape[1:]) != self._in_shape:
      return super().call(inputs)
    height, width, in_channels = self._in_shape
    taps = self.kernel_size[0] * self.kernel_size[1]
    stride = self.strides[0]
    # kernel [k, k, Cout, Cin] -> [Cin, (tap, Cout)], taps in S's order.
    kernel = keras.ops.reshape(
      keras.ops.transpose(self.kernel, (3, 0, 1, 2)),
      (in_channels, taps * self.filters),
    )
    cols = keras.ops.matmul(
      keras.ops.reshape(inputs, (-1, in_channels)), kernel
    )
    cols = keras.ops.reshape(cols, (-1, height * width * taps, self.filters))
    scatter = keras.ops.convert_to_tensor(self._scatter, dtype=cols.dtype)
    outputs = keras.ops.reshape(
      keras.ops.matmul(scatter, cols),
      (-1, height * stride, width * stride, self.filters),
    )
    return _add_bias_and_activate(self, outputs)


class SmallMapConv2D(keras.layers.Conv2D):
  """keras.layers.Conv2D that computes small output maps (at most
  MAX_MATMUL_PIXELS pixels, square kernel and strides, "same" padding,
  channels_last) as matrix multiplies; anything else runs the stock layer.

  The discriminator's last convolution (8x8 -> 4x4) is the mirror image of
  the generator's first: it gathers every tap of every output pixel with S
  transposed, then multiplies by the kernel.
  """

  def build(self, input_shape):
    super().build(input_shape)
    _, height, width, _ = input_shape
    kernel_size, stride = self.kernel_size[0], self.strides[0]
    self._gather = None
    if (
      height
      and width
      and height % stride == 0
      and width % stride == 0
      and height * width <= MAX_MATMUL_PIXELS * stride * stride
      and _square_same_padded(self)
      and self.groups == 1
    ):
      out_h, out_w = height // stride, width // stride
      self._gather = transposed_conv_scatter_matrix(
        out_h, out_w, kernel_size, stride
      ).T
      self._in_shape = (height, width, input_shape[-1])  # what S fits

  def call(self, inputs):
    if self._gather is None or tuple(inputs.shape[1:]) != self._in_shape:
      return super().call(inputs)
    height, width, in_channels = self._in_shape
    stride = self.strides[0]
    taps = self.kernel_size[0] * self.kernel_size[1]
    gather = keras.ops.convert_to_tensor(self._gather, dtype=inputs.dtype)
    # [B, H*W, Cin] -> every (output pixel, tap): [B, OH*OW*taps, Cin].
    patches = keras.ops.matmul(
      gather, keras.ops.reshape(inputs, (-1, height * width, in_channels))
    )
    patches = keras.ops.reshape(patches, (-1, taps * in_channels))
    # kernel [k, k, Cin, Cout] is already in (tap, Cin) order.
    kernel = keras.ops.reshape(self.kernel, (taps * in_channels, self.filters))
    outputs = keras.ops.reshape(
      keras.ops.matmul(patches, kernel),
      (-1, height // stride, width // stride, self.filters),
    )
    return _add_bias_and_activate(self, outputs)
