"""The small-data recipes: DiffAugment, spectral norm, R1 and TTUR.

Each is a config field that is off by default; off, the step computes what
it did before them.
"""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from common.errors import ConfigError
from export import exporter, restore
from models.config import ModelConfig
from models.networks import build_networks
from tests.conftest import read_scalars, write_image
from training import augment, gan_step
from training import train as train_lib
from training import workdir as workdir_lib
from training.config import AUGMENT_POLICIES, TrainConfig, get_config
from training.errors import WorkdirError
from training.state import TrainState

ALL_POLICIES = ",".join(AUGMENT_POLICIES)
SN_MODEL = ModelConfig(
  image_size=16, channels=1, z_dim=8, gf=4, df=4, ef=4, spectral_norm=True
)


def _images(seed, shape=(4, 16, 16, 3)):
  return tf.random.stateless_uniform(shape, (seed, 0), -1.0, 1.0)


def _seed(step):
  return augment.step_seed(7, step, 0)


# DiffAugment


def test_every_policy_has_its_transforms():
  assert tuple(augment.TRANSFORMS) == AUGMENT_POLICIES


@pytest.mark.parametrize("policy", AUGMENT_POLICIES + (ALL_POLICIES,))
def test_augment_is_differentiable(policy):
  images = _images(1)
  weights = _images(2)  # an arbitrary loss: sum(w * T(x))
  with tf.GradientTape() as tape:
    tape.watch(images)
    loss = tf.reduce_sum(
      weights * augment.augment(images, policy.split(","), _seed(0))
    )
  gradient = tape.gradient(loss, images).numpy()
  assert np.all(np.isfinite(gradient)) and np.any(gradient != 0)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float16])
@pytest.mark.parametrize("channels", [1, 3])
def test_augment_keeps_shape_and_dtype_and_depends_on_the_step(dtype, channels):
  images = tf.cast(_images(3, (4, 16, 16, channels)), dtype)
  policies = AUGMENT_POLICIES
  first = augment.augment(images, policies, _seed(5))
  assert first.shape == images.shape and first.dtype == dtype
  np.testing.assert_array_equal(
    first.numpy(), augment.augment(images, policies, _seed(5)).numpy()
  )
  assert not np.array_equal(
    first.numpy(), augment.augment(images, policies, _seed(6)).numpy()
  )
  assert np.all(np.isfinite(first.numpy()))
  # The geometric policies keep [-1, 1]; color may leave it (nothing
  # clips, as in the paper's code).
  moved = augment.augment(images, ["translation", "cutout"], _seed(5))
  assert np.all(np.abs(moved.numpy()) <= 1.0)


def test_translation_shifts_whole_images_and_fills_with_zero():
  images = _images(4, (8, 16, 16, 1))
  shifted = augment.augment(images, ["translation"], _seed(1)).numpy()
  padded = np.pad(images.numpy(), ((0, 0), (2, 2), (2, 2), (0, 0)))
  moved = 0
  for got, source in zip(shifted, padded):
    # 16 px: shifts of at most 16 // 8 = 2 pixels each way.
    matches = [
      (dy, dx)
      for dy in range(-2, 3)
      for dx in range(-2, 3)
      if np.array_equal(got, source[2 - dy : 18 - dy, 2 - dx : 18 - dx])
    ]
    assert len(matches) == 1
    moved += matches[0] != (0, 0)
  assert moved > 0


def test_cutout_zeroes_one_square_of_half_the_size():
  ones = tf.ones((16, 16, 16, 1))
  cut = augment.augment(ones, ["cutout"], _seed(2)).numpy()[..., 0]
  assert set(np.unique(cut)) <= {0.0, 1.0}
  for image in cut:
    rows = np.flatnonzero((image == 0).any(axis=1))
    cols = np.flatnonzero((image == 0).any(axis=0))
    # One rectangle, a square of 8 cut by the edges to no less than half.
    assert (image == 0).sum() == len(rows) * len(cols)
    assert 4 <= len(rows) <= 8 and 4 <= len(cols) <= 8
    assert rows[-1] - rows[0] + 1 == len(rows)


def _state(config):
  keras.utils.set_random_seed(config.seed)
  return TrainState(config)


class _RecordingDiscriminator:
  """The discriminator, noting what it is shown."""

  def __init__(self, discriminator):
    self.discriminator, self.seen = discriminator, []

  def __call__(self, images, training=False):
    self.seen.append(images)
    return self.discriminator(images, training=training)


def test_step_augments_real_and_generated_images_with_fresh_draws(
  tiny_config,
):
  config = tiny_config(augment=ALL_POLICIES)
  state = _state(config)
  step = state.make_step()
  recording = step.discriminator = _RecordingDiscriminator(state.discriminator)
  real, fake = _images(5, (8, 16, 16, 1)), _images(6, (8, 16, 16, 1))
  seed = step._augment_seed()
  np.testing.assert_array_equal(
    seed.numpy(), augment.step_seed(config.seed, 0, 0).numpy()
  )
  step.losses(real, fake, seed)
  assert len(recording.seen) == 2
  for call, (images, seen) in enumerate(zip((real, fake), recording.seen)):
    want = augment.augment(
      images,
      AUGMENT_POLICIES,
      tf.random.experimental.stateless_fold_in(seed, call),
    )
    np.testing.assert_array_equal(seen.numpy(), want.numpy())
    assert not np.array_equal(seen.numpy(), images.numpy())


# R1 and TTUR


def test_r1_adds_half_gamma_times_the_mean_squared_slope(tiny_config):
  gamma = 3.0
  state = _state(tiny_config(r1_weight=gamma))
  with_r1 = state.make_step()
  without = state.bare_step()
  real, fake = _images(7, (8, 16, 16, 1)), _images(8, (8, 16, 16, 1))
  penalized, plain = with_r1.losses(real, fake), without.losses(real, fake)
  with tf.GradientTape() as tape:
    tape.watch(real)
    logits = tf.reduce_sum(state.discriminator(real, training=True))
  slopes = tape.gradient(logits, real).numpy()
  mean_squared = np.mean(np.sum(slopes**2, axis=(1, 2, 3)))
  assert mean_squared > 0
  np.testing.assert_allclose(
    penalized["r1_penalty"].numpy(), mean_squared, rtol=1e-5
  )
  np.testing.assert_allclose(
    penalized["d_loss"].numpy() - plain["d_loss"].numpy(),
    gamma / 2 * mean_squared,
    rtol=1e-4,
  )
  np.testing.assert_array_equal(
    penalized["g_loss"].numpy(), plain["g_loss"].numpy()
  )


def _one_step_weights(config, images):
  state = _state(config)
  metrics = state.make_step()(images)
  return metrics, [w.numpy() for w in state.discriminator.weights]


def test_r1_changes_the_discriminator_update(tiny_config):
  images = _images(9, (8, 16, 16, 1))
  plain, before = _one_step_weights(tiny_config(), images)
  penalized, after = _one_step_weights(tiny_config(r1_weight=10.0), images)
  assert "r1_penalty" not in plain and penalized["r1_penalty"] > 0
  assert any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_d_learning_rate_is_the_discriminators_alone(tiny_config):
  state = _state(tiny_config(d_learning_rate=1e-3, learning_rate=3e-4))
  assert float(state.d_optimizer.learning_rate) == pytest.approx(1e-3)
  assert float(state.g_optimizer.learning_rate) == pytest.approx(3e-4)
  state = _state(tiny_config(learning_rate=3e-4))
  assert float(state.d_optimizer.learning_rate) == pytest.approx(3e-4)


def test_defaults_compute_the_step_as_before_the_recipes(tiny_config):
  """The step of commit 0fc0175 written out, against today's defaults."""
  config = tiny_config()
  ours, theirs = _state(config), _state(config)
  step = ours.make_step()

  @tf.function
  def reference_step(real_images):
    z = theirs.z_rng.uniform((8, config.model.z_dim), -1.0, 1.0)
    g_vars = theirs.generator.trainable_variables
    d_vars = theirs.discriminator.trainable_variables
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
      fake_images = theirs.generator(z, training=True)
      real_logits = theirs.discriminator(real_images, training=True)
      fake_logits = theirs.discriminator(fake_images, training=True)
      d_loss = tf.nn.compute_average_loss(
        gan_step.discriminator_loss(real_logits, fake_logits)
      )
      g_loss = tf.nn.compute_average_loss(gan_step.generator_loss(fake_logits))
    g_grads = g_tape.gradient(g_loss, g_vars)
    d_grads = d_tape.gradient(d_loss, d_vars)
    theirs.d_optimizer.apply_gradients(zip(d_grads, d_vars))
    theirs.g_optimizer.apply_gradients(zip(g_grads, g_vars))
    return d_loss, g_loss

  for i in range(3):
    images = _images(10 + i, (8, 16, 16, 1))
    metrics = step(images)
    d_loss, g_loss = reference_step(images)
    assert float(metrics["d_loss"]) == float(d_loss)
    assert float(metrics["g_loss"]) == float(g_loss)
  for model in ("generator", "discriminator"):
    for a, b in zip(
      getattr(ours, model).weights, getattr(theirs, model).weights
    ):
      np.testing.assert_array_equal(a.numpy(), b.numpy())


# Spectral normalization


def _largest_singular_value(kernel):
  matrix = np.reshape(kernel, (-1, kernel.shape[-1]))
  return np.linalg.svd(matrix, compute_uv=False)[0]


def test_spectral_norm_normalizes_every_layer_of_d_and_drops_batch_norm():
  _, discriminator = build_networks(SN_MODEL)
  layers = [discriminator.conv0, discriminator.conv1, discriminator.to_logit]
  assert not any("_bn" in w.path for w in discriminator.weights)
  assert all(layer.use_bias for layer in layers)
  for _ in range(30):
    discriminator.power_iteration()
  for layer in layers:
    raw = _largest_singular_value(layer._kernel.numpy())
    assert raw < 0.5  # N(0, 0.02) weights: far from 1 before normalizing
    normalized = _largest_singular_value(layer.kernel.numpy())
    assert normalized == pytest.approx(1.0, abs=1e-3), layer.name


def test_a_training_step_runs_one_power_iteration(tiny_config):
  state = _state(tiny_config(spectral_norm=True))
  discriminator = state.discriminator
  layers = [discriminator.conv0, discriminator.conv1, discriminator.to_logit]
  kernels = [layer._kernel.numpy() for layer in layers]
  u_before = [layer.spectral_u.numpy() for layer in layers]
  state.make_step()(_images(20, (8, 16, 16, 1)))
  for layer, kernel, u in zip(layers, kernels, u_before):
    v = u @ kernel.reshape(-1, kernel.shape[-1]).T
    v /= np.linalg.norm(v)
    want = v @ kernel.reshape(-1, kernel.shape[-1])
    np.testing.assert_allclose(
      layer.spectral_u.numpy(), want / np.linalg.norm(want), rtol=1e-4
    )


def test_spectral_norm_d_saves_and_reloads_as_a_keras_file(tmp_path):
  _, discriminator = build_networks(SN_MODEL)
  discriminator.power_iteration()
  images = _images(21, (3, 16, 16, 1))
  path = str(tmp_path / "d.keras")
  discriminator.save(path)
  reloaded = keras.models.load_model(path)
  assert reloaded.spectral_norm
  np.testing.assert_allclose(
    reloaded(images).numpy(), discriminator(images).numpy(), rtol=1e-6
  )


def _identical_images_folder(root):
  """Four copies of one image, its own mirror image: every batch is the same
  whatever the data order and flips, which a resumed run draws afresh
  (input_pipeline.data_seed)."""
  half = np.random.default_rng(0).integers(0, 256, (16, 8, 1))
  image = np.concatenate([half, half[:, ::-1]], axis=1)
  for i in range(4):
    write_image(str(root / f"{i}.png"), image)
  return f"folder:{root}"


@pytest.mark.slow
def test_resume_is_step_exact_with_every_recipe_on(tmp_path, tiny_config):
  config = tiny_config(
    dataset=_identical_images_folder(tmp_path / "images"),
    max_steps=4,
    checkpoint_every=2,
    augment=ALL_POLICIES,
    r1_weight=1.0,
    d_learning_rate=4e-4,
    spectral_norm=True,
    mirror=True,
  )
  whole, split = str(tmp_path / "whole"), str(tmp_path / "split")
  whole_result = train_lib.train(config, whole)
  train_lib.train(config.replace(max_steps=2), split)
  split_result = train_lib.train(config, split)
  scalars = [read_scalars(w) for w in (whole, split)]
  for tag in ("losses/d_loss", "losses/g_loss", "losses/r1_penalty"):
    assert sorted(scalars[0][tag]) == [1, 2, 3, 4]
    assert scalars[0][tag] == scalars[1][tag], tag
  readers = [
    tf.train.load_checkpoint(r.checkpoint) for r in (whole_result, split_result)
  ]
  names = readers[0].get_variable_to_shape_map()
  for layer in ("conv0", "conv1", "to_logit"):
    assert f"discriminator/{layer}/spectral_u/.ATTRIBUTES/VARIABLE_VALUE" in (
      names
    )
  for name in names:
    # save_counter counts this process's saves, not steps.
    if name.split("/")[0] not in (
      "_CHECKPOINTABLE_OBJECT_GRAPH",
      "save_counter",
    ):
      np.testing.assert_array_equal(
        readers[0].get_tensor(name), readers[1].get_tensor(name), name
      )


@pytest.mark.slow
def test_spectral_norm_run_exports_its_discriminator(tmp_path, tiny_config):
  workdir, export_dir = str(tmp_path / "run"), str(tmp_path / "export")
  train_lib.train(tiny_config(max_steps=2, spectral_norm=True), workdir)
  run = restore.restore_networks(workdir)
  assert run.discriminator.spectral_norm
  saved = tf.train.load_checkpoint(
    os.path.join(workdir, "checkpoints", "ckpt-2")
  )
  np.testing.assert_array_equal(
    run.discriminator.conv1.spectral_u.numpy(),
    saved.get_tensor(
      "discriminator/conv1/spectral_u/.ATTRIBUTES/VARIABLE_VALUE"
    ),
  )
  exporter.export_models(workdir, export_dir)
  served = tf.saved_model.load(os.path.join(export_dir, "discriminator", "1"))
  images = _images(22, (2, 16, 16, 1))
  np.testing.assert_allclose(
    served.signatures["serving_default"](images=images)["logits"].numpy(),
    run.discriminator(images, training=False).numpy(),
    rtol=1e-5,
  )


# Config and workdir


def test_new_fields_round_trip_and_an_old_config_json_loads(tmp_path):
  config = get_config(
    "tiny",
    augment="cutout,color",
    r1_weight=0.5,
    d_learning_rate=1e-3,
    spectral_norm=True,
    mirror=True,
  )
  values = json.loads(config.to_json())
  assert values["model"]["spectral_norm"] is True
  assert TrainConfig.from_dict(values) == config
  old = json.loads(get_config("tiny").to_json())
  for name in ("augment", "mirror", "r1_weight", "d_learning_rate"):
    del old[name]
  del old["model"]["spectral_norm"]
  assert TrainConfig.from_dict(old) == get_config("tiny")
  (tmp_path / "config.json").write_text(json.dumps(old))
  workdir = str(tmp_path)
  workdir_lib.check_workdir(get_config("tiny", max_steps=9), workdir)
  assert not restore._load_model_config(workdir).spectral_norm
  # The old run had none of them: turning one on is another run.
  with pytest.raises(WorkdirError, match="has model"):
    workdir_lib.check_workdir(get_config("tiny", spectral_norm=True), workdir)
  with pytest.raises(WorkdirError, match="has augment='', not augment="):
    workdir_lib.check_workdir(get_config("tiny", augment="color"), workdir)
  with pytest.raises(WorkdirError, match="has mirror=False, not mirror=True"):
    workdir_lib.check_workdir(get_config("tiny", mirror=True), workdir)


@pytest.mark.parametrize(
  "changed",
  [
    dict(spectral_norm=False),
    dict(augment="color"),
    dict(r1_weight=1.0),
    dict(d_learning_rate=None),
    dict(mirror=True),
  ],
)
def test_resuming_with_another_recipe_is_refused(tmp_path, changed):
  ran = dict(
    spectral_norm=True, augment="", r1_weight=0.0, d_learning_rate=1e-3
  )
  workdir_lib.write_config(get_config("tiny", **ran), str(tmp_path))
  name = next(iter(changed))
  match = "has model" if name == "spectral_norm" else f"has {name}="
  with pytest.raises(WorkdirError, match=match):
    workdir_lib.check_workdir(
      get_config("tiny", **{**ran, **changed}), str(tmp_path)
    )


@pytest.mark.parametrize(
  "bad, message",
  [
    (dict(augment="blur"), "augment='blur' must be a comma list"),
    (dict(augment="color,color"), "of distinct policies from color,"),
    (dict(augment="color,"), "augment='color,' must be"),
    (dict(r1_weight=-1.0), "r1_weight=-1.0 must be a finite number >= 0"),
    (dict(r1_weight=float("inf")), "r1_weight=inf must be a finite"),
    (dict(d_learning_rate=0.0), "d_learning_rate=0.0 must be a finite"),
    (dict(d_learning_rate=float("nan")), "d_learning_rate=nan must be"),
    (dict(spectral_norm="yes"), "spectral_norm='yes' must be False or True"),
    (dict(mirror=1), "mirror=1 must be False or True"),
    (dict(mirror="yes"), "mirror='yes' must be False or True"),
  ],
)
def test_bad_values_are_config_errors(bad, message):
  with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
    get_config("tiny", **bad)
