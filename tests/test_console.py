"""A console that speaks only when it has something to say (tf_env)."""

import logging
import os
import re

import pytest

from common import tf_env
from tests.conftest import REPO, cli, subprocess_env

# Where TensorFlow's own lines come from: its C++ logging (absl format with
# a C++ file, or absl's pre-init notice) and its Python modules' records.
TF_LINE = re.compile(
  r"absl::InitializeLog|\.cc:\d+\]|Sharding callback|"
  r"cuInit|remapper failed|cudart_stub"
)
LOG_LINE = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ ([\w.]+):\d+\] ")


def _our_files():
  names = set()
  for root, dirs, files in os.walk(REPO):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    names.update(f for f in files if f.endswith(".py"))
  return names


def _train(tmp_path, **env):
  quiet_env = subprocess_env(**env)
  # conftest sets TF_CPP_MIN_LOG_LEVEL for the test process; a user's
  # console starts without it.
  for name in ("TF_CPP_MIN_LOG_LEVEL", tf_env.SWITCH):
    if name not in env:
      quiet_env.pop(name, None)
  result = cli(
    "training.main",
    "--config=tiny",
    f"--workdir={tmp_path / 'run'}",
    "--max_steps=2",
    env=quiet_env,
  )
  assert result.returncode == 0, result.stderr[-3000:]
  return result.stdout + result.stderr


@pytest.fixture(scope="module")
def default_console(tmp_path_factory):
  """A user's console: what training prints without TF_CPP_MIN_LOG_LEVEL
  (one run shared by the tests that read it)."""
  return _train(tmp_path_factory.mktemp("default_console"))


@pytest.mark.slow
def test_default_console_has_only_our_lines(default_console):
  output = default_console
  ours = _our_files()
  for line in output.splitlines():
    assert not TF_LINE.search(line), line
    match = LOG_LINE.match(line)
    assert match and match.group(1) in ours, line
  # A checkpoint is announced by us, once per save (steps 2).
  assert len(re.findall(r"Saved checkpoint \S+ckpt-2\n", output)) == 1


@pytest.mark.slow
def test_a_user_set_log_level_never_adds_lines(tmp_path, default_console):
  # TF_CPP_MIN_LOG_LEVEL=1 or 2 is how users quiet TensorFlow; it once
  # brought back the load-time INFO lines and the cuInit/remapper ERRORs.
  unset = default_console.splitlines()
  for level in ("1", "2"):
    lines = _train(tmp_path / level, TF_CPP_MIN_LOG_LEVEL=level).splitlines()
    assert len(lines) <= len(unset), (level, lines)
    assert not [line for line in lines if TF_LINE.search(line)], level


@pytest.mark.slow
def test_switch_brings_tensorflow_lines_back(tmp_path):
  output = _train(tmp_path, **{tf_env.SWITCH: "1"})
  assert "Sharding callback duration" in output  # TF's Python records
  assert re.search(r"\.cc:\d+\]", output)  # TF's C++ lines


@pytest.mark.parametrize(
  "argv, level",
  [
    (["prog"], 0),
    (["prog", "--verbosity=1"], 1),
    (["prog", "-v", "2"], 2),
    (["prog", "-v=1", "--workdir=w"], 1),
    (["prog", "--verbosity", "x"], 0),
  ],
)
def test_verbosity_is_read_from_the_command_line(argv, level):
  assert tf_env._verbosity_from_argv(argv) == level


@pytest.mark.parametrize(
  "line, chatter",
  [
    (
      "WARNING: All log messages before absl::InitializeLog() is called are "
      "written to STDERR\n",
      True,
    ),
    (
      "I0000 00:00:1795656489.424710   22224 port.cc:153] oneDNN custom "
      "operations are on.\n",
      True,
    ),
    (
      "W0000 00:00:1795656489.425020   22224 cudart_stub.cc:31] Could not "
      "find cuda drivers\n",
      True,
    ),
    # Errors, fatal lines and Python output always come through.
    (
      "E0000 00:00:1795656490.635454   22224 cuda_platform.cc:52] failed\n",
      False,
    ),
    ("F0000 00:00:1795656490.635454   22224 op.cc:52] Check failed\n", False),
    ("Traceback (most recent call last):\n", False),
    ("UserWarning: something\n", False),
  ],
)
def test_import_capture_drops_only_info_and_warning_lines(line, chatter):
  assert tf_env._is_chatter(line) == chatter


def test_record_filter_hides_tensorflow_records_below_error():
  record_filter = tf_env._TensorFlowRecordFilter(logging.ERROR)

  def record(path, level):
    return logging.LogRecord("absl", level, path, 1, "message", (), None)

  tf_module = os.path.join(
    "site-packages", "tensorflow", "python", "checkpoint", "functional_saver.py"
  )
  ours = os.path.join(REPO, "training", "train.py")
  absl_logger = logging.getLogger("absl")
  saved_level = absl_logger.level
  try:
    absl_logger.setLevel(logging.INFO)  # absl's default --verbosity=0
    assert not record_filter.filter(record(tf_module, logging.INFO))
    assert not record_filter.filter(record(tf_module, logging.WARNING))
    assert record_filter.filter(record(tf_module, logging.ERROR))
    assert record_filter.filter(record(ours, logging.INFO))
    absl_logger.setLevel(logging.DEBUG)  # --verbosity=1
    assert record_filter.filter(record(tf_module, logging.INFO))
  finally:
    absl_logger.setLevel(saved_level)
