"""Training hyperparameters and named presets.

Pure Python (no TensorFlow import), so the entry point rejects a bad preset or
value before paying for the TensorFlow import.
"""

import dataclasses
import importlib.util
import json
import math
import os
import re
import typing
from typing import Any, Dict, List, Optional

from models.config import CELEBA64, MNIST32, ConfigError, ModelConfig

PRECISION_POLICIES = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
  """Everything that defines a training run, saved as config.json.

  Attributes:
    model: Architecture of both networks.
    dataset: `embedded:mnist`, `tfds:NAME[:SPLIT]` or `folder:PATH`.
    tfds_data_dir: Where prepared TFDS data sets live (None: TFDS default).
    batch_size: Images per step (global batch).
    max_steps: Training stops when this many steps are done.
    learning_rate: Adam's step size for each network (DCGAN section 4: 2e-4).
    beta1: Adam's first-moment decay for each network; DCGAN section 4 uses
      0.5 (the default 0.9 "resulted in training oscillation and instability").
    seed: Seeds weights, z draws and data order.
    log_every: Steps between log lines and scalar summaries.
    sample_every: Steps between sample grids (TensorBoard image and PNG).
    checkpoint_every: Steps between checkpoints.
    keep_checkpoints: How many recent checkpoints to keep.
    shuffle_buffer: tf.data shuffle buffer, in images.
    num_samples: Images in the sample grid, a square number.
    frechet_every: Steps between Fréchet distances of 1,000 samples to the
      embedded training digits (training/frechet.py); 0 = never. Only for
      embedded:mnist, whose labels train the feature classifier.
    deterministic: Turn on TensorFlow op determinism (same seed, same
      results; slower on GPU).
    mixed_precision: Keras dtype policy: `float32`, `mixed_float16` (loss
      scaling), `mixed_bfloat16`, or `auto` (mixed_float16 on GPU,
      mixed_bfloat16 on TPU, float32 on CPU). Variables stay float32 either
      way, so checkpoints move freely between policies.
    strategy: tf.distribute strategy: `default` (one device), `mirrored`
      (all local GPUs, else all logical CPUs), `multi_worker` (TF_CONFIG),
      `tpu` (address in `tpu`), or `auto` (tpu if `tpu` is set, multi_worker
      if TF_CONFIG names several tasks, mirrored if several GPUs, else
      default).
    tpu: TPU name or grpc:// address for strategy tpu/auto.
    collective_timeout_s: Seconds a cross-worker collective may wait before
      it fails, so a dead peer ends a multi-worker job instead of hanging it.
    ema_decay: Decay of the exponential moving average of the generator's
      weights (and batch-norm statistics), updated after every step with
      the warm-up min(decay, (1 + step) / (10 + step)). The average is what
      samples, the Fréchet distance and dcgan-export use (dcgan-export
      --raw_generator: the last weights). 0 keeps the last weights.
    encoder_steps: Steps of the mask-aware encoder (models/encoder.py),
      trained after the GAN's max_steps against the EMA generator, which
      it learns to invert from partial images; 0 = no encoder. A run
      trained further (a raised max_steps) fine-tunes the encoder for
      encoder_steps more steps against the new generator.
    encoder_learning_rate: Adam's step size for the encoder.
  """
  model: ModelConfig = MNIST32
  dataset: str = "embedded:mnist"
  tfds_data_dir: Optional[str] = None
  batch_size: int = 64
  max_steps: int = 1500
  learning_rate: float = 2e-4
  beta1: float = 0.5
  seed: int = 0
  log_every: int = 50
  sample_every: int = 250
  checkpoint_every: int = 500
  keep_checkpoints: int = 3
  shuffle_buffer: int = 10_000
  num_samples: int = 64
  frechet_every: int = 500
  deterministic: bool = False
  mixed_precision: str = "auto"
  strategy: str = "auto"
  tpu: Optional[str] = None
  collective_timeout_s: float = 600.0
  ema_decay: float = 0.995
  encoder_steps: int = 500
  encoder_learning_rate: float = 1e-3

  def __post_init__(self):
    if self.mixed_precision not in PRECISION_POLICIES:
      raise ConfigError(
          f"mixed_precision={self.mixed_precision!r} must be one of "
          f"{', '.join(PRECISION_POLICIES)}")
    if self.strategy not in STRATEGIES:
      raise ConfigError(f"strategy={self.strategy!r} must be one of "
                        f"{', '.join(STRATEGIES)}")
    if self.strategy == "tpu" and not self.tpu:
      raise ConfigError("strategy='tpu' needs a TPU name or address (--tpu)")
    for name in ("collective_timeout_s", "learning_rate",
                 "encoder_learning_rate"):
      value = getattr(self, name)
      if not (isinstance(value, (int, float)) and math.isfinite(value) and
              value > 0):
        raise ConfigError(f"{name}={value!r} must be a finite number > 0")
    # keras.utils.set_random_seed and NumPy take seeds in [0, 2**32).
    if not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
      raise ConfigError(f"seed={self.seed!r} must be an integer in "
                        "[0, 4294967295]")
    if not isinstance(self.frechet_every, int) or self.frechet_every < 0:
      raise ConfigError(f"frechet_every={self.frechet_every!r} must be >= 0")
    for name in ("batch_size", "max_steps", "log_every", "sample_every",
                 "checkpoint_every", "keep_checkpoints", "shuffle_buffer"):
      value = getattr(self, name)
      if not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name}={value!r} must be a positive integer")
    for name in ("beta1", "ema_decay"):
      value = getattr(self, name)
      if not (isinstance(value, (int, float)) and 0 <= value < 1):
        raise ConfigError(f"{name}={value!r} must be in [0, 1)")
    if not isinstance(self.encoder_steps, int) or self.encoder_steps < 0:
      raise ConfigError(f"encoder_steps={self.encoder_steps!r} must be an "
                        "integer >= 0")
    if int(self.num_samples**0.5)**2 != self.num_samples:
      raise ConfigError(f"num_samples={self.num_samples!r} must be a square")

  def replace(self, **overrides) -> "TrainConfig":
    """Returns a copy; `image_size`, `channels`, ... go to the model config."""
    model_fields = {f.name for f in dataclasses.fields(ModelConfig)}
    model_overrides = {k: v for k, v in overrides.items() if k in model_fields}
    train_overrides = {k: v for k, v in overrides.items()
                       if k not in model_fields}
    unknown = set(train_overrides) - {f.name for f in dataclasses.fields(self)}
    if unknown:
      raise ConfigError(f"unknown config fields: {', '.join(sorted(unknown))}")
    model = dataclasses.replace(self.model, **model_overrides)
    return dataclasses.replace(self, model=model, **train_overrides)

  def to_dict(self) -> Dict[str, Any]:
    return dataclasses.asdict(self)

  def to_json(self) -> str:
    return json.dumps(self.to_dict(), indent=2, sort_keys=True)

  @classmethod
  def from_dict(cls, values: Dict[str, Any]) -> "TrainConfig":
    values = dict(values)
    model = ModelConfig.from_dict(values.pop("model"))
    return cls(model=model, **values)


PRESETS = {
    # The embedded default: 4,500 training digits, 1,500 steps of 64.
    "mnist32": TrainConfig(),
    # The paper's network on CelebA faces (run with --dataset=tfds:celeb_a).
    "celeba64": TrainConfig(model=CELEBA64, dataset="tfds:celeb_a",
                            batch_size=128, max_steps=50_000,
                            log_every=100, sample_every=1000,
                            checkpoint_every=2000, frechet_every=0,
                            encoder_steps=5000),
    # Tests: a few seconds per dozen steps on a CPU.
    # No encoder phase: tests that want one set encoder_steps.
    "tiny": TrainConfig().replace(image_size=16, z_dim=8, gf=4, df=4, ef=4,
                                  encoder_steps=0,
                                  batch_size=8, max_steps=4, log_every=1,
                                  sample_every=2, checkpoint_every=2,
                                  num_samples=4, shuffle_buffer=64,
                                  frechet_every=0),
}


DEFAULT_PRESET = "mnist32"


def get_config(name: str, **overrides) -> TrainConfig:
  """Returns preset `name` with `overrides` applied (None values ignored)."""
  if name not in PRESETS:
    raise ConfigError(
        f"unknown preset {name!r}; choose one of {', '.join(sorted(PRESETS))}")
  overrides = {k: v for k, v in overrides.items() if v is not None}
  return PRESETS[name].replace(**overrides)


@dataclasses.dataclass(frozen=True)
class ConfigField:
  """One leaf of the config tree, as `--config.PATH` sets it.

  Attributes:
    path: Dotted path from TrainConfig, e.g. `beta1` or `model.z_dim`.
    type: The annotation: int, float, bool, str or Optional[str].
    doc: The field's entry in its class's "Attributes:" docstring section.
  """
  path: str
  type: Any
  doc: str


def config_fields(cls=TrainConfig, prefix: str = "") -> List[ConfigField]:
  """Every settable field of `cls`, nested dataclasses flattened to paths.

  The entry point builds its `--config.PATH` flags from this, so a new field
  (with its docstring line) is a change to one file.
  """
  docs = _attribute_docs(cls)
  result = []
  for name, kind in typing.get_type_hints(cls).items():
    if dataclasses.is_dataclass(kind):
      result += config_fields(kind, f"{prefix}{name}.")
    else:
      result.append(ConfigField(prefix + name, kind, docs.get(name, "")))
  return result


def _attribute_docs(cls) -> Dict[str, str]:
  """Parses a Google-style "Attributes:" section into {name: text}."""
  docs, names = {}, []
  section = (cls.__doc__ or "").partition("Attributes:")[2]
  for line in section.splitlines():
    entry = re.match(r"^    ([\w, ]+): (.*)$", line)
    if entry:
      # "learning_rate, beta1: ..." documents two fields at once.
      names = [n.strip() for n in entry.group(1).split(",")]
      for name in names:
        docs[name] = entry.group(2)
    elif line.startswith("      ") and names:
      for name in names:
        docs[name] += " " + line.strip()
    elif line.strip():
      names = []
  return docs


def with_overrides(config, overrides: Dict[str, Any], _prefix: str = ""):
  """Returns `config` with dotted-path `overrides` applied, then validated.

  Args:
    config: A TrainConfig (or any config dataclass).
    overrides: {"beta1": 0.3, "model.z_dim": 64}; a nested dict
      ({"model": {"z_dim": 64}}) works too.

  Raises:
    ConfigError: An unknown field, or a value its __post_init__ refuses.
  """
  direct, nested = {}, {}
  for path, value in overrides.items():
    head, _, rest = path.partition(".")
    if rest:
      nested.setdefault(head, {})[rest] = value
    else:
      direct[head] = value
  known = {f.name: f for f in dataclasses.fields(config)}
  for name in list(direct) + list(nested):
    if name not in known:
      raise ConfigError(f"unknown config field '{_prefix}{name}'; "
                        f"{type(config).__name__} has "
                        f"{', '.join(sorted(known))}")
  for name, value in list(direct.items()):
    if isinstance(value, dict) and dataclasses.is_dataclass(
        getattr(config, name)):
      nested.setdefault(name, {}).update(direct.pop(name))
  for name, sub in nested.items():
    child = getattr(config, name)
    if not dataclasses.is_dataclass(child):
      raise ConfigError(f"config field '{_prefix}{name}' has no fields "
                        f"({', '.join(sub)})")
    direct[name] = with_overrides(child, sub, f"{_prefix}{name}.")
  return dataclasses.replace(config, **direct)


def load_config(spec: str) -> TrainConfig:
  """`--config`: a preset name, or a Python file whose get_config() returns
  a TrainConfig or a dict of overrides of the default preset (mnist32).

  Raises:
    ConfigError: Naming the preset or file and what is wrong.
  """
  if spec in PRESETS:
    return PRESETS[spec]
  if not spec.endswith(".py"):
    raise ConfigError(
        f"unknown preset {spec!r}; choose one of "
        f"{', '.join(sorted(PRESETS))}, or a path to a .py config file")
  if not os.path.isfile(spec):
    raise ConfigError(f"--config={spec}: no such file")
  module_spec = importlib.util.spec_from_file_location("_dcgan_config", spec)
  module = importlib.util.module_from_spec(module_spec)
  try:
    module_spec.loader.exec_module(module)
    made = module.get_config()
  except ConfigError as e:
    raise ConfigError(f"--config={spec}: {e}") from e
  except Exception as e:  # pylint: disable=broad-except
    # The user's own code: any failure is a bad input, named in one line.
    raise ConfigError(f"--config={spec}: {type(e).__name__}: {e}") from e
  if isinstance(made, dict):
    return with_overrides(PRESETS[DEFAULT_PRESET], made)
  if not isinstance(made, TrainConfig):
    raise ConfigError(f"--config={spec}: get_config() returned "
                      f"{type(made).__name__}, not a TrainConfig or a dict")
  return made
