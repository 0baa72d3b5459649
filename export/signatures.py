"""tf.Modules with the signatures that TensorFlow Serving runs."""

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


def float32_features(generator, z):
  """G's map before its output layer (Generator.features) in inference mode,
  as float32 whatever the dtype policy: the `features` signature's dtype.

  Batch norm uses its moving statistics, as serving_default does, so no
  image's features depend on the others in its batch.
  """
  return tf.cast(generator.features(z, training=False), tf.float32)


class GeneratorModule(tf.Module):
  """The generator's signatures.

  serving_default: `z` float32 [None, z_dim] -> `images` in [-1, 1].
  sample: `count` int32 scalar, `seed` int64 scalar -> `z` [count, z_dim]
    drawn uniformly from [-1, 1) (the prior the generator was trained on,
    z ~ U(-1, 1)) and `images` = G(z). The same seed gives the same images.
  features: `z` -> `features` [None, S/2, S/2, width], the generator's map
    before its output layer (`Generator.features`).
  from_features: `features` -> `images`; from_features(features(z)) is
    serving_default(z). The completion's feature search
    (SearchConfig.search="ilo") runs these two.
  from_features_tuned: `features`, `kernel_delta` [None, k, k, C, width]
    and `bias_delta` [None, C] -> `images`: the output layer with each
    image's own weights, the trained ones plus its deltas (zero deltas:
    from_features). The per-image fine-tuning (SearchConfig.search="dgp")
    runs it.

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
    self.features = tf.function(
      lambda z: {"features": float32_features(generator, z)},
      input_signature=[z_spec],
    )
    self.from_features = tf.function(
      lambda features: {"images": generator.from_features(features)},
      input_signature=[
        tf.TensorSpec(
          [None] + generator.feature_shape(), tf.float32, name="features"
        )
      ],
    )
    self.from_features_tuned = tf.function(
      lambda features, kernel_delta, bias_delta: {
        "images": generator.from_features_tuned(
          features, kernel_delta, bias_delta
        )
      },
      input_signature=[
        tf.TensorSpec(
          [None] + generator.feature_shape(), tf.float32, name="features"
        ),
        tf.TensorSpec(
          [None] + generator.output_kernel_shape(),
          tf.float32,
          name="kernel_delta",
        ),
        tf.TensorSpec(
          [None, generator.channels], tf.float32, name="bias_delta"
        ),
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
      "from_features_tuned": self.from_features_tuned,
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
