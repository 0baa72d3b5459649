"""`PROG --help` of every installed command lists that command's own flags.

absl's --help lists the flags of the __main__ module, which for a console
script is the generated wrapper; common/cli.py answers --help itself.
These run the console scripts that setup.py installs, as a user would.
"""

import os
import re
import subprocess
import sys

import pytest

from common import config_flags
from tests.conftest import REPO, subprocess_env
from training import config as config_lib

BIN = os.path.dirname(sys.executable)
COMMANDS = {
  "dcgan-train": (
    "--config",
    "--workdir",
    "--config.beta1",
    "--config.model.z_dim",
    "--batch_size",
    "--max_steps",
    "--dataset",
    "--image_size",
  ),
  "dcgan-export": ("--workdir", "--export_dir", "--version", "--max_batch"),
  "dcgan-complete": ("--model_dir", "--images", "--mask", "--out", "--steps"),
  "dcgan-demo": (
    "--workdir",
    "--train_steps",
    "--images_per_digit",
    "--search_steps",
  ),
  "dcgan-complete-bulk": (
    "--model_dir",
    "--images",
    "--mask",
    "--out",
    "--workers",
    "--steps",
  ),
}


def run_help(*command):
  return subprocess.run(
    list(command) + ["--help"],
    capture_output=True,
    text=True,
    timeout=60,
    cwd=REPO,
    env=subprocess_env(),
  )


def flag_help(text, name):
  """The help block of flag `name` (absl's layout: `  --name: ...`)."""
  match = re.search(
    rf"^  --(?:\[no\])?{re.escape(name)}: .*?(?=^  --|\n\n)", text, re.M | re.S
  )
  assert match, f"--{name} not in the help:\n{text}"
  return match.group(0)


@pytest.fixture(scope="module")
def train_help():
  result = run_help(os.path.join(BIN, "dcgan-train"))
  assert result.returncode == 0, result.stderr
  return result.stdout


@pytest.mark.parametrize("prog", sorted(COMMANDS))
def test_help_lists_the_commands_own_flags(prog):
  result = run_help(os.path.join(BIN, prog))
  assert result.returncode == 0, result.stderr
  assert result.stdout.startswith(f"USAGE: {prog} [flags]")
  for flag in COMMANDS[prog]:
    flag_help(result.stdout, flag.lstrip("-"))
  # absl's own flags stay behind --helpfull.
  for absl_flag in (
    "--logtostderr",
    "--verbosity",
    "--flagfile",
    "--only_check_flags",
  ):
    assert absl_flag not in result.stdout
  assert "Traceback" not in result.stderr


def test_train_help_shows_effective_defaults(train_help):
  # 64 is the default preset's batch size; the flag's own default is that
  # value, and the text says that it comes from the preset.
  for name in ("batch_size", "config.batch_size"):
    block = flag_help(train_help, name)
    assert "(default: '64')" in block
    assert "--config preset's (mnist32's below)" in " ".join(block.split())
  assert "(default: '0.5')" in flag_help(train_help, "config.beta1")
  assert "(default: '100')" in flag_help(train_help, "config.model.z_dim")
  assert "(default: 'mnist32')" in flag_help(train_help, "config")


def test_train_help_lists_every_config_field(train_help):
  for field in config_flags.config_fields(config_lib.TrainConfig):
    block = flag_help(train_help, f"config.{field.path}")
    # Its text is the field's metadata["help"] (absl rewraps it, also
    # after a hyphen: compared without whitespace).
    assert "".join(field.help.split()) in "".join(block.split())


def test_help_under_python_dash_m(train_help):
  result = subprocess.run(
    [sys.executable, "-m", "training.main", "--help"],
    capture_output=True,
    text=True,
    timeout=60,
    cwd=REPO,
    env=subprocess_env(),
  )
  assert result.returncode == 0, result.stderr
  assert result.stdout == train_help


def test_demo_help_states_demo_config_defaults():
  from demo import config as demo_config

  result = run_help(os.path.join(BIN, "dcgan-demo"))
  defaults = demo_config.DemoConfig()
  for name, value in (
    ("train_steps", defaults.train_steps),
    ("images_per_digit", defaults.images_per_digit),
    ("search_steps", defaults.search.steps),
  ):
    assert f"(default: '{value}')" in " ".join(
      flag_help(result.stdout, name).split()
    )


def test_complete_help_states_both_search_defaults():
  # The search flags' defaults are SearchConfig's (exports with an encoder);
  # the help also names those of exports without one.
  from inpainting import search_config

  result = run_help(os.path.join(BIN, "dcgan-complete"))
  defaults = search_config.SearchConfig()
  for name, no_encoder in search_config.POOL_START_DEFAULTS.items():
    block = " ".join(flag_help(result.stdout, name).split())
    assert f"(default: '{getattr(defaults, name)}')" in block
    assert "exports without an encoder: " in block
    assert str(no_encoder) in block
