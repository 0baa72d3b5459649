"""tf.Modules whose `serving_default` signatures TensorFlow Serving runs."""

import tensorflow as tf


def backing_variables(*models):
  """The tf.Variables behind the Keras 3 models' weights.

  A tf.Module must track these itself: when only the Keras wrappers are
  tracked, the SavedModel runs under tf.saved_model.load but the TF1 session
  loader (what TensorFlow Serving and saved_model_cli use) fails with "Could
  not find variable ..." (keras-team/keras#19274, #20096).
  """
  return [weight.value for model in models for weight in model.weights]


class GeneratorModule(tf.Module):
  """serving_default: `z` float32 [None, z_dim] -> `images` in [-1, 1]."""

  def __init__(self, generator):
    super().__init__(name="generator_module")
    self.generator = generator
    self.model_variables = backing_variables(generator)
    self.generate = tf.function(
        self._generate,
        input_signature=[tf.TensorSpec([None, generator.z_dim], tf.float32,
                                       name="z")])

  def signatures(self):
    return {"serving_default": self.generate}

  def _generate(self, z):
    return {"images": self.generator(z, training=False)}


class DiscriminatorModule(tf.Module):
  """serving_default: `images` float32 [None, S, S, C] -> `logits` [None, 1]."""

  def __init__(self, discriminator):
    super().__init__(name="discriminator_module")
    self.discriminator = discriminator
    self.model_variables = backing_variables(discriminator)
    size, channels = discriminator.image_size, discriminator.channels
    self.discriminate = tf.function(
        self._discriminate,
        input_signature=[tf.TensorSpec([None, size, size, channels],
                                       tf.float32, name="images")])

  def signatures(self):
    return {"serving_default": self.discriminate}

  def _discriminate(self, images):
    return {"logits": self.discriminator(images, training=False)}
