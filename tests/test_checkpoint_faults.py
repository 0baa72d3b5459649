"""Faults a training run must survive: damaged checkpoints, two trainers on
one workdir, a full disk, a failed start, a peer that never comes."""

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import (
  REPO,
  checkpoint_step,
  cli,
  free_port,
  start_cli,
  subprocess_env,
  wait_for,
)
from training import train as train_lib
from training.errors import WorkdirError

CKPT = "checkpoints"


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
  """A tiny run of 6 steps with intact checkpoints at steps 2, 4 and 6."""
  from training.config import get_config

  workdir = str(tmp_path_factory.mktemp("trained") / "run")
  train_lib.train(get_config("tiny", max_steps=6), workdir)
  return workdir


def _copy(run, tmp_path):
  workdir = str(tmp_path / "run")
  shutil.copytree(run, workdir)
  return workdir


def _files(workdir):
  """{relative path: bytes} of everything under workdir."""
  return {
    os.path.relpath(p, workdir): open(p, "rb").read()
    for p in glob.glob(os.path.join(workdir, "**"), recursive=True)
    if os.path.isfile(p)
  }


def _truncate_data(ckpt_dir):
  path = glob.glob(os.path.join(ckpt_dir, "ckpt-6.data-*"))[0]
  with open(path, "r+b") as f:
    f.truncate(os.path.getsize(path) // 2)


def _empty_index(ckpt_dir):
  open(os.path.join(ckpt_dir, "ckpt-6.index"), "w").close()


def _remove_index(ckpt_dir):
  os.remove(os.path.join(ckpt_dir, "ckpt-6.index"))


def _remove_state(ckpt_dir):
  os.remove(os.path.join(ckpt_dir, "checkpoint"))


def _garble_state(ckpt_dir):
  with open(os.path.join(ckpt_dir, "checkpoint"), "w") as f:
    f.write("model_checkpoint_path: \x00\x01 {{{ garbage")


# (damage, the step the resumed run must start from, damaged prefix or None)
DAMAGES = [
  (_remove_index, 4, "ckpt-6"),
  (_empty_index, 4, "ckpt-6"),
  (_truncate_data, 4, "ckpt-6"),
  (_remove_state, 6, None),
  (_garble_state, 6, None),
  (lambda d: (_remove_state(d), _remove_index(d)), 4, "ckpt-6"),
]


@pytest.mark.parametrize(
  "damage, resume_step, damaged",
  DAMAGES,
  ids=[
    "no_index",
    "empty_index",
    "truncated_data",
    "no_state_file",
    "garbled_state_file",
    "no_state_and_no_index",
  ],
)
def test_damaged_checkpoint_resumes_from_newest_intact_one(
  trained_run, tmp_path, tiny_config, caplog, damage, resume_step, damaged
):
  workdir = _copy(trained_run, tmp_path)
  ckpt_dir = os.path.join(workdir, CKPT)
  damage(ckpt_dir)
  intact_before = {
    name: data
    for name, data in _files(workdir).items()
    if re.match(r"checkpoints/ckpt-[24]\.", name)
  }

  caplog.set_level("INFO")
  trainer = train_lib.Trainer(tiny_config(max_steps=resume_step + 1), workdir)
  assert int(trainer.state.step.numpy()) == resume_step
  result = trainer.run()
  assert result.step == resume_step + 1

  warnings = [
    r.getMessage()
    for r in caplog.records
    if r.levelname == "WARNING" and " is damaged " in r.getMessage()
  ]
  if damaged:
    # One line naming the damaged checkpoint and the one used.
    assert len(warnings) == 1, warnings
    assert f"{damaged} is damaged" in warnings[0]
    assert f"ckpt-{resume_step} (step {resume_step})" in warnings[0]
    # The damaged files are kept aside, not deleted.
    assert glob.glob(os.path.join(ckpt_dir, "damaged", f"{damaged}.*"))
  else:
    assert not warnings
  # No intact checkpoint was deleted or overwritten because of the damage.
  after = _files(workdir)
  for name, data in intact_before.items():
    assert after.get(name) == data, name
  assert (
    checkpoint_step(os.path.join(ckpt_dir, f"ckpt-{resume_step + 1}"))
    == resume_step + 1
  )


@pytest.mark.slow
def test_no_restorable_checkpoint_is_an_error_that_changes_nothing(
  trained_run, tmp_path, tiny_config
):
  workdir = _copy(trained_run, tmp_path)
  ckpt_dir = os.path.join(workdir, CKPT)
  for index in glob.glob(os.path.join(ckpt_dir, "*.index")):
    open(index, "w").close()
  before = _files(workdir)
  with pytest.raises(WorkdirError, match="none of the 3 checkpoint"):
    train_lib.train(tiny_config(max_steps=10), workdir)
  assert _files(workdir) == before

  # The same through the command line: one line, non-zero, no traceback.
  result = cli(
    "training.main", "--config=tiny", f"--workdir={workdir}", "--max_steps=10"
  )
  assert result.returncode == 2
  lines = [
    line
    for line in result.stderr.splitlines()
    if line.startswith("dcgan-train")
  ]
  assert len(lines) == 1 and "none of the 3 checkpoint(s) restores" in lines[0]
  assert "Traceback" not in result.stderr
  assert _files(workdir) == before


def test_checkpoint_of_another_model_is_an_error(
  trained_run, tmp_path, tiny_config
):
  workdir = _copy(trained_run, tmp_path)
  os.remove(os.path.join(workdir, "config.json"))  # only the shapes differ
  before = _files(workdir)
  with pytest.raises(WorkdirError, match="holds a model of other shapes"):
    train_lib.train(tiny_config(max_steps=10, gf=8), workdir)
  assert _files(workdir) == before


@pytest.mark.slow
def test_failed_start_writes_nothing_that_blocks_the_right_run(
  tmp_path, tiny_config
):
  workdir = str(tmp_path / "run")
  # A model the data set cannot feed is refused after TensorFlow loaded.
  result = cli(
    "training.main",
    "--config=tiny",
    f"--workdir={workdir}",
    "--dataset=tfds:no_such_dataset_here",
    f"--tfds_data_dir={tmp_path / 'tfds'}",
  )
  assert result.returncode == 2, result.stderr[-2000:]
  assert "no_such_dataset_here" in result.stderr.splitlines()[-1]
  assert not os.path.exists(workdir)  # no config.json, lock or folders
  result = train_lib.train(tiny_config(max_steps=2, gf=8), workdir)
  assert result.step == 2


@pytest.mark.slow
def test_second_trainer_on_a_workdir_is_refused_and_a_dead_lock_taken_over(
  tmp_path,
):
  workdir = str(tmp_path / "run")
  args = (
    "--config=tiny",
    f"--workdir={workdir}",
    "--max_steps=100000",
    "--checkpoint_every=50",
    "--sample_every=100000",
    "--log_every=1000",
  )
  first = start_cli("training.main", *args, log_path=tmp_path / "first.log")
  try:
    wait_for(
      lambda: (
        os.path.exists(os.path.join(workdir, "trainer.lock"))
        or first.poll() is not None
      ),
      120,
      "the first trainer's lock",
    )
    started = time.monotonic()
    second = cli("training.main", *args)
    assert second.returncode == 2
    assert "Traceback" not in second.stderr
    line = second.stderr.strip().splitlines()[-1]
    assert line.startswith("dcgan-train: error: ")
    assert f"PID {first.pid} on host" in line and "in use" in line
    assert time.monotonic() - started < 60  # at once, not after training
    assert first.poll() is None  # the first one is unharmed
    wait_for(
      lambda: os.path.exists(os.path.join(workdir, CKPT, "checkpoint")),
      120,
      "a checkpoint",
    )
  finally:
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
  # SIGKILL leaves the lock behind; the next trainer takes it over.
  assert os.path.exists(os.path.join(workdir, "trainer.lock"))
  third = cli(
    "training.main",
    "--config=tiny",
    f"--workdir={workdir}",
    "--max_steps=1",
    "--log_every=1",
  )
  assert third.returncode == 0, third.stderr[-2000:]
  assert re.search(
    r"Took over \S+trainer.lock from PID %d" % first.pid, third.stderr
  )
  assert not os.path.exists(os.path.join(workdir, "trainer.lock"))


def test_malformed_tf_config_is_an_error(tmp_path):
  result = cli(
    "training.main",
    "--config=tiny",
    f"--workdir={tmp_path / 'run'}",
    timeout=120,
    env=subprocess_env(TF_CONFIG='{"cluster": {"worker": "h:1"}}'),
  )
  assert result.returncode == 2
  assert result.stderr.strip().splitlines() == [
    "dcgan-train: error: TF_CONFIG must have 'cluster' and 'task' entries"
  ]


@pytest.mark.slow
def test_peer_that_never_starts_ends_the_job_within_the_timeout(tmp_path):
  env = subprocess_env(
    TF_CONFIG=(
      '{"cluster": {"worker": ["127.0.0.1:%d", "127.0.0.1:%d"]}, '
      '"task": {"type": "worker", "index": 0}}' % (free_port(), free_port())
    )
  )
  started = time.monotonic()
  result = cli(
    "training.main",
    "--config=tiny",
    f"--workdir={tmp_path / 'run'}",
    "--strategy=multi_worker",
    "--collective_timeout_s=12",
    timeout=120,
    env=env,
  )
  # The watchdog ends the blocked trainer after its line, with the status of
  # an error of ours (2), not SIGKILL's (137, "killed", often read as OOM).
  assert result.returncode == 2, result.stderr[-3000:]
  assert time.monotonic() - started < 90
  assert (
    result.stderr.strip()
    .splitlines()[-1]
    .startswith(
      "dcgan-train: error: the other workers of TF_CONFIG's cluster to "
      "start: no answer after 12 s"
    )
  )
  assert "dcgan-train: waiting for the other workers" in result.stderr
  assert "Traceback" not in result.stderr
  assert not os.path.exists(tmp_path / "run")


DISK_FULL_SCRIPT = """
set -u
mount -t tmpfs -o size=600k tmpfs "$WORKDIR" || exit 99
run() { "$PYTHON" -m training.main --config=tiny --workdir="$WORKDIR/run" \
          --max_steps=12 --log_every=1 > "$1" 2>&1; echo $? > "$1.rc"; }
run "$LOGS/full.log"
ls -R "$WORKDIR/run" > "$LOGS/full.ls"
mount -o remount,size=8m "$WORKDIR"
run "$LOGS/resumed.log"
ls -R "$WORKDIR/run" > "$LOGS/resumed.ls"
"""


# A shell command in a user and mount namespace of its own, where it may
# mount a tmpfs without root.
IN_MOUNT_NAMESPACE = (
  "unshare",
  "--user",
  "--map-root-user",
  "--mount",
  "sh",
  "-c",
)


@pytest.mark.slow
def test_disk_full_names_the_path_leaves_no_partial_files_and_resumes(tmp_path):
  if not shutil.which("unshare"):
    pytest.skip("needs unshare(1) to mount a small tmpfs")
  probe = subprocess.run(
    [*IN_MOUNT_NAMESPACE, f"mount -t tmpfs tmpfs {tmp_path}"],
    capture_output=True,
    text=True,
    timeout=30,
  )
  if probe.returncode:
    pytest.skip(
      f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip()}"
    )
  workdir, logs = tmp_path / "mnt", tmp_path / "logs"
  workdir.mkdir()
  logs.mkdir()
  env = subprocess_env(
    WORKDIR=str(workdir), LOGS=str(logs), PYTHON=sys.executable
  )
  subprocess.run(
    [*IN_MOUNT_NAMESPACE, DISK_FULL_SCRIPT],
    env=env,
    cwd=REPO,
    timeout=600,
    check=True,
  )
  full_log = (logs / "full.log").read_text()
  assert (logs / "full.log.rc").read_text().strip() == "2", full_log[-3000:]
  assert "Traceback" not in full_log
  error = full_log.strip().splitlines()[-1]
  assert error.startswith("dcgan-train: error: ")
  assert "no space left on the device" in error and str(workdir) in error
  listing = (logs / "full.ls").read_text()
  assert "_temp" not in listing and "ckpt-2.index" in listing

  resumed_log = (logs / "resumed.log").read_text()
  assert (logs / "resumed.log.rc").read_text().strip() == "0", resumed_log[
    -3000:
  ]
  resumed = re.search(r"Resumed from \S+ckpt-(\d+) \(step \d+\)", resumed_log)
  assert resumed and int(resumed.group(1)) >= 2
  assert "ckpt-12.index" in (logs / "resumed.ls").read_text()
