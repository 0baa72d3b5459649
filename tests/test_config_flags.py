"""--config and --config.FIELD=VALUE: overrides reach the run, mistakes fail
in one line before TensorFlow loads; the generic layer (common.config_flags)
that builds every command's config flags."""

import dataclasses
import json
import os
import textwrap
from typing import List, Optional

import pytest
from absl import flags

from common import config_checks as checks
from common import config_flags
from common.config_checks import field
from common.errors import ConfigError, UserError
from demo.config import DemoConfig
from inpainting.search_config import SearchConfig
from models.config import ModelConfig
from tests.conftest import REPO, cli, subprocess_env
from training import config as config_lib

TRAIN = "training.main"


@pytest.mark.slow
def test_overrides_reach_config_json(tmp_path):
  workdir = tmp_path / "run"
  result = cli(
    TRAIN,
    "--config=tiny",
    "--config.model.z_dim=6",
    "--config.beta1=0.3",
    "--config.keep_checkpoints=1",
    "--nodeterministic",
    "--max_steps=1",
    f"--workdir={workdir}",
  )
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
  logged = [
    line
    for line in result.stderr.splitlines()
    if "Config (--config=tiny): " in line
  ]
  assert len(logged) == 1
  assert json.loads(logged[0].split(": ", 1)[1]) == saved


@pytest.mark.slow
def test_config_file_with_overrides(tmp_path):
  path = tmp_path / "my_config.py"
  path.write_text(
    textwrap.dedent("""\
      from training import config

      def get_config():
        return config.PRESETS["tiny"].replace(z_dim=5, max_steps=1)
      """)
  )
  workdir = tmp_path / "run"
  result = cli(
    TRAIN,
    f"--config={path}",
    "--config.shuffle_buffer=32",
    f"--workdir={workdir}",
  )
  assert result.returncode == 0, result.stderr
  saved = json.loads((workdir / "config.json").read_text())
  assert saved["model"]["z_dim"] == 5
  assert saved["max_steps"] == 1
  assert saved["shuffle_buffer"] == 32


def test_config_file_returning_a_dict(tmp_path):
  path = tmp_path / "overrides.py"
  path.write_text(
    "def get_config():\n"
    "  return {'beta1': 0.2, 'model': {'gf': 16},\n"
    "          'model.df': 8}\n"
  )
  config = config_lib.load_config(str(path))
  expected = config_lib.PRESETS[config_lib.DEFAULT_PRESET]
  assert config.beta1 == 0.2
  assert (config.model.gf, config.model.df) == (16, 8)
  assert config.model.z_dim == expected.model.z_dim


@pytest.mark.parametrize(
  "cls", [config_lib.TrainConfig, SearchConfig, DemoConfig]
)
def test_every_field_is_documented(cls):
  # --help shows this text; a new field needs its metadata["help"].
  for leaf in config_flags.config_fields(cls):
    assert leaf.help, leaf.path


def test_presets_are_config_files():
  assert config_lib.PRESET_NAMES == ("celeba64", "colour32", "mnist32", "tiny")
  assert sorted(config_lib.PRESETS) == list(config_lib.PRESET_NAMES)
  assert config_lib.PRESETS["mnist32"] == config_lib.TrainConfig()
  # tiny overrides mnist32: what it does not set is mnist32's.
  tiny, mnist32 = config_lib.PRESETS["tiny"], config_lib.PRESETS["mnist32"]
  assert (tiny.dataset, tiny.beta1) == (mnist32.dataset, mnist32.beta1)
  assert tiny.model.channels == mnist32.model.channels
  assert config_lib.load_config("celeba64").dataset == "tfds:celeb_a"
  # colour32 is mnist32 in colour, its GAN and encoder trained twice as long.
  colour32 = config_lib.PRESETS["colour32"]
  assert colour32.max_steps == 2 * mnist32.max_steps
  assert colour32.encoder_steps == 2 * mnist32.encoder_steps
  assert colour32.replace(
    dataset=mnist32.dataset,
    max_steps=mnist32.max_steps,
    encoder_steps=mnist32.encoder_steps,
    frechet_every=mnist32.frechet_every,
  ) == mnist32.replace(channels=3)


def test_with_overrides_sets_nested_fields():
  config = config_flags.with_overrides(
    config_lib.PRESETS["tiny"],
    {"model.z_dim": 7, "frechet_every": 3, "tpu": None},
  )
  assert config.model.z_dim == 7
  assert config.frechet_every == 3
  assert config.model.gf == config_lib.PRESETS["tiny"].model.gf


BAD = [
  (("--config.nope=1",), "Unknown command line flag 'config.nope'"),
  (("--config.model.nope=1",), "flag 'config.model.nope'"),
  (
    ("--config.beta1=1.5",),
    "--config.beta1=1.5 must be a finite number in [0, 1)",
  ),
  (("--config.beta1=x",), "flag --config.beta1=x"),
  (("--config.model.z_dim=0",), "z_dim=0 must be a positive integer"),
  (("--config.model.gf=2.5",), "flag --config.model.gf=2.5"),
  (("--config.batch_size=abc",), "flag --config.batch_size=abc"),
  (("--config.batch_size=0",), "batch_size=0 must be a positive"),
  (("--config.deterministic=maybe",), "flag --config.deterministic=maybe"),
  (("--config.num_samples=5",), "num_samples=5 must be a square"),
  (("--config.keep_checkpoints=0",), "keep_checkpoints=0 must be a"),
  (
    ("--config.frechet_every=-1",),
    "--config.frechet_every=-1 must be an integer >= 0",
  ),
  (("--config.strategy=tpu", "--config.tpu=None"), "needs a TPU name"),
  (
    ("--batch_size=3", "--config.batch_size=4"),
    "--config.batch_size=4 and --batch_size=3 disagree",
  ),
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
  "bad_value.py": (
    "from training import config\ndef get_config():\n"
    "  return config.TrainConfig(seed=-1)\n"
  ),
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
    "raise ImportError('tensorflow imported before the error')\n"
  )
  env = subprocess_env(PYTHONPATH=f"{poison.parent}{os.pathsep}{REPO}")
  args = [a.replace("{tmp}", str(tmp_path)) for a in args]
  result = cli(TRAIN, *args, f"--workdir={tmp_path}/run", timeout=60, env=env)
  assert result.returncode == 2, result.stderr
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1, result.stderr
  assert lines[0].startswith("dcgan-train: error: ")
  assert message.replace("{tmp}", str(tmp_path)) in lines[0]
  assert not os.path.exists(tmp_path / "run")


# The generic layer, on a config of its own, with flags in a FlagValues of
# the test's (not absl's global FLAGS, which the entry points own).
@dataclasses.dataclass(frozen=True)
class _Inner:
  width: int = field(4, "Width of the inner part.")
  rate: Optional[float] = field(None, "A rate, or None for none.")


@dataclasses.dataclass(frozen=True)
class _Outer:
  inner: _Inner = _Inner()
  name: str = field("a", "A name.")
  fast: bool = field(False, "Go fast.")
  count: int = field(1, "How many.")

  def __post_init__(self):
    checks.positive_int("count", self.count)


def _define(*args, **kwargs):
  """(ConfigFlags, FlagValues) of _Outer: --config.PATH, --width alias."""
  values = flags.FlagValues()
  made = config_flags.define_flags(
    _Outer(),
    config_flags.flag_names(_Outer, aliases=("inner.width",)),
    *args,
    flag_values=values,
    **kwargs,
  )
  return made, values


def test_a_flag_per_field_with_its_default_and_help():
  _, values = _define(note="Preset value.")
  assert sorted(values) == [
    "config.count",
    "config.fast",
    "config.inner.rate",
    "config.inner.width",
    "config.name",
    "width",
  ]
  assert values["config.inner.width"].default == 4
  assert values["config.inner.width"].help == (
    "Width of the inner part. Preset value."
  )
  assert values["width"].help == "Same as --config.inner.width. Preset value."
  assert values["config.fast"].boolean


def test_given_flags_override_only_their_fields():
  made, values = _define()
  values(["prog", "--width=8", "--noconfig.fast", "--config.name=b"])
  assert made.overrides() == {"inner.width": 8, "fast": False, "name": "b"}
  applied = made.apply(_Outer(count=5, fast=True))
  assert applied == _Outer(inner=_Inner(width=8), name="b", count=5)


@pytest.mark.parametrize(
  "arg, value", [("0.5", 0.5), ("None", None), ("", None)]
)
def test_optional_field_parses_none_and_its_type(arg, value):
  made, values = _define()
  values(["prog", f"--config.inner.rate={arg}"])
  assert made.apply(_Outer()).inner.rate == value


def test_optional_field_refuses_another_type():
  _, values = _define()
  assert values["config.inner.rate"].parser.flag_type() == "float or None"
  with pytest.raises(
    flags.IllegalFlagValueError,
    match="flag --config.inner.rate=fast: could not convert",
  ):
    values(["prog", "--config.inner.rate=fast"])


def test_a_field_given_twice_with_two_values_is_an_error():
  made, values = _define()
  values(["prog", "--width=3", "--config.inner.width=4"])
  with pytest.raises(
    ConfigError,
    match="^--config.inner.width=4 and --width=3 disagree; give one$",
  ):
    made.overrides()
  made, values = _define()
  values(["prog", "--width=3", "--config.inner.width=3"])
  assert made.overrides() == {"inner.width": 3}


def test_a_refused_value_names_the_flag_given():
  made, values = _define()
  values(["prog", "--config.count=0"])
  with pytest.raises(
    ConfigError, match="^--config.count=0 must be a positive integer$"
  ):
    made.apply(_Outer())


def test_help_override_and_a_field_type_without_parser():
  _, values = _define(helps={"width": "How wide."})
  assert values["width"].help == "How wide."

  @dataclasses.dataclass(frozen=True)
  class Listed:
    sizes: List[int] = field((1, 2), "Sizes.")

  with pytest.raises(TypeError, match="no flag parser"):
    config_flags.define_flags(
      Listed(), {"sizes": "sizes"}, flag_values=flags.FlagValues()
    )


def test_load_config_file_names_the_file(tmp_path):
  path = tmp_path / "c.py"
  path.write_text("def get_config():\n  return {'x': 1}\n")
  assert config_flags.load_config_file(str(path)) == {"x": 1}
  with pytest.raises(ConfigError, match=f"^--cfg={tmp_path}/nope.py: no such"):
    config_flags.load_config_file(str(tmp_path / "nope.py"), "--cfg")


@pytest.mark.parametrize(
  "make, message",
  [
    (lambda: ModelConfig(channels=True), "channels=True must be 1 or 3"),
    (lambda: ModelConfig(z_dim=True), "z_dim=True must be a positive"),
    (lambda: ModelConfig(image_size=True), "image_size=True must be a power"),
    (
      lambda: config_lib.TrainConfig(batch_size=True),
      "batch_size=True must be a positive integer",
    ),
    (lambda: config_lib.TrainConfig(seed=False), "seed=False must be an"),
    (lambda: config_lib.TrainConfig(beta1=False), "beta1=False must be a"),
    (lambda: SearchConfig(steps=True), "steps=True must be an integer >= 0"),
    (lambda: DemoConfig(train_steps=True), "train_steps=True must be an"),
  ],
)
def test_every_config_refuses_a_bool_where_a_number_goes(make, message):
  with pytest.raises(UserError, match=f"^{message}"):
    make()


def test_checks_state_the_bounds():
  with pytest.raises(
    ConfigError, match=r"^n=5 must be an integer in \[0, 4\]$"
  ):
    checks.integer("n", 5, 0, 4)
  with pytest.raises(ConfigError, match="^n=-1 must be an integer >= 0$"):
    checks.integer("n", -1, low=0)
  with pytest.raises(ConfigError, match="^x=nan must be a finite number > 0$"):
    checks.positive_number("x", float("nan"))
  with pytest.raises(ConfigError, match="^s='c' must be one of a, b, d$"):
    checks.one_of("s", "c", ("a", "b", "d"))
  checks.integer("n", 4, 0, 4)
  checks.fraction("x", 0.0)
