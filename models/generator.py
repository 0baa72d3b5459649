"""DCGAN generator: z -> image in [-1, 1]."""

import keras

from models import layers
from models.small_map_conv import SmallMapConv2DTranspose


@keras.saving.register_keras_serializable(package="dcgan")
class Generator(layers.Network):
  """Maps z ~ U(-1, 1) to an image through fractionally-strided convolutions.

  Dense -> 4x4x(8*gf) -> [5x5 stride-2 transposed conv, batch norm, ReLU] ...
  -> 5x5 stride-2 transposed conv to `channels` -> tanh.

  The output layer runs in float32 whatever the global dtype policy, so mixed
  precision never leaks float16 images out of the model.

  Args:
    image_size: Output height and width, a power of two in [16, 128].
    channels: Output channels, 1 or 3.
    z_dim: Length of z.
    gf: Width of the last hidden layer; the first is 8*gf.
    sync_batch_norm: Synchronize batch-norm statistics across the replicas of
      a tf.distribute strategy (set by the training job when it runs on more
      than one replica; the weights are the same either way).

  Example:
    >>> g = Generator(image_size=32, channels=1, z_dim=100, gf=32)
    >>> g(keras.random.uniform((2, 100), -1, 1)).shape
    TensorShape([2, 32, 32, 1])
  """

  def __init__(
    self,
    image_size=64,
    channels=3,
    z_dim=100,
    gf=128,
    sync_batch_norm=False,
    **kwargs,
  ):
    super().__init__(**kwargs)
    self.keep_arguments(
      image_size=image_size,
      channels=channels,
      z_dim=z_dim,
      gf=gf,
      sync_batch_norm=sync_batch_norm,
    )

    init = layers.dcgan_initializer()
    top_width = 8 * gf
    self.project = keras.layers.Dense(
      4 * 4 * top_width, use_bias=False, kernel_initializer=init, name="project"
    )
    self.reshape = keras.layers.Reshape((4, 4, top_width))
    self.project_norm = layers.batch_norm("project_bn", sync_batch_norm)

    # Each layer is its own attribute: tf.train.Checkpoint does not see
    # layers that Keras 3 holds in lists, so their weights and batch-norm
    # statistics would silently be left out of checkpoints.
    self.num_deconvs = self.model_config.num_upsamplings - 1
    width = top_width
    for i in range(self.num_deconvs):
      width = max(width // 2, gf)
      setattr(
        self,
        f"deconv{i}",
        SmallMapConv2DTranspose(
          width,
          5,
          strides=2,
          padding="same",
          use_bias=False,
          kernel_initializer=init,
          name=f"deconv{i}",
        ),
      )
      setattr(
        self,
        f"deconv{i}_bn",
        layers.batch_norm(f"deconv{i}_bn", sync_batch_norm),
      )
    self.feature_width = width
    self.to_image = keras.layers.Conv2DTranspose(
      channels,
      5,
      strides=2,
      padding="same",
      kernel_initializer=init,
      name="to_image",
    )
    self.tanh = keras.layers.Activation("tanh", dtype="float32", name="tanh")

  def call(self, z, training=False):
    return self.from_features(self.features(z, training=training))

  def features(self, z, training=False):
    """z -> the map before the output layer, [N, S/2, S/2, feature_width].

    This is where the generator is cut in two for the feature search
    (inpainting/feature_search.py) and the export's `features` signature:
    the map after the last hidden block's ReLU, at the finest scale the
    generator draws with. In the compute dtype (float16 under mixed
    precision).
    """
    x = self.reshape(self.project(z))
    x = keras.ops.relu(self.project_norm(x, training=training))
    for deconv, norm in self.blocks():
      x = keras.ops.relu(norm(deconv(x), training=training))
    return x

  def from_features(self, features):
    """The output layer: features -> images [N, S, S, C] in [-1, 1], float32."""
    return self.tanh(self.to_image(features))

  def from_features_tuned(self, features, kernel_delta, bias_delta):
    """The output layer with each image's own weights, for per-image
    fine-tuning (Deep Generative Prior, inpainting/layer_tuning.py):
    tanh(conv_transpose(features_i, W + kernel_delta_i) + b + bias_delta_i).

    Zero deltas give from_features(features). The transposed convolution
    is linear in its kernel, so the shared layer runs once for the batch
    and only each image's delta runs on its own.

    Args:
      features: [N, S/2, S/2, feature_width].
      kernel_delta: [N] + output_kernel_shape().
      bias_delta: [N, channels].

    Returns:
      [N, S, S, C] in [-1, 1], float32.
    """
    features = keras.ops.cast(features, "float32")
    shared = keras.ops.cast(self.to_image(features), "float32")

    def own_delta(args):
      image_features, kernel = args
      return keras.ops.conv_transpose(
        image_features[None], kernel, strides=2, padding="same"
      )[0]

    delta = keras.ops.vectorized_map(own_delta, (features, kernel_delta))
    return keras.ops.tanh(shared + delta + bias_delta[:, None, None, :])

  def output_kernel_shape(self):
    """[k, k, channels, feature_width]: the output layer's kernel."""
    size = self.to_image.kernel_size
    return [size[0], size[1], self.channels, self.feature_width]

  def feature_shape(self):
    """[height, width, channels] of `features`' output."""
    size = self.image_size // 2
    return [size, size, self.feature_width]

  def blocks(self):
    """[(transposed conv, batch norm)] between 4x4 and the output layer."""
    return [
      (getattr(self, f"deconv{i}"), getattr(self, f"deconv{i}_bn"))
      for i in range(self.num_deconvs)
    ]
