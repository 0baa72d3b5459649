"""tf.Modules whose `serving_default` signatures TensorFlow Serving runs."""

import tensorflow as tf


class GeneratorModule(tf.Module):
  """serving_default: `z` float32 [None, z_dim] -> `images` in [-1, 1]."""

  def __init__(self, generator):
    super().__init__(name="generator_module")
    self.generator = generator
    self.generate = tf.function(
        self._generate,
        input_signature=[tf.TensorSpec([None, generator.z_dim], tf.float32,
                                       name="z")])

  def _generate(self, z):
    return {"images": self.generator(z, training=False)}


class DiscriminatorModule(tf.Module):
  """serving_default: `images` float32 [None, S, S, C] -> `logits` [None, 1]."""

  def __init__(self, discriminator):
    super().__init__(name="discriminator_module")
    self.discriminator = discriminator
    size, channels = discriminator.image_size, discriminator.channels
    self.discriminate = tf.function(
        self._discriminate,
        input_signature=[tf.TensorSpec([None, size, size, channels],
                                       tf.float32, name="images")])

  def _discriminate(self, images):
    return {"logits": self.discriminator(images, training=False)}
