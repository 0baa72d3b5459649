"""The three --dataset sources: embedded MNIST, folder:PATH and tfds:NAME."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from models.config import ModelConfig
from tests.conftest import cli, write_image
from training import data_sources, embedded_mnist, input_pipeline
from training.errors import DataError

RGB16 = ModelConfig(image_size=16, channels=3, z_dim=8, gf=4, df=4)
GRAY16 = ModelConfig(image_size=16, channels=1, z_dim=8, gf=4, df=4)


def _collect(source, limit=100):
  return np.stack(list(source.images.take(limit).as_numpy_iterator()))


def test_embedded_split_is_fixed_disjoint_and_stratified():
  train, train_labels = embedded_mnist.load_split("train")
  heldout, heldout_labels = embedded_mnist.load_split("heldout")
  assert train.shape == (4500, 32, 32, 1) and heldout.shape == (500, 32, 32, 1)
  assert np.all(np.bincount(heldout_labels) == 50)
  assert np.all(np.bincount(train_labels) == 450)
  # No held-out digit appears in training.
  train_rows = {image.tobytes() for image in train}
  assert not any(image.tobytes() in train_rows for image in heldout)
  # The split is a pure function of the fixed seed.
  again, _ = embedded_mnist.load_split("heldout")
  np.testing.assert_array_equal(heldout, again)


def test_embedded_source_yields_model_images():
  source = input_pipeline.image_source("embedded:mnist", GRAY16)
  images = _collect(source)
  assert source.num_images == 4500
  assert images.shape[1:] == (16, 16, 1) and images.dtype == np.float32
  assert images.min() >= -1 and images.max() <= 1
  assert images.min() == -1  # the black background


def test_folder_skips_corrupt_and_non_image_files(tmp_path, caplog):
  root = tmp_path / "images"
  rng = np.random.default_rng(0)
  write_image(str(root / "a.png"), rng.integers(0, 256, (20, 30, 3)))
  write_image(str(root / "sub" / "b.jpg"), rng.integers(0, 256, (40, 24, 3)))
  write_image(str(root / "sub" / "gray.png"), rng.integers(0, 256, (16, 16, 1)))
  (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
  (root / "notes.txt").write_text("not an image")

  with caplog.at_level("WARNING"):
    source = input_pipeline.image_source(f"folder:{root}", RGB16, seed=0)
  assert source.num_images == 3
  assert "skipped 1 unreadable" in caplog.text and "corrupt.png" in caplog.text
  images = _collect(source)
  assert images.shape == (3, 16, 16, 3)
  assert images.min() >= -1 and images.max() <= 1
  batches = input_pipeline.training_batches(source, 2, seed=0, shuffle_buffer=8)
  assert next(iter(batches)).shape == (2, 16, 16, 3)


def _distinct_images(count, size=4):
  """`count` images whose left-right flips are new images too."""
  values = np.arange(count * size * size, dtype=np.float32)
  return values.reshape(count, size, size, 1)


def _flipped_rows(images, seed, shard_index=0):
  """Whether each image of `mirrored`'s stream came out flipped."""
  dataset = tf.data.Dataset.from_tensor_slices(images)
  out = list(
    input_pipeline.mirrored(dataset, seed, shard_index).as_numpy_iterator()
  )
  flipped = []
  for original, image in zip(images, out):
    # Each image comes out as itself or its mirror image, never else.
    assert (image == original).all() or (image == original[:, ::-1]).all()
    flipped.append(not (image == original).all())
  return flipped


def test_mirror_flips_about_half_reproducibly_and_per_seed_and_shard():
  images = _distinct_images(400)
  flipped = _flipped_rows(images, seed=5)
  assert 150 < sum(flipped) < 250
  assert _flipped_rows(images, seed=5) == flipped
  assert _flipped_rows(images, seed=6) != flipped
  assert _flipped_rows(images, seed=5, shard_index=1) != flipped


def test_mirror_draws_anew_each_epoch_and_only_when_asked():
  images = _distinct_images(16)
  source = input_pipeline.ImageSource(
    lambda n, i: tf.data.Dataset.from_tensor_slices(images), 16, "test"
  )

  def epochs(mirror):
    # A batch is the whole set; shuffle_buffer 1 keeps the file order.
    batches = input_pipeline.training_batches(
      source, 16, seed=3, shuffle_buffer=1, mirror=mirror
    )
    return [batch.numpy() for batch in batches.take(3)]

  plain = epochs(mirror=False)
  assert all((epoch == images).all() for epoch in plain)
  mirrored = epochs(mirror=True)
  flips = [
    [not (a == b).all() for a, b in zip(epoch, images)] for epoch in mirrored
  ]
  assert all(any(epoch) for epoch in flips)
  assert flips[0] != flips[1] != flips[2]


def _assert_shards_partition(source, num_shards):
  """The shards are disjoint and together hold every image once."""

  def rows(dataset):
    return [image.tobytes() for image in dataset.as_numpy_iterator()]

  shards = [rows(source.shard(num_shards, i)) for i in range(num_shards)]
  everything = rows(source.images)
  assert all(shards)
  assert sorted(sum(shards, [])) == sorted(everything)
  assert len(set(everything)) == len(everything) == source.num_images


def test_folder_shards_partition_the_files(tmp_path):
  rng = np.random.default_rng(2)
  for i in range(5):
    write_image(str(tmp_path / f"{i}.png"), rng.integers(0, 256, (16, 16, 3)))
  source = input_pipeline.image_source(f"folder:{tmp_path}", RGB16, seed=3)
  _assert_shards_partition(source, 2)


def test_center_crop_keeps_the_middle():
  # A wide image whose middle square is white and whose sides are black.
  image = np.zeros((16, 48, 1), np.uint8)
  image[:, 16:32] = 255
  converted = input_pipeline.to_model_image(image, GRAY16).numpy()
  np.testing.assert_allclose(converted, 1.0, atol=1e-5)


@pytest.mark.parametrize(
  "spec, message",
  [
    ("folder:/nonexistent/images", "no such directory"),
    ("mnist", "expected embedded:mnist"),
    ("embedded:cifar", "unknown embedded data set"),
    ("s3:bucket", "unknown source"),
  ],
)
def test_bad_specs(spec, message):
  with pytest.raises(DataError, match=message):
    data_sources.check_dataset_spec(spec)


def test_empty_folder(tmp_path):
  (tmp_path / "readme.txt").write_text("no images here")
  with pytest.raises(DataError, match="no PNG or JPEG"):
    data_sources.check_dataset_spec(f"folder:{tmp_path}")


def test_folder_of_only_corrupt_images(tmp_path):
  (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
  with pytest.raises(DataError, match="none of the 1 image files"):
    input_pipeline.image_source(f"folder:{tmp_path}", RGB16)


# A real TFDS data set, built by this test from a folder of PNGs, then read
# back by name from its data dir with no network.
class FolderShapes(tfds.core.GeneratorBasedBuilder):
  VERSION = tfds.core.Version("1.0.0")
  IMAGE_DIR = None  # set by the fixture

  def _info(self):
    return self.dataset_info_from_configs(
      features=tfds.features.FeaturesDict(
        {"image": tfds.features.Image(shape=(24, 20, 3))}
      )
    )

  def _split_generators(self, dl_manager):
    del dl_manager
    return {
      "train": self._generate_examples("train"),
      "test": self._generate_examples("test"),
    }

  def _generate_examples(self, split):
    for path in sorted(glob.glob(os.path.join(self.IMAGE_DIR, split, "*.png"))):
      yield os.path.basename(path), {"image": path}


@pytest.fixture(scope="module")
def tfds_data_dir(tmp_path_factory):
  image_dir = tmp_path_factory.mktemp("shapes")
  rng = np.random.default_rng(1)
  for split, count in (("train", 6), ("test", 2)):
    for i in range(count):
      write_image(
        str(image_dir / split / f"{i}.png"), rng.integers(0, 256, (24, 20, 3))
      )
  FolderShapes.IMAGE_DIR = str(image_dir)
  data_dir = str(tmp_path_factory.mktemp("tfds"))
  FolderShapes(data_dir=data_dir).download_and_prepare()
  return data_dir


def test_tfds_source_reads_prepared_data(tfds_data_dir):
  source = input_pipeline.image_source(
    "tfds:folder_shapes", GRAY16, tfds_data_dir=tfds_data_dir
  )
  assert source.num_images == 6
  assert _collect(source).shape == (6, 16, 16, 1)
  test_split = input_pipeline.image_source(
    "tfds:folder_shapes:test", RGB16, tfds_data_dir=tfds_data_dir
  )
  assert _collect(test_split).shape == (2, 16, 16, 3)
  # One TFDS file, two workers: records are sharded, then decoded.
  _assert_shards_partition(source, 2)


def test_tfds_errors(tfds_data_dir, tmp_path):
  with pytest.raises(DataError, match="unknown split"):
    input_pipeline.image_source(
      "tfds:folder_shapes:validation", RGB16, tfds_data_dir=tfds_data_dir
    )
  with pytest.raises(DataError, match="no such TFDS data set"):
    input_pipeline.image_source(
      "tfds:no_such_dataset_xyz", RGB16, tfds_data_dir=str(tmp_path)
    )
  # A registered data set that was never prepared: an error, not a download.
  with pytest.raises(DataError, match="not prepared"):
    input_pipeline.image_source(
      "tfds:mnist", RGB16, tfds_data_dir=str(tmp_path)
    )


@pytest.mark.slow
def test_training_job_reads_tfds_from_files_alone(tfds_data_dir, tmp_path):
  # A fresh process has no FolderShapes class: TFDS must load from the files.
  workdir = str(tmp_path / "run")
  result = cli(
    "training.main",
    "--config=tiny",
    f"--workdir={workdir}",
    "--dataset=tfds:folder_shapes",
    f"--tfds_data_dir={tfds_data_dir}",
    "--batch_size=2",
    "--max_steps=2",
    "--channels=3",
  )
  assert result.returncode == 0, result.stderr[-2000:]
  assert "tfds:folder_shapes:train (6 images)" in result.stderr
  assert os.path.exists(os.path.join(workdir, "checkpoints", "ckpt-2.index"))
