"""tf.data pipelines for the three --dataset sources.

Every source yields float32 images [H, W, C] in [-1, 1] at the model's size
and channel count: converted to the channels, center-cropped to a square and
resized with antialiasing.
"""

from typing import NamedTuple, Optional

from absl import logging
import numpy as np
import tensorflow as tf

from models.config import ModelConfig
from training import data_sources, embedded_mnist
from training.errors import DataError

AUTOTUNE = tf.data.AUTOTUNE


class ImageSource(NamedTuple):
  images: tf.data.Dataset  # unbatched float32 [H, W, C] in [-1, 1]
  num_images: Optional[int]  # None when unknown
  description: str


def to_model_image(image, model: ModelConfig):
  """uint8 [h, w, c] of any size -> float32 [S, S, C] in [-1, 1]."""
  image = tf.convert_to_tensor(image)
  if image.shape[-1] == 4:  # RGBA: the alpha channel is not part of the image.
    image = image[..., :3]
  if image.shape[-1] == 1 and model.channels == 3:
    image = tf.image.grayscale_to_rgb(image)
  elif image.shape[-1] == 3 and model.channels == 1:
    image = tf.image.rgb_to_grayscale(image)
  height, width = tf.shape(image)[0], tf.shape(image)[1]
  side = tf.minimum(height, width)
  image = tf.image.crop_to_bounding_box(
      image, (height - side) // 2, (width - side) // 2, side, side)
  image = tf.image.resize(tf.cast(image, tf.float32),
                          (model.image_size, model.image_size),
                          antialias=True)
  image = tf.clip_by_value(image, 0.0, 255.0) / 127.5 - 1.0
  return tf.ensure_shape(
      image, (model.image_size, model.image_size, model.channels))


def _decode_file(path, channels):
  return tf.io.decode_image(tf.io.read_file(path), channels=channels,
                            expand_animations=False)


def readable_image_files(paths, channels):
  """The subset of `paths` that decode as images, in order.

  Decodes every file once, in parallel inside tf.data, and drops the ones
  whose decoding fails (corrupt, truncated, or not an image at all).
  """
  ok = tf.data.Dataset.from_tensor_slices(paths).map(
      lambda p: (p, tf.shape(_decode_file(p, channels))),
      num_parallel_calls=AUTOTUNE).ignore_errors()
  return [p.decode() for p, _ in ok.as_numpy_iterator()]


def embedded_images(model: ModelConfig, split: str = "train"):
  """(float32 [N, S, S, C] in [-1, 1], labels) of an embedded MNIST split."""
  digits, labels = embedded_mnist.load_split(split)
  converted = next(iter(tf.data.Dataset.from_tensor_slices(digits).map(
      lambda x: to_model_image(x, model)).batch(len(digits))))
  return converted, labels


def _embedded_source(spec, model):
  # Preprocess all 4,500 once, in memory, instead of every epoch.
  converted, _ = embedded_images(model)
  count = len(converted)
  images = tf.data.Dataset.from_tensor_slices(converted)
  return ImageSource(images, count,
                     f"embedded:{spec.name} (training split, {count} "
                     f"images; {embedded_mnist.HELDOUT_FRACTION:.0%} held out)")


def _folder_source(spec, model, seed):
  paths, non_images = data_sources.find_image_files(spec.path)
  readable = readable_image_files(paths, model.channels)
  unreadable = sorted(set(paths) - set(readable))
  if unreadable:
    logging.warning("folder:%s: skipped %d unreadable image file(s), e.g. %s",
                    spec.path, len(unreadable), unreadable[0])
  if non_images:
    logging.info("folder:%s: ignored %d file(s) without a PNG/JPEG extension",
                 spec.path, non_images)
  if not readable:
    raise DataError(f"--dataset=folder:{spec.path}: none of the "
                    f"{len(paths)} image files could be decoded")
  images = tf.data.Dataset.from_tensor_slices(readable)
  # File order is shuffled here, before decoding, so the shuffle buffer holds
  # file names rather than decoded images.
  images = images.shuffle(len(readable), seed=seed,
                          reshuffle_each_iteration=True)
  images = images.map(lambda p: to_model_image(_decode_file(p, model.channels),
                                               model),
                      num_parallel_calls=AUTOTUNE)
  # A file that changes after the scan must not crash a long job.
  images = images.ignore_errors(log_warning=True)
  return ImageSource(images, len(readable),
                     f"folder:{spec.path} ({len(readable)} images, "
                     f"{len(unreadable)} unreadable skipped)")


def _tfds_source(spec, model, data_dir, seed):
  import tensorflow_datasets as tfds  # pylint: disable=import-outside-toplevel
  where = data_dir or "the default TFDS data dir"
  try:
    builder = tfds.builder(spec.name, data_dir=data_dir)
  except Exception as e:  # TFDS raises several types for an unknown name.
    raise DataError(f"--dataset=tfds:{spec.name}: no such TFDS data set in "
                    f"{where} ({type(e).__name__})") from e
  if not builder.is_prepared():
    raise DataError(
        f"--dataset=tfds:{spec.name}: not prepared in {where}; prepare it "
        f"first (`tfds build {spec.name} --data_dir=DIR`) and pass "
        "--tfds_data_dir=DIR")
  if "image" not in builder.info.features:
    raise DataError(f"--dataset=tfds:{spec.name}: has no 'image' feature")
  try:
    images = builder.as_dataset(
        split=spec.split, shuffle_files=True,
        read_config=tfds.ReadConfig(shuffle_seed=seed))
    num_images = builder.info.splits[spec.split].num_examples
  except (KeyError, ValueError) as e:
    raise DataError(
        f"--dataset=tfds:{spec.name}:{spec.split}: unknown split; available: "
        f"{', '.join(builder.info.splits)}") from e
  images = images.map(lambda ex: to_model_image(ex["image"], model),
                      num_parallel_calls=AUTOTUNE)
  return ImageSource(images, num_images,
                     f"tfds:{spec.name}:{spec.split} ({num_images} images)")


def image_source(dataset: str, model: ModelConfig,
                 tfds_data_dir: Optional[str] = None, seed: int = 0):
  """Resolves a --dataset spec into an ImageSource; raises DataError."""
  spec = data_sources.parse_dataset_spec(dataset)
  if spec.kind == "embedded":
    return _embedded_source(spec, model)
  if spec.kind == "folder":
    return _folder_source(spec, model, seed)
  return _tfds_source(spec, model, tfds_data_dir, seed)


def training_batches(source: ImageSource, batch_size: int, seed: int,
                     shuffle_buffer: int, num_shards: int = 1,
                     shard_index: int = 0) -> tf.data.Dataset:
  """Endless, shuffled batches of [batch_size, H, W, C].

  With `num_shards` > 1 (one input pipeline per worker) this pipeline keeps
  every num_shards-th image from `shard_index` on, so workers see disjoint
  images; all use the same seed, so the shards stay disjoint every epoch.
  """
  images = source.images
  if num_shards > 1:
    images = images.shard(num_shards, shard_index)
  images = images.shuffle(shuffle_buffer, seed=seed,
                          reshuffle_each_iteration=True).repeat()
  return images.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def data_seed(seed: int, start_step: int) -> int:
  """A data-order seed per (run seed, resume step).

  A resumed run draws a fresh order instead of replaying the first batches it
  already trained on; a run that is not interrupted is fully reproducible.
  """
  return int(np.random.SeedSequence([seed, start_step]).generate_state(1)[0])
