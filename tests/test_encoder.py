"""The mask-aware encoder: model, training phase, export, search start;
the restarts' uncertainty map."""

import os

import numpy as np
import pytest
import tensorflow as tf

from common import masks as masks_lib
from export import exporter, restore
from inpainting import complete, losses
from inpainting.saved_models import load_exported_gan
from inpainting.search import LatentSearch, SearchConfig
from models.config import ModelConfig
from models.networks import build_encoder, build_generator
from tests.conftest import read_scalars
from training import encoder_masks
from training import encoder_step as encoder_step_lib
from training import train as train_lib
from training.errors import NonFiniteLossError
from training.gan_step import make_optimizer

TINY = ModelConfig(image_size=16, channels=1, z_dim=8, gf=4, df=4, ef=4)


@pytest.fixture(scope="module")
def encoder_export(tmp_path_factory):
  """(workdir, export_dir) of tiny: 3 GAN steps, then 3 encoder steps."""
  from training.config import get_config

  root = tmp_path_factory.mktemp("encoder_export")
  workdir, export_dir = str(root / "train"), str(root / "export")
  result = train_lib.train(
    get_config("tiny", max_steps=3, encoder_steps=3), workdir
  )
  assert (result.step, result.encoder_step) == (3, 3)
  exporter.export_models(workdir, export_dir)
  return workdir, export_dir


def _digits(count=6, size=16, seed=0):
  rng = np.random.default_rng(seed)
  return rng.uniform(-1, 1, (count, size, size, 1)).astype(np.float32)


def test_encoder_shapes_range_and_no_leak_from_the_hole():
  encoder = build_encoder(TINY)
  images = _digits(4)
  masks = masks_lib.make_masks(["center"], 4, 16)
  z = encoder((images, masks)).numpy()
  assert z.shape == (4, 8) and np.all(np.abs(z) < 1)
  # What lies under the hole cannot change z.
  scribbled = np.where(masks > 0, images, -images)
  np.testing.assert_array_equal(encoder((scribbled, masks)).numpy(), z)


def test_mask_bank_holds_every_family_equally():
  bank = encoder_masks.mask_bank(16, per_family=8)
  assert bank.shape == (6 * 8, 16, 16, 1)
  known = bank.reshape(6, 8, -1).mean(axis=2)
  assert np.all(known[:5] < 1) and np.all(known[5] == 1)  # "none" last


@pytest.mark.parametrize("latent_weight", [1.0, 0.25])
def test_encoder_step_trains_the_encoder_only(latent_weight):
  generator = build_generator(TINY)
  encoder = build_encoder(TINY)
  optimizer = make_optimizer(1e-3, 0.9, encoder.trainable_variables)
  step = tf.Variable(0, dtype=tf.int64)
  g_before = [w.numpy().copy() for w in generator.weights]
  e_before = [w.numpy().copy() for w in encoder.weights]
  run = encoder_step_lib.EncoderStep(
    encoder,
    generator,
    optimizer,
    tf.random.Generator.from_seed(0),
    step,
    encoder_masks.mask_bank(16, per_family=4),
    latent_weight=latent_weight,
  )
  metrics = {k: float(v) for k, v in run(tf.constant(_digits(4))).items()}
  assert int(step.numpy()) == 1
  assert all(np.isfinite(v) for v in metrics.values())
  assert metrics["e_loss"] == pytest.approx(
    metrics["e_pixel_loss"] + latent_weight * metrics["e_latent_loss"],
    rel=1e-5,
  )
  assert metrics["e_pixel_loss"] == pytest.approx(
    (metrics["e_pixel_loss_real"] + metrics["e_pixel_loss_generated"]) / 2,
    rel=1e-5,
  )
  for got, want in zip(generator.weights, g_before):
    np.testing.assert_array_equal(got.numpy(), want)
  assert any(
    not np.array_equal(got.numpy(), want)
    for got, want in zip(encoder.weights, e_before)
  )


def test_cosine_step_size_decays_from_the_base_to_zero_over_the_phase():
  sizes = [
    float(encoder_step_lib.cosine_step_size(1e-3, step, 4))
    for step in (0, 1, 2, 4, 9)
  ]
  assert sizes == pytest.approx(
    [1e-3, 1e-3 * (1 + np.cos(np.pi / 4)) / 2, 5e-4, 0.0, 0.0], abs=1e-9
  )


def test_cosine_schedule_reads_the_phase_from_the_checkpointed_counters(
  tiny_config,
):
  from training.state import TrainState

  state = TrainState(tiny_config(encoder_steps=8, encoder_schedule="cosine"))
  step_size = state.make_encoder_step().step_size
  # A run resumed mid-phase: its restored counters alone say where the
  # schedule stands, so it goes on with the step size it stopped at.
  state.encoder_step.assign(7)
  state.encoder_phase_start.assign(5)
  assert float(step_size()) == pytest.approx(
    float(encoder_step_lib.cosine_step_size(1e-3, 2, 8))
  )
  constant = TrainState(tiny_config(encoder_steps=8))
  assert constant.make_encoder_step().step_size is None


def test_the_runs_latent_weight_reaches_the_encoder_step(tiny_config):
  from training.state import TrainState

  config = tiny_config(encoder_steps=2, encoder_latent_weight=0.25)
  assert TrainState(config).make_encoder_step().latent_weight == 0.25


@pytest.mark.slow
@pytest.mark.parametrize(
  "schedule, last_size",
  # The step size of the last of 4 steps: cosine's at step 3 of 4.
  [("constant", 1e-3), ("cosine", 1e-3 * (1 + np.cos(3 * np.pi / 4)) / 2)],
)
def test_encoder_trains_at_its_schedules_step_sizes(
  tmp_path, tiny_config, schedule, last_size
):
  result = train_lib.train(
    tiny_config(max_steps=1, encoder_steps=4, encoder_schedule=schedule),
    str(tmp_path),
  )
  saved = tf.train.load_checkpoint(result.checkpoint).get_tensor(
    "e_optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE"
  )
  assert float(saved) == pytest.approx(last_size, rel=1e-5)
  logged = read_scalars(str(tmp_path))["encoder/e_learning_rate"]
  assert logged[max(logged)] == pytest.approx(last_size, rel=1e-5)


@pytest.mark.slow
def test_encoder_phase_resumes_from_its_checkpoint(tmp_path, tiny_config):
  workdir = str(tmp_path)
  first = train_lib.train(tiny_config(max_steps=2, encoder_steps=2), workdir)
  assert (first.step, first.encoder_step) == (2, 2)
  assert first.checkpoint.endswith("ckpt-4")  # numbered by all steps done
  trained = restore.restore_networks(workdir).encoder
  # The same job, asked for more encoder steps, resumes the encoder.
  second = train_lib.Trainer(tiny_config(max_steps=2, encoder_steps=3), workdir)
  for got, want in zip(second.state.encoder.weights, trained.weights):
    np.testing.assert_array_equal(got.numpy(), want.numpy())
  result = second.run()
  assert (result.step, result.encoder_step) == (2, 3)
  assert result.checkpoint.endswith("ckpt-5")


@pytest.mark.slow
def test_training_further_fine_tunes_the_encoder_for_the_new_generator(
  tmp_path, tiny_config
):
  workdir = str(tmp_path)
  train_lib.train(tiny_config(max_steps=2, encoder_steps=2), workdir)
  first = restore.restore_networks(workdir).encoder
  # A raised --max_steps: the GAN goes on, then the encoder gets its
  # encoder_steps again against the new generator, not left stale.
  result = train_lib.train(
    tiny_config(
      max_steps=3, encoder_steps=2, checkpoint_every=1, keep_checkpoints=3
    ),
    workdir,
  )
  assert (result.step, result.encoder_step) == (3, 4)
  assert result.checkpoint.endswith("ckpt-7")
  restored = restore.restore_networks(workdir)
  assert restored.encoder is not None  # trained against step 3's generator
  # ckpt-5, GAN step 3 before the encoder's new phase, holds an encoder of
  # step 2's generator: export leaves it out rather than serve a mismatch.
  before = restore.restore_networks(
    workdir, checkpoint=result.checkpoint.replace("ckpt-7", "ckpt-5")
  )
  assert (before.step, before.encoder) == (3, None)
  assert any(
    not np.array_equal(got.numpy(), want.numpy())
    for got, want in zip(restored.encoder.weights, first.weights)
  )
  # Done: the same command again has nothing to do.
  again = train_lib.train(tiny_config(max_steps=3, encoder_steps=2), workdir)
  assert (again.step, again.encoder_step) == (3, 4)


@pytest.mark.slow
def test_non_finite_encoder_loss_stops_the_job(tmp_path, tiny_config):
  config = tiny_config(
    max_steps=2, encoder_steps=20, encoder_learning_rate=1e30
  )
  with pytest.raises(NonFiniteLossError, match="e_loss=nan"):
    train_lib.train(config, str(tmp_path))


def test_export_and_reload_the_encoder(encoder_export):
  workdir, export_dir = encoder_export
  assert os.path.isfile(
    os.path.join(export_dir, "encoder", "1", "saved_model.pb")
  )
  with open(os.path.join(export_dir, "models.config")) as f:
    assert 'name: "encoder"' in f.read()
  gan = load_exported_gan(export_dir)
  keras_encoder = restore.restore_networks(workdir).encoder
  images = _digits(3)
  masks = masks_lib.make_masks(["half"], 3, 16)
  np.testing.assert_allclose(
    gan.encode(images, masks).numpy(),
    keras_encoder((images, masks)).numpy(),
    atol=1e-6,
  )


def test_export_without_encoder_loads_without_one(tiny_export):
  _, export_dir = tiny_export
  assert not os.path.exists(os.path.join(export_dir, "encoder"))
  assert load_exported_gan(export_dir).encode is None


def _best_start_losses(gan, encode, images, masks, restarts=2):
  search = LatentSearch(
    gan.generate,
    gan.discriminate,
    gan.z_dim,
    SearchConfig(pool_size=32, restarts=restarts),
    encode=encode,
  )
  weights = losses.importance_weights(masks)
  z = search.starting_points(
    images, masks, weights, restarts, tf.constant(0, tf.int64)
  )
  scores = losses.contextual_loss(
    gan.generate(z),
    tf.repeat(images, restarts, axis=0),
    tf.repeat(weights, restarts, axis=0),
  )
  return tf.reduce_min(tf.reshape(scores, [-1, restarts]), axis=1).numpy()


def test_encoder_start_is_never_worse_than_the_pool_start(encoder_export):
  gan = load_exported_gan(encoder_export[1])
  images = _digits(8, seed=3)
  masks = masks_lib.make_masks(["center", "random", "half", "irregular"], 8, 16)
  with_encoder = _best_start_losses(gan, gan.encode, images, masks)
  pool_only = _best_start_losses(gan, None, images, masks)
  assert np.all(with_encoder <= pool_only + 1e-5)


def test_uncertainty_is_the_restarts_and_views_spread_in_the_hole(
  encoder_export,
):
  gan = load_exported_gan(encoder_export[1])
  images = _digits(2)
  masks = masks_lib.make_masks(["center"], 2, 16)

  def spread(**fields):
    config = SearchConfig(steps=2, **fields)
    return complete.Completer(gan, config)(images, masks).uncertainty

  one = spread(restarts=1, views=1)
  assert one.shape == (2, 16, 16, 1)
  assert np.all(one == 0)
  for restarts, views in ((3, 1), (1, 8), (3, 8)):
    result = spread(restarts=restarts, views=views, view_tolerance=1e6)
    assert np.all(result[masks > 0] == 0)
    assert result[masks == 0].max() > 0, (restarts, views)


def test_served_completer_returns_the_uncertainty(encoder_export):
  _, export_dir = encoder_export
  served = tf.saved_model.load(os.path.join(export_dir, "completer", "1"))
  images = _digits(2)
  masks = masks_lib.make_masks(["center"], 2, 16)
  out = served.signatures["complete_options"](
    images=tf.constant(images),
    masks=tf.constant(masks),
    steps=tf.constant(2),
    restarts=tf.constant(3),
    seed=tf.constant(0, tf.int64),
  )
  spread = out["uncertainty"].numpy()
  assert spread.shape == (2, 16, 16, 1)
  assert np.all(spread[masks > 0] == 0) and spread[masks == 0].max() > 0


def test_a_run_from_before_the_latent_weight_resumes_only_at_its_weight(
  tmp_path,
):
  import json

  from training import workdir as workdir_lib
  from training.config import get_config
  from training.errors import WorkdirError

  # config.json as runs wrote it before the field existed: weight 1.
  saved = get_config("tiny").to_dict()
  del saved["encoder_latent_weight"]
  (tmp_path / "config.json").write_text(json.dumps(saved))
  with pytest.raises(WorkdirError, match="has encoder_latent_weight=1.0"):
    workdir_lib.check_workdir(get_config("tiny"), str(tmp_path))
  workdir_lib.check_workdir(
    get_config("tiny", encoder_latent_weight=1.0), str(tmp_path)
  )
