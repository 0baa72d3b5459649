"""The completer SavedModel: images and masks in, completed images out.

It runs `inpainting`'s LatentSearch and poisson_blend (imported, not copied)
on the exported networks inside one graph, so a TensorFlow Serving client
sends a damaged image and gets the completion back.

Signatures:
  serving_default:   images [N, S, S, C] float32 in [-1, 1], masks [N, S, S, 1]
                     (1 = known) -> blended, completed, generated, loss
  complete_options:  the same plus steps (int32), restarts (int32), seed (int64)
  complete_png:      image_png, mask_png: [N] PNG bytes (TF Serving REST's
                     {"b64": ...}); mask black = missing -> blended_png,
                     completed_png
"""

import tensorflow as tf

from export.signatures import backing_variables
from inpainting.complete import search_and_blend
from inpainting.search import LatentSearch, SearchConfig

# Shapes are left open in the signatures and checked inside the graph, so a
# bad request fails with an InvalidArgument error that says what is wrong.
_ANY = tf.TensorSpec(None, tf.float32)


class CompleterModule(tf.Module):
  """tf.Module holding both networks and the completion signatures.

  Args:
    generator, discriminator: The trained Keras networks.
    config: Default SearchConfig of the served search.
  """

  def __init__(self, generator, discriminator,
               config: SearchConfig = SearchConfig()):
    super().__init__(name="completer_module")
    self.generator = generator
    self.discriminator = discriminator
    self.model_variables = backing_variables(generator, discriminator)
    self.image_size = generator.image_size
    self.channels = generator.channels
    self.search = LatentSearch(
        lambda z: generator(z, training=False),
        lambda images: discriminator(images, training=False),
        generator.z_dim, config)
    self.config = config
    self.complete = tf.function(
        self._complete_default,
        input_signature=[tf.TensorSpec(None, tf.float32, name="images"),
                         tf.TensorSpec(None, tf.float32, name="masks")])
    self.complete_options = tf.function(
        self._complete_options,
        input_signature=[tf.TensorSpec(None, tf.float32, name="images"),
                         tf.TensorSpec(None, tf.float32, name="masks"),
                         tf.TensorSpec([], tf.int32, name="steps"),
                         tf.TensorSpec([], tf.int32, name="restarts"),
                         tf.TensorSpec([], tf.int64, name="seed")])
    self.complete_png = tf.function(
        self._complete_png,
        input_signature=[tf.TensorSpec([None], tf.string, name="image_png"),
                         tf.TensorSpec([None], tf.string, name="mask_png")])

  def signatures(self):
    return {"serving_default": self.complete,
            "complete_options": self.complete_options,
            "complete_png": self.complete_png}

  def _validated(self, images, masks):
    """Checks rank, sizes and the mask/image agreement inside the graph.

    All conditions are computed on shapes padded to rank 4, so none of them
    can itself fail on a bad shape; one Assert then reports the first that
    does not hold, by name.
    """
    size, channels = self.image_size, self.channels

    def padded_shape(x):
      return tf.concat([tf.shape(x), tf.zeros([4], tf.int32)], 0)[:4]

    image_shape, mask_shape = padded_shape(images), padded_shape(masks)
    conditions = [
        (tf.equal(tf.rank(images), 4),
         "images must have rank 4 [batch, height, width, channels]"),
        (tf.equal(tf.rank(masks), 4),
         "masks must have rank 4 [batch, height, width, 1]"),
        (tf.reduce_all(tf.equal(image_shape[1:], [size, size, channels])),
         f"images must be {size}x{size}x{channels}, the size the model was "
         "trained for"),
        (tf.reduce_all(tf.equal(mask_shape[:3], image_shape[:3])),
         "masks must match the images in batch, height and width"),
        (tf.equal(mask_shape[3], 1),
         "masks must have 1 channel (1 = known, 0 = missing)"),
    ]
    holds = tf.stack([ok for ok, _ in conditions])
    first_failure = tf.gather([message for _, message in conditions],
                              tf.argmin(tf.cast(holds, tf.int32)))
    check = tf.debugging.Assert(tf.reduce_all(holds), [first_failure])
    with tf.control_dependencies([check]):
      images = tf.reshape(images, [-1, size, size, channels])
      masks = tf.reshape(masks, [-1, size, size, 1])
    return images, masks

  def _run(self, images, masks, steps=None, restarts=None, seed=None):
    images, masks = self._validated(images, masks)
    found = search_and_blend(self.search, images, masks, steps, restarts,
                             seed)
    return {key: found[key]
            for key in ("blended", "completed", "generated", "loss")}

  def _complete_default(self, images, masks):
    return self._run(images, masks)

  def _complete_options(self, images, masks, steps, restarts, seed):
    checks = [
        tf.debugging.assert_positive(restarts,
                                     message="restarts must be positive"),
        tf.debugging.assert_non_negative(steps,
                                         message="steps must be >= 0"),
    ]
    with tf.control_dependencies(checks):
      steps = tf.identity(steps)
    return self._run(images, masks, steps, restarts, seed)

  def _decode(self, png, channels):
    pixels = tf.io.decode_png(png, channels=channels)
    return tf.cast(pixels, tf.float32) / 127.5 - 1.0

  def _complete_png(self, image_png, mask_png):
    images = tf.map_fn(lambda p: self._decode(p, self.channels), image_png,
                       fn_output_signature=tf.TensorSpec(None, tf.float32))
    masks = tf.map_fn(lambda p: self._decode(p, 1), mask_png,
                      fn_output_signature=tf.TensorSpec(None, tf.float32))
    # Mask PNG: white = known, black = missing, as for `--mask=file:`.
    masks = tf.cast(masks > 0.0, tf.float32)
    out = self._run(images, masks)

    def encode(batch):
      pixels = tf.cast(tf.round((tf.clip_by_value(batch, -1.0, 1.0) + 1.0) *
                                127.5), tf.uint8)
      return tf.map_fn(tf.io.encode_png, pixels,
                       fn_output_signature=tf.TensorSpec([], tf.string))

    return {"blended_png": encode(out["blended"]),
            "completed_png": encode(out["completed"])}
