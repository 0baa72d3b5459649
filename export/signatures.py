"""tf.Modules with the signatures that TensorFlow Serving runs."""

import keras
import tensorflow as tf


def backing_variables(*models):
  """The tf.Variables behind the Keras 3 models' weights.

  A tf.Module must track these itself: when only the Keras wrappers are
  tracked, the SavedModel runs under tf.saved_model.load but the TF1 session
  loader (what TensorFlow Serving and saved_model_cli use) fails with "Could
  not find variable ..." (keras-team/keras#19274, #20096).
  """
  return [weight.value for model in models for weight in model.weights]


# Most images one `sample` request may ask for (dcgan-export passes its
# --max_batch), so a request cannot allocate without bound.
MAX_SAMPLE_COUNT = 64


class GeneratorSplit:
  """The generator cut in two at its feature map `features_k`.

  The cut is the input of the last transposed convolution (`to_image`):
  the map after the last hidden block's ReLU, S/2 x S/2 x its width
  (16x16x64 for mnist32). Searching it (inpainting/feature_search.py)
  reshapes the hole at the finest scale the generator draws with, while the
  output layer still turns it into the generator's strokes.

  Both halves run batch norm in inference mode (its moving statistics, as
  serving_default does), so no image's result depends on the others in its
  batch. `from_features(features(z))` is `generator(z)` (tests check it).

  Args:
    generator: A Keras Generator (models/generator.py).
  """

  def __init__(self, generator):
    self.generator = generator

  def features(self, z):
    """z [N, z_dim] -> features_k [N, S/2, S/2, width], float32."""
    g = self.generator
    # Generator.call up to its output layer.
    x = g.reshape(g.project(z))
    x = keras.ops.relu(g.project_norm(x, training=False))
    for deconv, norm in g.blocks():
      x = keras.ops.relu(norm(deconv(x), training=False))
    return tf.cast(x, tf.float32)

  def from_features(self, features):
    """features_k -> images [N, S, S, C] in [-1, 1]."""
    g = self.generator
    return g.tanh(g.to_image(features))

  def feature_shape(self):
    """[height, width, channels] of features_k."""
    size = self.generator.image_size // 2
    return [
      size,
      size,
      self.features(tf.zeros([1, self.generator.z_dim])).shape[-1],
    ]


class GeneratorModule(tf.Module):
  """The generator's signatures.

  serving_default: `z` float32 [None, z_dim] -> `images` in [-1, 1].
  sample: `count` int32 scalar, `seed` int64 scalar -> `z` [count, z_dim]
    drawn uniformly from [-1, 1) (the prior the generator was trained on,
    z ~ U(-1, 1)) and `images` = G(z). The same seed gives the same images.
  features: `z` -> `features` [None, S/2, S/2, width], the generator's map
    before its output layer (`GeneratorSplit`).
  from_features: `features` -> `images`; from_features(features(z)) is
    serving_default(z). The completion's feature search
    (SearchConfig.search="ilo") runs these two.

  Args:
    generator: The trained Keras generator.
    max_count: Largest `count` of `sample`; larger is INVALID_ARGUMENT.
  """

  def __init__(self, generator, max_count: int = MAX_SAMPLE_COUNT):
    super().__init__(name="generator_module")
    self.generator = generator
    self.model_variables = backing_variables(generator)
    self.max_count = max_count
    z_spec = tf.TensorSpec([None, generator.z_dim], tf.float32, name="z")
    self.generate = tf.function(self._generate, input_signature=[z_spec])
    self.split = GeneratorSplit(generator)
    self.features = tf.function(
      lambda z: {"features": self.split.features(z)}, input_signature=[z_spec]
    )
    self.from_features = tf.function(
      lambda features: {"images": self.split.from_features(features)},
      input_signature=[
        tf.TensorSpec(
          [None] + self.split.feature_shape(), tf.float32, name="features"
        )
      ],
    )
    self.sample = tf.function(
      self._sample,
      input_signature=[
        tf.TensorSpec([], tf.int32, name="count"),
        tf.TensorSpec([], tf.int64, name="seed"),
      ],
    )

  def signatures(self):
    return {
      "serving_default": self.generate,
      "sample": self.sample,
      "features": self.features,
      "from_features": self.from_features,
    }

  def _generate(self, z):
    return {"images": self.generator(z, training=False)}

  def _sample(self, count, seed):
    ok = tf.debugging.Assert(
      tf.logical_and(count >= 1, count <= self.max_count),
      [
        tf.strings.format(
          f"count={{}} must be between 1 and {self.max_count} images", count
        )
      ],
    )
    # The draw depends on the check: a huge count never allocates.
    with tf.control_dependencies([ok]):
      count = tf.identity(count)
    # Stateless: the served model holds no random state, so one seed gives
    # one z on every server and replica.
    z = tf.random.stateless_uniform(
      tf.stack([count, self.generator.z_dim]),
      seed=tf.stack([seed, tf.constant(0, tf.int64)]),
      minval=-1.0,
      maxval=1.0,
      dtype=tf.float32,
    )
    return {"images": self.generator(z, training=False), "z": z}


class DiscriminatorModule(tf.Module):
  """serving_default: `images` float32 [None, S, S, C] -> `logits` [None, 1]."""

  def __init__(self, discriminator):
    super().__init__(name="discriminator_module")
    self.discriminator = discriminator
    self.model_variables = backing_variables(discriminator)
    size, channels = discriminator.image_size, discriminator.channels
    self.discriminate = tf.function(
      self._discriminate,
      input_signature=[
        tf.TensorSpec([None, size, size, channels], tf.float32, name="images")
      ],
    )

  def signatures(self):
    return {"serving_default": self.discriminate}

  def _discriminate(self, images):
    return {"logits": self.discriminator(images, training=False)}


class EncoderModule(tf.Module):
  """serving_default: `images` float32 [None, S, S, C] in [-1, 1] and
  `masks` [None, S, S, 1] (1 = known) -> `z` [None, z_dim], the generator's
  latent code for each partly known image (the start of the z search)."""

  def __init__(self, encoder):
    super().__init__(name="encoder_module")
    self.encoder = encoder
    self.model_variables = backing_variables(encoder)
    size, channels = encoder.image_size, encoder.channels
    self.encode = tf.function(
      self._encode,
      input_signature=[
        tf.TensorSpec([None, size, size, channels], tf.float32, name="images"),
        tf.TensorSpec([None, size, size, 1], tf.float32, name="masks"),
      ],
    )

  def signatures(self):
    return {"serving_default": self.encode}

  def _encode(self, images, masks):
    return {"z": self.encoder((images, masks))}
