"""The generator's moving average: update rule, checkpoint, export."""

import numpy as np
import pytest
import tensorflow as tf

from export import restore
from models.config import ModelConfig
from models.networks import build_generator
from training import ema
from training import train as train_lib

TINY = ModelConfig(image_size=16, channels=1, z_dim=8, gf=4, df=4, ef=4)


def _weights(model):
  return [w.numpy().copy() for w in model.weights]


def test_update_moves_the_average_by_the_warmed_up_decay():
  model = build_generator(TINY, "model")
  average = build_generator(TINY, "average")
  before, target = _weights(average), _weights(model)
  step = 5
  ema.update(average, model, 0.99, tf.constant(step, tf.int64))
  # Warm-up: min(0.99, 6 / 15) = 0.4.
  decay = 0.4
  for got, old, new in zip(_weights(average), before, target):
    np.testing.assert_allclose(
      got, decay * old + (1 - decay) * new, rtol=1e-5, atol=1e-7
    )
  assert float(ema.warmed_up_decay(0.99, 10_000)) == pytest.approx(0.99)


def test_zero_decay_keeps_the_last_weights():
  model = build_generator(TINY, "model")
  average = build_generator(TINY, "average")
  ema.update(average, model, 0.0, tf.constant(100, tf.int64))
  for got, want in zip(_weights(average), _weights(model)):
    np.testing.assert_array_equal(got, want)


def test_average_is_checkpointed_restored_and_exported(tmp_path, tiny_config):
  workdir = str(tmp_path / "run")
  train_lib.train(tiny_config(max_steps=4, ema_decay=0.9), workdir)
  trainer = train_lib.Trainer(tiny_config(max_steps=4, ema_decay=0.9), workdir)
  try:
    state = trainer.state
    assert int(state.step.numpy()) == 4
    averaged, raw = _weights(state.ema_generator), _weights(state.generator)
    # Trained for 4 steps, the average lags behind the weights.
    assert any(not np.allclose(a, r) for a, r in zip(averaged, raw))
  finally:
    trainer._claim.release(started=True)
  exported = restore.restore_networks(workdir)
  assert exported.averaged
  for got, want in zip(_weights(exported.generator), averaged):
    np.testing.assert_array_equal(got, want)
  raw_export = restore.restore_networks(workdir, raw_generator=True)
  assert not raw_export.averaged and raw_export.encoder is None
  for got, want in zip(_weights(raw_export.generator), raw):
    np.testing.assert_array_equal(got, want)
