"""The completer SavedModel: images and masks in, completed images out.

It runs `inpainting`'s LatentSearch and poisson_blend (imported, not copied)
on the exported networks inside one graph, so a TensorFlow Serving client
sends a damaged image and gets the completion back.

Signatures:
  serving_default:   images [N, S, S, C] float32 in [-1, 1], masks [N, S, S, 1]
                     (1 = known) -> blended, completed, generated, loss,
                     uncertainty [N, S, S, 1] (the restarts' and
                     test-time views' standard deviation in the hole)
  complete_options:  the same plus steps (int32), restarts (int32), seed (int64)
  complete_png:      image_png, mask_png: [N] PNG bytes (TF Serving REST's
                     {"b64": ...}); mask black = missing -> blended_bytes,
                     completed_bytes, uncertainty_bytes (PNG bytes; gray
                     level 255 x the standard deviation)
With an encoder (exports of runs that trained one) the search starts from
the best of the encoder's z and the pool, inside the same graph.

String outputs end in `_bytes`: TF Serving's REST API base64-encodes a string
output ({"b64": ...}) only when its name has that suffix (IsNamedTensorBytes in
tensorflow_serving/util/json_tensor.cc); any other string is written into the
JSON raw, which PNG bytes are not valid UTF-8 for. String inputs need no
suffix: the server decodes {"b64": ...} for every DT_STRING input.

Every request is checked inside the graph before the search allocates
anything large, and refused with INVALID_ARGUMENT naming the field: shapes;
batch (1 to ServingLimits.max_batch); steps and restarts (up to max_steps,
max_restarts); pixels finite and in [-1, 1]; masks exactly 0 or 1; and for
PNGs their count, byte size, signature and IHDR width and height, read from
the header bytes before any PNG is decoded. The limits are constants of the
graph, set by dcgan-export's flags and recorded in the completer's
assets.extra/dcgan_export.json.
"""

from typing import Optional

import tensorflow as tf

from common import pixels
from export.request_checks import (
  PIXEL_TOLERANCE,
  ServingLimits,
  assert_all,
  first_false,
  in_range,
  png_conditions,
  within_limits,
)
from export.signatures import backing_variables, float32_features
from inpainting.completion_graph import search_and_blend
from inpainting.search import LatentSearch, SearchConfig
from inpainting.search_config import served_config


class CompleterModule(tf.Module):
  """tf.Module holding both networks and the completion signatures.

  Args:
    generator, discriminator: The trained Keras networks.
    config: Default SearchConfig of the served search (None: the served
      defaults with or without an encoder, `served_config`); its steps and
      restarts are lowered to the limits where they exceed them.
    limits: ServingLimits, checked on every request.
    encoder: The trained mask-aware encoder, or None.
  """

  def __init__(
    self,
    generator,
    discriminator,
    config: Optional[SearchConfig] = None,
    limits: ServingLimits = ServingLimits(),
    encoder=None,
  ):
    super().__init__(name="completer_module")
    self.generator = generator
    self.discriminator = discriminator
    self.encoder = encoder
    self.model_variables = backing_variables(
      *[m for m in (generator, discriminator, encoder) if m is not None]
    )
    self.image_size = generator.image_size
    self.channels = generator.channels
    self.limits = limits
    self.config = within_limits(
      config or served_config(encoder is not None), limits
    )
    self.search = LatentSearch(
      lambda z: generator(z, training=False),
      lambda images: discriminator(images, training=False),
      generator.z_dim,
      self.config,
      encode=encoder and (lambda images, masks: encoder((images, masks))),
      # The split the generator SavedModel exports (config.search="ilo").
      features=lambda z: float32_features(generator, z),
      from_features=generator.from_features,
      from_features_tuned=generator.from_features_tuned,
      output_kernel_shape=generator.output_kernel_shape(),
    )
    # Shapes are left open in the signatures and checked inside the graph,
    # so a bad request fails with an InvalidArgument error that says what
    # is wrong.
    self.complete = tf.function(
      self._complete_default,
      input_signature=[
        tf.TensorSpec(None, tf.float32, name="images"),
        tf.TensorSpec(None, tf.float32, name="masks"),
      ],
    )
    self.complete_options = tf.function(
      self._complete_options,
      input_signature=[
        tf.TensorSpec(None, tf.float32, name="images"),
        tf.TensorSpec(None, tf.float32, name="masks"),
        tf.TensorSpec([], tf.int32, name="steps"),
        tf.TensorSpec([], tf.int32, name="restarts"),
        tf.TensorSpec([], tf.int64, name="seed"),
      ],
    )
    self.complete_png = tf.function(
      self._complete_png,
      input_signature=[
        tf.TensorSpec([None], tf.string, name="image_png"),
        tf.TensorSpec([None], tf.string, name="mask_png"),
      ],
    )

  def signatures(self):
    return {
      "serving_default": self.complete,
      "complete_options": self.complete_options,
      "complete_png": self.complete_png,
    }

  def _request_conditions(self, images, masks, steps, restarts):
    """(holds, message) for shapes, batch, steps and restarts: scalars only.

    All are computed on shapes padded to rank 4, so none of them can itself
    fail on a bad shape.
    """
    size, channels, limits = self.image_size, self.channels, self.limits

    def padded_shape(x):
      return tf.concat([tf.shape(x), tf.zeros([4], tf.int32)], 0)[:4]

    image_shape, mask_shape = padded_shape(images), padded_shape(masks)
    batch = image_shape[0]
    return [
      (
        tf.equal(tf.rank(images), 4),
        "images must have rank 4 [batch, height, width, channels]",
      ),
      (
        tf.equal(tf.rank(masks), 4),
        "masks must have rank 4 [batch, height, width, 1]",
      ),
      (
        tf.reduce_all(tf.equal(image_shape[1:], [size, size, channels])),
        f"images must be {size}x{size}x{channels}, the size the model was "
        "trained for",
      ),
      (
        tf.reduce_all(tf.equal(mask_shape[:3], image_shape[:3])),
        "masks must match the images in batch, height and width",
      ),
      (
        tf.equal(mask_shape[3], 1),
        "masks must have 1 channel (1 = known, 0 = missing)",
      ),
      (
        in_range(batch, 1, limits.max_batch),
        tf.strings.format(
          f"batch={{}} must be between 1 and {limits.max_batch} images "
          "(dcgan-export --max_batch)",
          batch,
        ),
      ),
      (
        in_range(steps, 0, limits.max_steps),
        tf.strings.format(
          f"steps={{}} must be between 0 and {limits.max_steps} "
          "(dcgan-export --max_steps)",
          steps,
        ),
      ),
      (
        in_range(restarts, 1, limits.max_restarts),
        tf.strings.format(
          f"restarts={{}} must be between 1 and {limits.max_restarts} "
          "(dcgan-export --max_restarts)",
          restarts,
        ),
      ),
    ]

  @staticmethod
  def _value_conditions(images, masks):
    """(holds, message) for the pixels and mask values (shapes are valid)."""
    low, high = tf.reduce_min(images), tf.reduce_max(images)
    mask_ok = tf.logical_or(tf.equal(masks, 0.0), tf.equal(masks, 1.0))
    flat_ok = tf.reshape(mask_ok, [-1])
    first_bad = tf.gather(
      tf.concat([tf.reshape(masks, [-1]), [0.0]], 0), first_false(flat_ok)
    )
    return [
      (
        tf.reduce_all(tf.math.is_finite(images)),
        "images must be finite (found NaN or Inf)",
      ),
      (
        tf.logical_and(
          low >= -1.0 - PIXEL_TOLERANCE, high <= 1.0 + PIXEL_TOLERANCE
        ),
        tf.strings.format(
          "images must be in [-1, 1] (0..255 pixels: x / 127.5 - 1); "
          "found {} to {}",
          (low, high),
        ),
      ),
      (
        tf.reduce_all(flat_ok),
        tf.strings.format(
          "masks must be exactly 0 (missing) or 1 (known); found {}", first_bad
        ),
      ),
    ]

  def _validated(self, images, masks, steps, restarts, seed):
    """The request, checked; everything returned depends on the checks.

    Two stages: the scalar checks first, so that the per-pixel checks only
    ever read a tensor of a valid, bounded size. The search takes all its
    inputs from here, so nothing of it (not even the seed's shared pool)
    runs before both have passed.
    """
    size, channels = self.image_size, self.channels
    steps = tf.cast(steps, tf.int32)
    restarts = tf.cast(restarts, tf.int32)
    shapes_ok = assert_all(
      self._request_conditions(images, masks, steps, restarts)
    )
    with tf.control_dependencies([shapes_ok]):
      images = tf.reshape(images, [-1, size, size, channels])
      masks = tf.reshape(masks, [-1, size, size, 1])
      values_ok = assert_all(self._value_conditions(images, masks))
    with tf.control_dependencies([values_ok]):
      return (
        tf.clip_by_value(images, -1.0, 1.0),
        tf.identity(masks),
        tf.identity(steps),
        tf.identity(restarts),
        tf.identity(tf.cast(seed, tf.int64)),
      )

  def _run(self, images, masks, steps=None, restarts=None, seed=None):
    config = self.config
    images, masks, steps, restarts, seed = self._validated(
      images,
      masks,
      config.steps if steps is None else steps,
      config.restarts if restarts is None else restarts,
      config.seed if seed is None else seed,
    )
    found = search_and_blend(self.search, images, masks, steps, restarts, seed)
    return {
      key: found[key]
      for key in ("blended", "completed", "generated", "loss", "uncertainty")
    }

  def _complete_default(self, images, masks):
    return self._run(images, masks)

  def _complete_options(self, images, masks, steps, restarts, seed):
    return self._run(images, masks, steps, restarts, seed)

  def _checked_pngs(self, image_png, mask_png):
    """The PNG inputs, after their count and headers passed the checks."""
    count, mask_count = tf.size(image_png), tf.size(mask_png)
    max_batch = self.limits.max_batch
    conditions = [
      (
        in_range(count, 1, max_batch),
        tf.strings.format(
          f"image_png holds {{}} PNGs; a request takes 1 to {max_batch} "
          "(dcgan-export --max_batch)",
          count,
        ),
      ),
      (
        tf.equal(mask_count, count),
        tf.strings.format(
          "mask_png holds {} PNGs but image_png {}: one mask per image",
          (mask_count, count),
        ),
      ),
    ]
    conditions += png_conditions(
      "image_png", image_png, self.image_size, self.limits.max_png_bytes
    )
    conditions += png_conditions(
      "mask_png", mask_png, self.image_size, self.limits.max_png_bytes
    )
    with tf.control_dependencies([assert_all(conditions)]):
      return tf.identity(image_png), tf.identity(mask_png)

  @staticmethod
  def _decode_all(pngs, channels):
    """[N] PNG bytes (headers checked) -> uint8 [N, S, S, channels]."""
    return tf.map_fn(
      lambda png: tf.io.decode_png(png, channels=channels),
      pngs,
      fn_output_signature=tf.TensorSpec(None, tf.uint8),
    )

  def _complete_png(self, image_png, mask_png):
    # No PNG is decoded before its header passed: a small PNG can claim a
    # huge image (20000x20000 gray: 400 MB decoded).
    image_png, mask_png = self._checked_pngs(image_png, mask_png)
    # common.pixels: the one uint8 <-> [-1, 1] conversion, shared with
    # training, dcgan-complete and export.client.
    images = pixels.to_unit_range(self._decode_all(image_png, self.channels))
    # Mask PNG: white = known, black = missing; >= 128 is known, as for
    # `--mask=file:` and export.client.
    masks = tf.cast(self._decode_all(mask_png, 1) >= 128, tf.float32)
    out = self._run(images, masks)

    def encode(batch):
      return tf.map_fn(
        tf.io.encode_png,
        pixels.to_uint8(batch),
        fn_output_signature=tf.TensorSpec([], tf.string),
      )

    return {
      "blended_bytes": encode(out["blended"]),
      "completed_bytes": encode(out["completed"]),
      "uncertainty_bytes": encode(pixels.spread_as_image(out["uncertainty"])),
    }
