"""The training loop in-process: outputs, resume, NaN losses, determinism."""

import glob
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import checkpoint_step, cli, read_scalars, summary_values
from training import train as train_lib
from training.errors import NonFiniteLossError, WorkdirError


def test_run_writes_checkpoints_events_samples_and_config(
  tmp_path, tiny_config
):
  workdir = str(tmp_path)
  result = train_lib.train(tiny_config(max_steps=4), workdir)
  assert result.step == 4 and result.stopped_by is None
  assert np.isfinite(result.metrics["d_loss"])
  assert checkpoint_step(result.checkpoint) == 4
  assert sorted(os.listdir(tmp_path / "checkpoints")) == [
    "checkpoint",
    "ckpt-2.data-00000-of-00001",
    "ckpt-2.index",
    "ckpt-4.data-00000-of-00001",
    "ckpt-4.index",
  ]
  assert sorted(os.listdir(tmp_path / "samples")) == [
    "step_0000002.png",
    "step_0000004.png",
  ]
  saved = json.loads((tmp_path / "config.json").read_text())
  assert saved["model"]["image_size"] == 16 and saved["max_steps"] == 4
  scalars = read_scalars(workdir)
  for tag in (
    "losses/d_loss",
    "losses/g_loss",
    "discriminator/d_real",
    "discriminator/d_fake",
    "norms/g_grad_norm",
    "norms/d_grad_norm",
    "norms/g_weight_norm",
    "norms/d_weight_norm",
    "perf/images_per_sec",
  ):
    assert sorted(scalars[tag]) == [1, 2, 3, 4], tag
  hparams = summary_values(workdir, "hparams")
  assert hparams and b"model.image_size" in hparams[0][1].SerializeToString()


def test_rerun_resumes_and_extends(tmp_path, tiny_config):
  workdir = str(tmp_path)
  train_lib.train(tiny_config(max_steps=4), workdir)
  first_losses = read_scalars(workdir)["losses/d_loss"]
  again = train_lib.train(tiny_config(max_steps=4), workdir)
  assert again.step == 4 and not again.metrics  # nothing left to do
  longer = train_lib.train(tiny_config(max_steps=6), workdir)
  assert longer.step == 6 and checkpoint_step(longer.checkpoint) == 6
  losses = read_scalars(workdir)["losses/d_loss"]
  assert sorted(losses) == list(range(1, 7))
  assert {step: losses[step] for step in first_losses} == first_losses


def test_workdir_of_another_model_is_refused(tmp_path, tiny_config):
  train_lib.train(tiny_config(max_steps=2), str(tmp_path))
  with pytest.raises(WorkdirError, match="different|not"):
    train_lib.train(tiny_config(max_steps=2, gf=8), str(tmp_path))


def test_resume_keeps_the_runs_data_and_optimization(tmp_path, tiny_config):
  workdir = str(tmp_path)
  train_lib.train(tiny_config(max_steps=2), workdir)
  saved = (tmp_path / "config.json").read_text()
  for changed in (
    {"dataset": "folder:/elsewhere"},
    {"batch_size": 4},
    {"learning_rate": 1e-3},
    {"seed": 3},
  ):
    with pytest.raises(WorkdirError, match=f"has {next(iter(changed))}="):
      train_lib.train(tiny_config(max_steps=4, **changed), workdir)
  assert (tmp_path / "config.json").read_text() == saved
  # Training further, logging or checkpointing otherwise is a resume.
  longer = train_lib.train(
    tiny_config(max_steps=3, log_every=2, checkpoint_every=3), workdir
  )
  assert longer.step == 3


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(
  tmp_path, tiny_config
):
  # An absurd step size makes the weights, then the losses, overflow.
  config = tiny_config(max_steps=50, learning_rate=1e30, checkpoint_every=1)
  with pytest.raises(NonFiniteLossError, match=r"at step (\d+)") as error:
    train_lib.train(config, str(tmp_path))
  bad_step = int(error.value.args[0].split("at step ")[1].split(":")[0])
  latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
  saved_steps = sorted(
    int(p.split("-")[-1].split(".")[0])
    for p in glob.glob(str(tmp_path / "checkpoints" / "ckpt-*.index"))
  )
  assert bad_step not in saved_steps
  if latest:
    assert checkpoint_step(latest) < bad_step


@pytest.mark.slow
def test_same_seed_gives_equal_losses_and_weights(tmp_path):
  runs = []
  for name in ("a", "b"):
    workdir = str(tmp_path / name)
    result = cli(
      "training.main",
      "--config=tiny",
      f"--workdir={workdir}",
      "--max_steps=5",
      "--seed=3",
      "--deterministic",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    runs.append(workdir)
  losses = [read_scalars(w)["losses/d_loss"] for w in runs]
  assert sorted(losses[0]) == [1, 2, 3, 4, 5]
  assert losses[0] == losses[1]
  assert (
    read_scalars(runs[0])["losses/g_loss"]
    == read_scalars(runs[1])["losses/g_loss"]
  )
  readers = [
    tf.train.load_checkpoint(os.path.join(w, "checkpoints", "ckpt-5"))
    for w in runs
  ]
  names = [
    n
    for n in readers[0].get_variable_to_shape_map()
    if n.startswith("generator/")
  ]
  assert names
  for name in names:
    np.testing.assert_array_equal(
      readers[0].get_tensor(name), readers[1].get_tensor(name)
    )


@pytest.mark.slow
def test_different_seeds_differ(tmp_path, tiny_config):
  a = train_lib.train(tiny_config(max_steps=2, seed=1), str(tmp_path / "a"))
  b = train_lib.train(tiny_config(max_steps=2, seed=2), str(tmp_path / "b"))
  assert a.metrics["d_loss"] != b.metrics["d_loss"]
