"""--config and --config.FIELD=VALUE: overrides reach the run, mistakes fail
in one line before TensorFlow loads."""

import json
import os
import textwrap

import pytest

from tests.conftest import REPO, cli, subprocess_env
from training import config as config_lib

TRAIN = "training.main"


def test_overrides_reach_config_json(tmp_path):
  workdir = tmp_path / "run"
  result = cli(TRAIN, "--config=tiny", "--config.model.z_dim=6",
               "--config.beta1=0.3", "--config.keep_checkpoints=1",
               "--nodeterministic", "--max_steps=1", f"--workdir={workdir}")
  assert result.returncode == 0, result.stderr
  saved = json.loads((workdir / "config.json").read_text())
  assert saved["model"]["z_dim"] == 6
  assert saved["beta1"] == 0.3
  assert saved["keep_checkpoints"] == 1
  assert saved["max_steps"] == 1  # the short alias
  # What was not given keeps the tiny preset's value, not mnist32's (which
  # the flags show as their defaults).
  tiny = config_lib.PRESETS["tiny"]
  assert saved["batch_size"] == tiny.batch_size
  assert saved["model"]["image_size"] == tiny.model.image_size
  # The resolved config is logged, as one JSON line, before training.
  logged = [line for line in result.stderr.splitlines()
            if "Config (--config=tiny): " in line]
  assert len(logged) == 1
  assert json.loads(logged[0].split(": ", 1)[1]) == saved


def test_config_file_with_overrides(tmp_path):
  path = tmp_path / "my_config.py"
  path.write_text(textwrap.dedent("""\
      from training import config

      def get_config():
        return config.PRESETS["tiny"].replace(z_dim=5, max_steps=1)
      """))
  workdir = tmp_path / "run"
  result = cli(TRAIN, f"--config={path}", "--config.shuffle_buffer=32",
               f"--workdir={workdir}")
  assert result.returncode == 0, result.stderr
  saved = json.loads((workdir / "config.json").read_text())
  assert saved["model"]["z_dim"] == 5
  assert saved["max_steps"] == 1
  assert saved["shuffle_buffer"] == 32


def test_config_file_returning_a_dict(tmp_path):
  path = tmp_path / "overrides.py"
  path.write_text("def get_config():\n"
                  "  return {'beta1': 0.2, 'model': {'gf': 16},\n"
                  "          'model.df': 8}\n")
  config = config_lib.load_config(str(path))
  expected = config_lib.PRESETS[config_lib.DEFAULT_PRESET]
  assert config.beta1 == 0.2
  assert (config.model.gf, config.model.df) == (16, 8)
  assert config.model.z_dim == expected.model.z_dim


def test_every_field_is_documented():
  # --help shows this text; a new field needs its "Attributes:" line.
  for field in config_lib.config_fields():
    assert field.doc, field.path


def test_with_overrides_sets_nested_fields():
  config = config_lib.with_overrides(
      config_lib.PRESETS["tiny"],
      {"model.z_dim": 7, "frechet_every": 3, "tpu": None})
  assert config.model.z_dim == 7
  assert config.frechet_every == 3
  assert config.model.gf == config_lib.PRESETS["tiny"].model.gf


BAD = [
    (("--config.nope=1",), "Unknown command line flag 'config.nope'"),
    (("--config.model.nope=1",), "flag 'config.model.nope'"),
    (("--config.beta1=1.5",), "beta1=1.5 must be in [0, 1)"),
    (("--config.beta1=x",), "flag --config.beta1=x"),
    (("--config.model.z_dim=0",), "z_dim=0 must be a positive integer"),
    (("--config.model.gf=2.5",), "flag --config.model.gf=2.5"),
    (("--config.batch_size=abc",), "flag --config.batch_size=abc"),
    (("--config.batch_size=0",), "batch_size=0 must be a positive"),
    (("--config.deterministic=maybe",), "flag --config.deterministic=maybe"),
    (("--config.num_samples=5",), "num_samples=5 must be a square"),
    (("--config.keep_checkpoints=0",), "keep_checkpoints=0 must be a"),
    (("--config.frechet_every=-1",), "frechet_every=-1 must be >= 0"),
    (("--config.strategy=tpu", "--config.tpu=None"), "needs a TPU name"),
    (("--batch_size=3", "--config.batch_size=4"),
     "--config.batch_size=4 and --batch_size=3 disagree"),
    (("--config=mnist99",), "unknown preset 'mnist99'"),
    (("--config={tmp}/missing.py",), "--config={tmp}/missing.py: no such"),
    (("--config={tmp}/raises.py",), "raises.py: ValueError: boom"),
    (("--config={tmp}/no_function.py",), "no_function.py: AttributeError"),
    (("--config={tmp}/wrong_type.py",), "returned list, not a TrainConfig"),
    (("--config={tmp}/unknown_field.py",), "unknown config field 'model.nope'"),
    (("--config={tmp}/bad_value.py",), "bad_value.py: seed=-1 must be"),
]
CONFIG_FILES = {
    "raises.py": "def get_config():\n  raise ValueError('boom')\n",
    "no_function.py": "X = 1\n",
    "wrong_type.py": "def get_config():\n  return [1]\n",
    "unknown_field.py": "def get_config():\n  return {'model.nope': 1}\n",
    "bad_value.py": ("from training import config\ndef get_config():\n"
                     "  return config.TrainConfig(seed=-1)\n"),
}


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_config_is_one_line_before_tensorflow(tmp_path, args, message):
  for name, text in CONFIG_FILES.items():
    (tmp_path / name).write_text(text)
  # A `tensorflow` package that fails to import: any TensorFlow import on the
  # way to the error shows up as a traceback instead of the one line.
  poison = tmp_path / "poison" / "tensorflow"
  poison.mkdir(parents=True)
  (poison / "__init__.py").write_text(
      "raise ImportError('tensorflow imported before the error')\n")
  env = subprocess_env(PYTHONPATH=f"{poison.parent}{os.pathsep}{REPO}")
  args = [a.replace("{tmp}", str(tmp_path)) for a in args]
  result = cli(TRAIN, *args, f"--workdir={tmp_path}/run", timeout=60,
               env=env)
  assert result.returncode == 2, result.stderr
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1, result.stderr
  assert lines[0].startswith("dcgan-train: error: ")
  assert message.replace("{tmp}", str(tmp_path)) in lines[0]
  assert not os.path.exists(tmp_path / "run")
