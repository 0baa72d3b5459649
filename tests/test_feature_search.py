"""The generator's split signatures and the searches beyond z on them:
the feature search (ILO), the multi-code composition (mGANprior) and the
per-image tuning of the output layer (Deep Generative Prior)."""

import dataclasses
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from common import masks
from common.errors import InputError
from export import restore
from inpainting import complete, feature_search, losses, multi_code
from inpainting.saved_models import load_exported_gan
from inpainting.search import SearchConfig, search_for

ILO = SearchConfig(
  steps=3,
  restarts=2,
  pool_size=4,
  search="ilo",
  feature_steps=4,
  feature_radius=0.5,
  feature_learning_rate=0.05,
)
MGAN = dataclasses.replace(ILO, search="mgan", codes=3)
DGP = dataclasses.replace(ILO, search="dgp", tune_learning_rate=0.01)
BEYOND_Z = pytest.mark.parametrize(
  "config", [ILO, MGAN, DGP], ids=["ilo", "mgan", "dgp"]
)


def export_without_split(export_dir, dest):
  """A copy of the export whose generator has only the signatures that
  exports before the split had (serving_default and sample)."""
  shutil.copytree(export_dir, dest)
  for version in os.listdir(os.path.join(dest, "generator")):
    path = os.path.join(dest, "generator", version)
    loaded = tf.saved_model.load(path)
    kept = {
      name: loaded.signatures[name] for name in ("serving_default", "sample")
    }
    staged = path + ".new"
    tf.saved_model.save(loaded, staged, signatures=kept)
    shutil.copytree(
      os.path.join(path, "assets.extra"), os.path.join(staged, "assets.extra")
    )
    shutil.rmtree(path)
    os.rename(staged, path)
  return str(dest)


def _images(count, size=16, seed=0):
  rng = np.random.default_rng(seed)
  return rng.uniform(-1, 1, (count, size, size, 1)).astype(np.float32)


def test_split_signatures_compose_to_serving_default(tiny_export):
  workdir, export_dir = tiny_export
  gan = load_exported_gan(export_dir)
  z = tf.random.uniform((3, gan.z_dim), -1, 1, seed=2)
  features = gan.features(z)
  # tiny: 16 px, one hidden block of 16 channels before the output layer.
  assert features.shape == (3, 8, 8, 16)
  assert float(tf.reduce_min(features)) >= 0  # a ReLU's output
  whole = gan.generate(z).numpy()
  np.testing.assert_allclose(gan.from_features(features), whole, atol=1e-5)
  # ... and the model's own layers give the same.
  generator = restore.restore_networks(workdir).generator
  np.testing.assert_allclose(generator(z, training=False), whole, atol=1e-5)


def test_tuned_output_layer_signature_matches_the_model(tiny_export):
  workdir, export_dir = tiny_export
  gan = load_exported_gan(export_dir)
  generator = restore.restore_networks(workdir).generator
  assert gan.output_kernel_shape == generator.output_kernel_shape()
  assert gan.output_kernel_shape == [5, 5, 1, 16]
  features = gan.features(tf.random.uniform((2, gan.z_dim), -1, 1, seed=3))
  zeros = tf.zeros([2] + gan.output_kernel_shape), tf.zeros([2, 1])
  # Zero deltas: the trained layer.
  np.testing.assert_allclose(
    gan.from_features_tuned(features, *zeros),
    gan.from_features(features),
    atol=1e-5,
  )
  rng = np.random.default_rng(0)
  kernel = tf.constant(rng.normal(0, 0.05, [2, 5, 5, 1, 16]), tf.float32)
  bias = tf.constant(rng.normal(0, 0.1, [2, 1]), tf.float32)
  np.testing.assert_allclose(
    gan.from_features_tuned(features, kernel, bias),
    generator.from_features_tuned(features, kernel, bias),
    atol=1e-5,
  )


def test_exports_without_the_tuned_layer_refuse_dgp(tiny_export):
  gan = load_exported_gan(tiny_export[1])
  older = dataclasses.replace(gan, from_features_tuned=None)
  complete.Completer(older, ILO)  # the split alone still serves ilo
  with pytest.raises(InputError, match="^--search=dgp: .* no from_features_tu"):
    complete.Completer(older, DGP)


def test_exports_without_the_split_load_and_refuse_ilo(tiny_export, tmp_path):
  old = export_without_split(tiny_export[1], tmp_path / "old")
  gan = load_exported_gan(old)
  assert gan.features is None and gan.from_features is None
  complete.Completer(gan, SearchConfig(steps=1))  # z-only still runs
  for config in (ILO, MGAN, DGP):
    with pytest.raises(
      InputError, match=f"^--search={config.search}: version 1 of this"
    ):
      complete.Completer(gan, config)


@BEYOND_Z
def test_batch_of_two_equals_two_batches_of_one(tiny_export, config):
  gan = load_exported_gan(tiny_export[1])
  images = _images(2)
  mask = masks.make_masks(["center", "irregular"], 2, 16, seed=3)
  keys = np.array([7, 11])
  together = complete.Completer(gan, config, batch_size=2)(images, mask, keys)
  apart = complete.Completer(gan, config, batch_size=1)(images, mask, keys)
  for name in ("generated", "blended", "loss", "uncertainty", "z"):
    np.testing.assert_allclose(
      getattr(together, name), getattr(apart, name), atol=1e-5, err_msg=name
    )


@BEYOND_Z
def test_differs_from_z_only_and_fits_the_known_pixels_better(
  tiny_export, config
):
  gan = load_exported_gan(tiny_export[1])
  images = _images(3, seed=5)
  mask = masks.make_masks(["center"], 3, 16)
  # One restart: with more, another restart may win after the search.
  config = dataclasses.replace(config, restarts=1)
  beyond = complete.Completer(gan, config)(images, mask)
  z_only = complete.Completer(gan, dataclasses.replace(config, search="z"))(
    images, mask
  )
  # Same z search, then the search beyond z lowers each image's loss.
  np.testing.assert_allclose(beyond.z, z_only.z, atol=1e-6)
  assert np.all(beyond.loss < z_only.loss)
  # With no steps of its own it starts from the z search's fill exactly.
  start = complete.Completer(gan, dataclasses.replace(config, feature_steps=0))(
    images, mask
  )
  np.testing.assert_allclose(start.generated, z_only.generated, atol=1e-5)


def test_multi_code_composes_each_codes_map_channel_by_channel():
  maps = tf.constant(np.arange(2 * 3 * 2 * 2 * 4, dtype=np.float32))
  maps = tf.reshape(maps, [2, 3, 2, 2, 4])
  importance = tf.constant(
    np.random.default_rng(0).normal(size=(2, 3, 4)), tf.float32
  )
  composed = multi_code.compose(maps, importance)
  expected = np.einsum("ncxyk,nck->nxyk", maps.numpy(), importance.numpy())
  np.testing.assert_allclose(composed, expected, rtol=1e-5)


def test_multi_code_draws_depend_on_the_seed_alone():
  first = multi_code.extra_codes(3, 8, tf.constant(5, tf.int64))
  assert first.shape == (3, 8) and np.all(np.abs(first) <= 1)
  np.testing.assert_array_equal(first, multi_code.extra_codes(3, 8, 5))
  assert not np.allclose(first, multi_code.extra_codes(3, 8, 6))


def _search_setup(gan, config, count=3):
  # The pool start alone: the encoder's guess would hide the search's work.
  search = search_for(dataclasses.replace(gan, encode=None), config)
  images = tf.constant(_images(count, seed=9))
  weights = losses.importance_weights(
    tf.constant(masks.make_masks(["center"], count, 16))
  )
  start = gan.features(tf.random.uniform((count, gan.z_dim), -1, 1, seed=4))
  return search, start, images, weights


@pytest.mark.parametrize("radius", [0.0, 0.05, 0.3])
def test_feature_search_stays_in_its_ball(tiny_export, radius):
  gan = load_exported_gan(tiny_export[1])
  config = dataclasses.replace(
    ILO, feature_radius=radius, feature_steps=6, feature_learning_rate=0.5
  )
  search, start, images, weights = _search_setup(gan, config)
  features, total, _, generated = feature_search.search_features(
    search, start, images, weights
  )
  distance = tf.norm(tf.reshape(features - start, [3, -1]), axis=1)
  limit = radius * tf.norm(tf.reshape(start, [3, -1]), axis=1)
  assert np.all(distance.numpy() <= limit.numpy() * (1 + 1e-5) + 1e-6)
  assert float(tf.reduce_min(features)) >= 0
  np.testing.assert_allclose(generated, gan.from_features(features), atol=1e-6)
  if radius:
    # The large step size takes every image to its ball's edge.
    np.testing.assert_allclose(distance, limit, rtol=1e-3)


def test_projection_is_per_image():
  start = tf.constant(np.ones((2, 2, 2, 1), np.float32))
  moved = start + tf.constant([[[[3.0]]], [[[0.01]]]])
  projected = feature_search.project(moved, start, 0.5)
  # Image 0 is pulled back to its ball's edge; image 1 was inside it.
  np.testing.assert_allclose(projected[0], np.full((2, 2, 1), 1.5), atol=1e-6)
  np.testing.assert_allclose(projected[1], moved[1], atol=1e-6)


@BEYOND_Z
def test_completer_module_serves_the_search(tiny_export, config):
  from export.completer import CompleterModule

  workdir, export_dir = tiny_export
  run = restore.restore_networks(workdir)
  module = CompleterModule(
    run.generator, run.discriminator, config, encoder=run.encoder
  )
  images = _images(2, seed=1)
  mask = masks.make_masks(["center"], 2, 16)
  served = module.complete(images, mask)
  ours = complete.Completer(load_exported_gan(export_dir), config)(images, mask)
  np.testing.assert_allclose(served["generated"], ours.generated, atol=1e-4)
  z_only = complete.Completer(
    load_exported_gan(export_dir), dataclasses.replace(config, search="z")
  )(images, mask)
  assert np.abs(served["generated"] - z_only.generated).max() > 1e-3


def test_split_signatures_run_in_a_tf1_session(tiny_export):
  # TensorFlow Serving loads SavedModels like this, not like tf.saved_model.
  path = os.path.join(tiny_export[1], "generator", "1")
  with tf.compat.v1.Session(graph=tf.Graph()) as sess:
    meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
    features_sig = meta.signature_def["features"]
    images_sig = meta.signature_def["from_features"]
    tuned_sig = meta.signature_def["from_features_tuned"]
    features = sess.run(
      features_sig.outputs["features"].name,
      {features_sig.inputs["z"].name: np.zeros((2, 8), np.float32)},
    )
    images = sess.run(
      images_sig.outputs["images"].name,
      {images_sig.inputs["features"].name: features},
    )
    tuned = sess.run(
      tuned_sig.outputs["images"].name,
      {
        tuned_sig.inputs["features"].name: features,
        tuned_sig.inputs["kernel_delta"].name: np.zeros(
          (2, 5, 5, 1, 16), np.float32
        ),
        tuned_sig.inputs["bias_delta"].name: np.zeros((2, 1), np.float32),
      },
    )
  assert features.shape == (2, 8, 8, 16) and images.shape == (2, 16, 16, 1)
  assert np.all(np.abs(images) <= 1)
  np.testing.assert_allclose(tuned, images, atol=1e-5)


@pytest.mark.slow
def test_dcgan_export_sets_the_served_search(tiny_export, tmp_path):
  from export import versions
  from tests.conftest import export_completer

  export_dir = tmp_path / "e"
  path = export_completer(
    tiny_export[0],
    export_dir,
    "--search=mgan",
    "--codes=2",
    "--feature_steps=3",
    "--feature_learning_rate=0.5",  # 3 steps of 0.005 would hardly move
    "--views=2",
  )
  defaults = versions.read_marker(path)["search_defaults"]
  assert (
    defaults["search"],
    defaults["codes"],
    defaults["feature_steps"],
    defaults["views"],
  ) == ("mgan", 2, 3, 2)
  images = _images(2, seed=2)
  mask = masks.make_masks(["center"], 2, 16)
  served = tf.saved_model.load(path).signatures["serving_default"](
    images=tf.constant(images), masks=tf.constant(mask)
  )
  ours = complete.Completer(
    load_exported_gan(str(export_dir)), SearchConfig(**defaults)
  )(images, mask)
  np.testing.assert_allclose(served["generated"], ours.generated, atol=1e-4)
  z_only = tf.saved_model.load(
    os.path.join(tiny_export[1], "completer", "1")
  ).signatures["serving_default"](
    images=tf.constant(images), masks=tf.constant(mask)
  )
  assert np.abs(served["generated"] - z_only["generated"]).max() > 1e-3
