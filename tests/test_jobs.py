"""The training job as a process: kill/resume, SIGTERM, flags, TensorBoard."""

import json
import os
import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from tests.conftest import (
  checkpoint_step,
  cli,
  free_port,
  start_cli,
  subprocess_env,
  wait_for,
)
from training import summaries

# Training jobs as processes and a real TensorBoard.
pytestmark = pytest.mark.slow

# Long enough that the job is still running when the test stops it.
# (CI's machine ran the tiny config at about 190 steps/s.)
LONG_STEPS = 1000
LONG_RUN = (
  "--config=tiny",
  f"--max_steps={LONG_STEPS}",
  "--checkpoint_every=10",
  "--sample_every=1000",
  "--log_every=10",
)


def _checkpoint_committed(workdir):
  # The manager's state file, not a ckpt-N.index: an index can exist before
  # the save is committed, and a job killed in between rightly starts afresh.
  return os.path.exists(os.path.join(workdir, "checkpoints", "checkpoint"))


def _latest_committed_checkpoint(workdir):
  import tensorflow as tf

  return tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))


def _first_checkpoint_then(process, workdir, signum):
  wait_for(
    lambda: _checkpoint_committed(workdir) or process.poll() is not None,
    120,
    "the first committed checkpoint",
  )
  assert process.poll() is None, "the job ended before it could be stopped"
  process.send_signal(signum)
  return process.wait(timeout=60)


def test_sigkill_then_rerun_resumes_from_checkpoint(tmp_path):
  workdir = str(tmp_path / "run")
  args = (*LONG_RUN, f"--workdir={workdir}")
  first = start_cli("training.main", *args, log_path=tmp_path / "first.log")
  assert _first_checkpoint_then(first, workdir, signal.SIGKILL) == -9
  killed_at = checkpoint_step(_latest_committed_checkpoint(workdir))
  assert 0 < killed_at < LONG_STEPS

  rerun = cli("training.main", *args)
  assert rerun.returncode == 0, rerun.stderr[-2000:]
  resumed = re.search(r"Resumed from \S+ \(step (\d+)\)", rerun.stderr)
  assert resumed, rerun.stderr[-2000:]
  assert int(resumed.group(1)) >= killed_at > 0
  steps = [
    int(s) for s in re.findall(rf"step (\d+)/{LONG_STEPS}", rerun.stderr)
  ]
  assert steps[0] > int(resumed.group(1)) and steps[-1] == LONG_STEPS
  final = os.path.join(workdir, "checkpoints", f"ckpt-{LONG_STEPS}")
  assert checkpoint_step(final) == LONG_STEPS
  assert not os.path.exists(
    os.path.join(workdir, "checkpoints", f"ckpt-{LONG_STEPS + 1}.index")
  )


def test_sigterm_saves_a_checkpoint_and_exits_zero(tmp_path):
  workdir = str(tmp_path / "run")
  job = start_cli(
    "training.main",
    *LONG_RUN,
    f"--workdir={workdir}",
    log_path=tmp_path / "job.log",
  )
  assert _first_checkpoint_then(job, workdir, signal.SIGTERM) == 0
  log = (tmp_path / "job.log").read_text()
  stopped = re.search(r"SIGTERM received: stopped at step (\d+)", log)
  assert stopped, log[-2000:]
  step = int(stopped.group(1))
  assert step < LONG_STEPS
  # The save before stopping is announced like every other.
  assert f"Saved checkpoint {workdir}/checkpoints/ckpt-{step}\n" in log
  assert (
    checkpoint_step(os.path.join(workdir, "checkpoints", f"ckpt-{step}"))
    == step
  )


def _get_json(url):
  with urllib.request.urlopen(url, timeout=10) as response:
    return json.load(response)


def _post_json(url, body):
  request = urllib.request.Request(
    url,
    data=json.dumps(body).encode(),
    headers={"Content-Type": "application/json"},
  )
  with urllib.request.urlopen(request, timeout=10) as response:
    return json.load(response)


def test_tensorboard_serves_scalars_and_samples(tmp_path):
  workdir = str(tmp_path / "run")
  result = cli(
    "training.main", "--config=tiny", f"--workdir={workdir}", "--max_steps=4"
  )
  assert result.returncode == 0, result.stderr[-2000:]

  port = free_port()
  # The README's command: the workdir itself is the logdir.
  board = subprocess.Popen(
    [
      sys.executable,
      "-m",
      "tensorboard.main",
      f"--logdir={workdir}",
      "--host=127.0.0.1",
      f"--port={port}",
      "--reload_interval=1",
      "--load_fast=false",
    ],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    env=subprocess_env(),
  )
  base = f"http://127.0.0.1:{port}/data/plugin"
  try:

    def scalar_tags_loaded():
      try:
        tags = _get_json(f"{base}/scalars/tags")
      except OSError:
        return False
      return "losses/d_loss" in tags.get("train", {})

    wait_for(scalar_tags_loaded, 120, "TensorBoard to load the run")

    tags = _get_json(f"{base}/scalars/tags")
    assert list(tags) == ["train"]  # one run, none at the logdir's root
    tags = tags["train"]
    for tag in (
      "losses/g_loss",
      "discriminator/d_real",
      "discriminator/d_fake",
      "norms/g_grad_norm",
    ):
      assert tag in tags
    assert "D(x)" in tags["discriminator/d_real"]["description"]
    query = urllib.parse.urlencode({"run": "train", "tag": "losses/d_loss"})
    points = _get_json(f"{base}/scalars/scalars?{query}")
    assert [p[1] for p in points] == [1, 2, 3, 4]

    # HParams tab: the tuned hyperparameters, the Fréchet distance as the
    # first metric column, and the run's metric values filled in.
    experiment = _post_json(
      f"{base}/hparams/experiment", {"experimentName": ""}
    )
    names = {info["name"] for info in experiment["hparamInfos"]}
    assert names == set(summaries.TUNED_HPARAMS)
    assert {"learning_rate", "model.z_dim", "ema_decay"} < names
    metric_tags = [info["name"]["tag"] for info in experiment["metricInfos"]]
    assert metric_tags[0] == "quality/frechet_distance"
    groups = _post_json(
      f"{base}/hparams/session_groups",
      {
        "experimentName": "",
        "startIndex": 0,
        "sliceSize": 10,
        "allowedStatuses": [
          "STATUS_UNKNOWN",
          "STATUS_SUCCESS",
          "STATUS_FAILURE",
          "STATUS_RUNNING",
        ],
      },
    )
    [group] = groups["sessionGroups"]
    assert group["hparams"]["model.image_size"] == 16
    values = {m["name"]["tag"]: m for m in group["metricValues"]}
    assert values["losses/d_loss"]["trainingStep"] == 4

    assert "samples" in _get_json(f"{base}/images/tags")["train"]
    query = urllib.parse.urlencode({"run": "train", "tag": "samples"})
    images = _get_json(f"{base}/images/images?{query}")
    assert [image["step"] for image in images] == [2, 4]
    with urllib.request.urlopen(
      f"{base}/images/individualImage?{images[-1]['query']}", timeout=10
    ) as response:
      assert response.read(8) == b"\x89PNG\r\n\x1a\n"
  finally:
    board.terminate()
    board.wait(timeout=30)
