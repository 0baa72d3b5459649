"""The workdir's layout and checks, and the loop's progress helpers.

Pure Python: no TensorFlow runs here (the trainer's own use of them is in
test_training.py and test_checkpoint_faults.py).
"""

import json
import os

import pytest

from common import workdir_layout
from common.errors import WorkdirError
from training import progress
from training import workdir as workdir_lib
from training.config import get_config


def test_read_run_config_absent_present_and_damaged(tmp_path):
  assert workdir_layout.read_run_config(str(tmp_path)) is None
  path = tmp_path / workdir_layout.CONFIG_FILE
  path.write_text(json.dumps({"model": {"z_dim": 8}, "seed": 3}))
  assert workdir_layout.read_run_config(str(tmp_path))["seed"] == 3
  path.write_text('{"model": ')
  with pytest.raises(
    WorkdirError, match="config.json: unreadable, not valid JSON"
  ):
    workdir_layout.read_run_config(str(tmp_path))
  path.write_text("[1, 2]")
  with pytest.raises(WorkdirError, match='has no "model" section'):
    workdir_layout.read_run_config(str(tmp_path))
  (tmp_path / "file").write_text("")
  with pytest.raises(WorkdirError, match="exists and is not a directory"):
    workdir_layout.read_run_config(str(tmp_path / "file"))


def test_check_workdir_accepts_its_own_run_and_refuses_another(tmp_path):
  config = get_config("tiny")
  workdir_lib.write_config(config, str(tmp_path))
  workdir_lib.check_workdir(config, str(tmp_path))
  workdir_lib.check_workdir(config.replace(max_steps=99), str(tmp_path))
  with pytest.raises(WorkdirError, match="seed=0, not seed=5"):
    workdir_lib.check_workdir(config.replace(seed=5), str(tmp_path))
  with pytest.raises(WorkdirError, match="has model"):
    workdir_lib.check_workdir(config.replace(z_dim=16), str(tmp_path))


def test_claimed_dir_locks_and_a_failed_start_leaves_nothing(tmp_path):
  path = str(tmp_path / "a" / "b")
  claim = workdir_lib.ClaimedDir(path, lock=True)
  with pytest.raises(WorkdirError, match="trainer.lock"):
    workdir_lib.ClaimedDir(path, lock=True)
  claim.release(started=False)
  assert not os.path.exists(tmp_path / "a")
  claim = workdir_lib.ClaimedDir(path, lock=True)
  claim.release(started=True)
  assert os.listdir(path) == []


@pytest.mark.parametrize(
  "step,every,last,due",
  [
    (50, 50, 1500, True),
    (51, 50, 1500, False),
    (1500, 7, 1500, True),
    (3, 2, 3, True),
    (1, 1, 9, True),
  ],
)
def test_is_due(step, every, last, due):
  assert progress.is_due(step, every, last) == due


def test_rate_window_and_eta():
  assert progress.format_eta(3725.9) == "1:02:05"
  assert progress.format_eta(-4) == "0:00:00"
  window = progress.RateWindow(images_per_step=64)
  for _ in range(3):
    window.tick()
  rate, eta = window.report(remaining_steps=0)
  assert rate > 0 and eta == "0:00:00"
  assert window.steps == 0  # a new window
