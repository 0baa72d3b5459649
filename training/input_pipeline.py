"""tf.data pipelines for the three --dataset sources.

Every source yields float32 images [H, W, C] in [-1, 1] at the model's size
and channel count: converted to the channels, center-cropped to a square and
resized with antialiasing, by common/pixels.py, the code completion and
the served completer run too, so a file becomes the same tensor everywhere.
"""

from typing import Callable, NamedTuple, Optional

import numpy as np
import tensorflow as tf
from absl import logging

from common import pixels
from models.config import ModelConfig
from training import data_sources, embedded_mnist
from training.errors import DataError

AUTOTUNE = tf.data.AUTOTUNE


class ImageSource(NamedTuple):
  """A data set of unbatched float32 images [H, W, C] in [-1, 1].

  `shard(num_shards, index)` gives every num_shards-th image from `index` on
  (one input pipeline per worker), cut before decoding where the source
  allows it, so each worker decodes only its own images.
  """

  shard: Callable[[int, int], tf.data.Dataset]
  num_images: Optional[int]  # None when unknown
  description: str

  @property
  def images(self) -> tf.data.Dataset:
    """All of the images (one input pipeline)."""
    return self.shard(1, 0)


def _shard(dataset: tf.data.Dataset, num_shards: int, index: int):
  return dataset.shard(num_shards, index) if num_shards > 1 else dataset


def to_model_image(image, model: ModelConfig):
  """uint8 [h, w, c] of any size -> float32 [S, S, C] in [-1, 1]
  (`pixels.to_model_image` at the model's size and channels)."""
  return pixels.to_model_image(image, model.image_size, model.channels)


def _decode_file(path, channels):
  # tf.io.read_file reads any TensorFlow file system (gs://, file://, ...).
  return pixels.decode(tf.io.read_file(path), channels)


def readable_image_files(paths, channels):
  """The subset of `paths` that decode as images, in order.

  Decodes every file once, in parallel inside tf.data, and drops the ones
  whose decoding fails (corrupt, truncated, or not an image at all).
  """
  ok = (
    tf.data.Dataset.from_tensor_slices(paths)
    .map(
      lambda p: (p, tf.shape(_decode_file(p, channels))),
      num_parallel_calls=AUTOTUNE,
    )
    .ignore_errors()
  )
  return [p.decode() for p, _ in ok.as_numpy_iterator()]


def embedded_images(model: ModelConfig, split: str = "train"):
  """(float32 [N, S, S, C] in [-1, 1], labels) of an embedded MNIST split."""
  digits, labels = embedded_mnist.load_split(split)
  converted = next(
    iter(
      tf.data.Dataset.from_tensor_slices(digits)
      .map(lambda x: to_model_image(x, model))
      .batch(len(digits))
    )
  )
  return converted, labels


def _embedded_source(spec, model):
  # Preprocess all 4,500 once, in memory, instead of every epoch.
  converted, _ = embedded_images(model)
  count = len(converted)
  images = tf.data.Dataset.from_tensor_slices(converted)
  return ImageSource(
    lambda n, i: _shard(images, n, i),
    count,
    f"embedded:{spec.name} (training split, {count} "
    f"images; {embedded_mnist.HELDOUT_FRACTION:.0%} held out)",
  )


def _folder_source(spec, model, seed):
  paths, non_images = data_sources.find_image_files(spec.path)
  readable = readable_image_files(paths, model.channels)
  unreadable = sorted(set(paths) - set(readable))
  if unreadable:
    logging.warning(
      "folder:%s: skipped %d unreadable image file(s), e.g. %s",
      spec.path,
      len(unreadable),
      unreadable[0],
    )
  if non_images:
    logging.info(
      "folder:%s: ignored %d file(s) without a PNG/JPEG extension",
      spec.path,
      non_images,
    )
  if not readable:
    raise DataError(
      f"--dataset=folder:{spec.path}: none of the "
      f"{len(paths)} image files could be decoded"
    )

  def shard(num_shards, index):
    # Each worker keeps a fixed slice of the file names and decodes only
    # those. File order is shuffled here, before decoding, so the shuffle
    # buffer holds file names rather than decoded images.
    names = _shard(
      tf.data.Dataset.from_tensor_slices(readable), num_shards, index
    )
    names = names.shuffle(
      len(readable), seed=seed, reshuffle_each_iteration=True
    )
    images = names.map(
      lambda p: to_model_image(_decode_file(p, model.channels), model),
      num_parallel_calls=AUTOTUNE,
    )
    # A file that changes after the scan must not crash a long job.
    return images.ignore_errors(log_warning=True)

  return ImageSource(
    shard,
    len(readable),
    f"folder:{spec.path} ({len(readable)} images, "
    f"{len(unreadable)} unreadable skipped)",
  )


def _tfds_source(spec, model, data_dir, seed):
  import tensorflow_datasets as tfds

  where = data_dir or "the default TFDS data dir"
  try:
    builder = tfds.builder(spec.name, data_dir=data_dir)
  except Exception as e:  # TFDS raises several types for an unknown name.
    raise DataError(
      f"--dataset=tfds:{spec.name}: no such TFDS data set in "
      f"{where} ({type(e).__name__})"
    ) from e
  if not builder.is_prepared():
    raise DataError(
      f"--dataset=tfds:{spec.name}: not prepared in {where}; prepare it "
      f"first (`tfds build {spec.name} --data_dir=DIR`) and pass "
      "--tfds_data_dir=DIR"
    )
  if "image" not in builder.info.features:
    raise DataError(f"--dataset=tfds:{spec.name}: has no 'image' feature")
  try:
    num_images = builder.info.splits[spec.split].num_examples
  except (KeyError, ValueError) as e:
    raise DataError(
      f"--dataset=tfds:{spec.name}:{spec.split}: unknown split; available: "
      f"{', '.join(builder.info.splits)}"
    ) from e
  image_feature = builder.info.features["image"]

  def shard(num_shards, index):
    # Records are read undecoded and sharded, then each worker decodes its
    # own; sharding TFDS files instead would need at least one file per
    # worker. Every worker uses the same shuffle_seed, so all read the
    # records in the same order and the shards stay disjoint every epoch.
    records = builder.as_dataset(
      split=spec.split,
      shuffle_files=True,
      read_config=tfds.ReadConfig(shuffle_seed=seed),
      decoders={"image": tfds.decode.SkipDecoding()},
    )
    return _shard(records, num_shards, index).map(
      lambda ex: to_model_image(
        image_feature.decode_example(ex["image"]), model
      ),
      num_parallel_calls=AUTOTUNE,
    )

  return ImageSource(
    shard, num_images, f"tfds:{spec.name}:{spec.split} ({num_images} images)"
  )


def image_source(
  dataset: str,
  model: ModelConfig,
  tfds_data_dir: Optional[str] = None,
  seed: int = 0,
):
  """Resolves a --dataset spec into an ImageSource; raises DataError."""
  spec = data_sources.parse_dataset_spec(dataset)
  if spec.kind == "embedded":
    return _embedded_source(spec, model)
  if spec.kind == "folder":
    return _folder_source(spec, model, seed)
  return _tfds_source(spec, model, tfds_data_dir, seed)


def training_batches(
  source: ImageSource,
  batch_size: int,
  seed: int,
  shuffle_buffer: int,
  mirror: bool = False,
  num_shards: int = 1,
  shard_index: int = 0,
) -> tf.data.Dataset:
  """Endless, shuffled batches of [batch_size, H, W, C].

  With `mirror`, each image is flipped left-right with probability 1/2,
  drawn anew for every time it is read (`mirrored`). With `num_shards` > 1
  (one input pipeline per worker) this pipeline reads only its shard of the
  source, so workers see disjoint images.
  """
  images = source.shard(num_shards, shard_index)
  images = images.shuffle(
    shuffle_buffer, seed=seed, reshuffle_each_iteration=True
  ).repeat()
  if mirror:
    images = mirrored(images, seed, shard_index)
  return images.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def mirrored(images: tf.data.Dataset, seed: int, shard_index: int = 0):
  """Flips each image left-right with probability 1/2.

  Stateless draws keyed by (seed, shard, position in the stream), so a run
  is reproducible and a resumed one (a new data seed) draws afresh, as its
  data order does; each shard draws its own.
  """
  key = _derived_seed(seed, shard_index)

  def flip(position, image):
    return tf.image.stateless_random_flip_left_right(
      image, seed=tf.stack([tf.constant(key, tf.int64), position])
    )

  return images.enumerate().map(flip, num_parallel_calls=AUTOTUNE)


def data_seed(seed: int, start_step: int) -> int:
  """A data-order seed per (run seed, resume step).

  A resumed run draws a fresh order instead of replaying the first batches it
  already trained on; a run that is not interrupted is fully reproducible.
  """
  return _derived_seed(seed, start_step)


def _derived_seed(*parts: int) -> int:
  """A 32-bit seed mixed from `parts` (numpy's SeedSequence)."""
  return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])
