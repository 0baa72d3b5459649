"""TrainConfig, the schema of a training run, and its named presets.

A preset is a file `training/configs/NAME.py` whose get_config() returns a
TrainConfig; `--config=NAME` picks it, `--config=path/to/file.py` runs any
such file (which may also return a dict of overrides of mnist32). Pure
Python (no TensorFlow import), so the entry point rejects a bad preset or
value before paying for the TensorFlow import.
"""

import collections.abc
import dataclasses
import importlib
import json
import math
import pkgutil
from typing import Any, Dict, Iterator, Optional, Tuple

from common import config_checks as checks
from common import config_flags
from common.config_checks import field
from common.errors import ConfigError, UserError
from models.config import MNIST32, ModelConfig
from training import configs

PRECISION_POLICIES = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu")
# DiffAugment's policies (training/augment.py), in the paper's order.
AUGMENT_POLICIES = ("color", "translation", "cutout")
# How the encoder's step size moves over a phase (training/encoder_step.py).
ENCODER_SCHEDULES = ("constant", "cosine")


def augment_policies(spec: str) -> Tuple[str, ...]:
  """`augment`'s comma list as a tuple of policies; "" is none.

  Raises:
    ConfigError: An unknown or repeated policy, or an empty entry.
  """
  if not spec:
    return ()
  # No spaces: one run, one spelling (resuming compares the strings).
  names = tuple(spec.split(","))
  if not set(names) <= set(AUGMENT_POLICIES) or len(set(names)) < len(names):
    raise ConfigError(
      f"augment={spec!r} must be a comma list of distinct policies from "
      f"{', '.join(AUGMENT_POLICIES)} ('' for none)"
    )
  return names


@dataclasses.dataclass(frozen=True)
class TrainConfig:
  """Everything that defines a training run, saved as config.json.

  The defaults are the mnist32 preset's. Each field's help
  (`metadata["help"]`) documents it and is its --config.FIELD help.
  """

  model: ModelConfig = MNIST32
  dataset: str = field(
    "embedded:mnist", "`embedded:mnist`, `tfds:NAME[:SPLIT]` or `folder:PATH`."
  )
  tfds_data_dir: Optional[str] = field(
    None, "Where prepared TFDS data sets live (None: TFDS default)."
  )
  batch_size: int = field(64, "Images per step (global batch).")
  max_steps: int = field(1500, "Training stops when this many steps are done.")
  learning_rate: float = field(
    2e-4,
    "Adam's step size for the generator, and for the discriminator "
    "unless d_learning_rate is set (DCGAN section 4: 2e-4 for both).",
  )
  d_learning_rate: Optional[float] = field(
    None,
    "Adam's step size for the discriminator; None: learning_rate. A "
    "different one is the two time-scale update rule (TTUR, Heusel et al. "
    "2017), usually a discriminator faster than the generator.",
  )
  beta1: float = field(
    0.5,
    "Adam's first-moment decay for each network; DCGAN section 4 "
    'uses 0.5 (the default 0.9 "resulted in training oscillation and '
    'instability").',
  )
  augment: str = field(
    "",
    "DiffAugment (Zhao et al. 2020, training/augment.py): a comma list "
    "of `color`, `translation`, `cutout`, applied in the order given to "
    "real and generated images alike before the discriminator, in both "
    "networks' losses; differentiable, so G learns through it. For small "
    "data sets, against a discriminator that memorizes them. Empty: "
    "none.",
  )
  # On by default since it won on digits, letters and colour at mnist32's
  # 1,500 steps (docs/benchmarks.md#generator-recipes); celeba64 and tiny
  # turn it off.
  r1_weight: float = field(
    1.0,
    "gamma of the R1 penalty (Mescheder et al. 2018): adds gamma/2 * "
    "E||grad_x D(x)||^2 over the (augmented) real images to the "
    "discriminator's loss; 0 = none. Logged as losses/r1_penalty.",
  )
  mirror: bool = field(
    False,
    "Flip each training image left-right with probability 1/2, drawn "
    "afresh every epoch (StyleGAN's --mirror): twice the data for "
    "sets whose mirror images are as plausible as the originals, such as "
    "faces; not for text or digits. The generator learns both "
    "orientations.",
  )
  seed: int = field(0, "Seeds weights, z draws, data order and augmentations.")
  log_every: int = field(50, "Steps between log lines and scalar summaries.")
  sample_every: int = field(
    250, "Steps between sample grids (TensorBoard image and PNG)."
  )
  checkpoint_every: int = field(500, "Steps between checkpoints.")
  keep_checkpoints: int = field(3, "How many recent checkpoints to keep.")
  shuffle_buffer: int = field(10_000, "tf.data shuffle buffer, in images.")
  num_samples: int = field(64, "Images in the sample grid, a square number.")
  frechet_every: int = field(
    500,
    "Steps between Fréchet distances of 1,000 samples to the "
    "embedded training digits (training/frechet.py); 0 = never. Only for "
    "embedded:mnist, whose labels train the feature classifier.",
  )
  deterministic: bool = field(
    False,
    "Turn on TensorFlow op determinism (same seed, same results; "
    "slower on GPU).",
  )
  mixed_precision: str = field(
    "auto",
    "Keras dtype policy: `float32`, `mixed_float16` (loss "
    "scaling), `mixed_bfloat16`, or `auto` (mixed_float16 on GPU, "
    "mixed_bfloat16 on TPU, float32 on CPU). Variables stay float32 "
    "either way, so checkpoints move freely between policies.",
  )
  strategy: str = field(
    "auto",
    "tf.distribute strategy: `default` (one device), `mirrored` "
    "(all local GPUs, else all logical CPUs), `multi_worker` (TF_CONFIG), "
    "`tpu` (address in `tpu`), or `auto` (tpu if `tpu` is set, "
    "multi_worker if TF_CONFIG names several tasks, mirrored if several "
    "GPUs, else default).",
  )
  tpu: Optional[str] = field(
    None, "TPU name or grpc:// address for strategy tpu/auto."
  )
  collective_timeout_s: float = field(
    600.0,
    "Seconds a cross-worker collective may wait before it fails, "
    "so a dead peer ends a multi-worker job instead of hanging it.",
  )
  ema_decay: float = field(
    0.995,
    "Decay of the exponential moving average of the generator's "
    "weights (and batch-norm statistics), updated after every step with "
    "the warm-up min(decay, (1 + step) / (10 + step)). The average is "
    "what samples, the Fréchet distance and dcgan-export use "
    "(dcgan-export --raw_generator: the last weights). 0 keeps the last "
    "weights.",
  )
  # 2,000, not 500: the completion starts from the encoder's z, and the
  # longer phase won on digits, letters and colour at mnist32's size
  # (docs/benchmarks.md#encoder-steps).
  encoder_steps: int = field(
    2000,
    "Steps of the mask-aware encoder (models/encoder.py), trained "
    "after the GAN's max_steps against the EMA generator, which it learns "
    "to invert from partial images; 0 = no encoder. A run trained further "
    "(a raised max_steps) fine-tunes the encoder for encoder_steps more "
    "steps against the new generator.",
  )
  encoder_learning_rate: float = field(
    1e-3, "Adam's step size for the encoder."
  )
  encoder_schedule: str = field(
    "constant",
    "How the encoder's step size moves over each encoder phase: "
    "'constant' keeps encoder_learning_rate; 'cosine' decays it from "
    "there to 0 over the phase's encoder_steps (half a cosine; raising "
    "encoder_steps mid-phase stretches the decay from where it stands).",
  )
  # 0.1, not 1: leaning on the pixels led on digits and colour in every
  # column and on letters in all but half images (-0.05 dB); 0 left one
  # encoder stuck at a constant z (docs/benchmarks.md#encoder-latent-weight).
  encoder_latent_weight: float = field(
    0.1,
    "Weight of the encoder's latent loss (E(G(z) * m, m) against z, on "
    "generated images) against its pixel loss (G(E(x * m, m)) against x): "
    "lower leans the encoder on the pixels, whose squared error is what "
    "hole PSNR scores; 0: the pixels alone.",
  )

  def __post_init__(self):
    checks.one_of("mixed_precision", self.mixed_precision, PRECISION_POLICIES)
    checks.one_of("strategy", self.strategy, STRATEGIES)
    checks.one_of("encoder_schedule", self.encoder_schedule, ENCODER_SCHEDULES)
    if self.strategy == "tpu" and not self.tpu:
      raise ConfigError("strategy='tpu' needs a TPU name or address (--tpu)")
    for name in (
      "collective_timeout_s",
      "learning_rate",
      "encoder_learning_rate",
    ):
      checks.positive_number(name, getattr(self, name))
    if self.d_learning_rate is not None:
      checks.positive_number("d_learning_rate", self.d_learning_rate)
    checks.non_negative_number("r1_weight", self.r1_weight)
    checks.non_negative_number(
      "encoder_latent_weight", self.encoder_latent_weight
    )
    if not isinstance(self.augment, str):
      raise ConfigError(f"augment={self.augment!r} must be a string")
    augment_policies(self.augment)
    checks.one_of("mirror", self.mirror, (False, True))
    # keras.utils.set_random_seed and NumPy take seeds in [0, 2**32).
    checks.integer("seed", self.seed, 0, 2**32 - 1)
    checks.integer("frechet_every", self.frechet_every, low=0)
    checks.integer("encoder_steps", self.encoder_steps, low=0)
    for name in (
      "batch_size",
      "max_steps",
      "log_every",
      "sample_every",
      "checkpoint_every",
      "keep_checkpoints",
      "shuffle_buffer",
      "num_samples",
    ):
      checks.positive_int(name, getattr(self, name))
    for name in ("beta1", "ema_decay"):
      checks.fraction(name, getattr(self, name))
    # The sample grid is square.
    if math.isqrt(self.num_samples) ** 2 != self.num_samples:
      raise ConfigError(f"num_samples={self.num_samples!r} must be a square")

  @property
  def augment_policies(self) -> Tuple[str, ...]:
    """`augment` as a tuple of policies (empty: no augmentation)."""
    return augment_policies(self.augment)

  @property
  def discriminator_learning_rate(self) -> float:
    """d_learning_rate, or learning_rate when it is None."""
    if self.d_learning_rate is None:
      return self.learning_rate
    return self.d_learning_rate

  def replace(self, **overrides) -> "TrainConfig":
    """Returns a copy; `image_size`, `channels`, ... go to the model config."""
    model_fields = {f.name for f in dataclasses.fields(ModelConfig)}
    model_overrides = {k: v for k, v in overrides.items() if k in model_fields}
    train_overrides = {
      k: v for k, v in overrides.items() if k not in model_fields
    }
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
    """A config.json's values; a run recorded before a recipe field existed
    did without it (not what today's default does)."""
    values = {**EARLIER_RUN_VALUES, **values}
    model = ModelConfig.from_dict(values.pop("model"))
    return cls(model=model, **values)


# What a run recorded before these fields existed did: its config.json is
# read as if it held them (r1_weight's default is no longer this).
EARLIER_RUN_VALUES = {
  "d_learning_rate": None,
  "augment": "",
  "mirror": False,
  "r1_weight": 0.0,
  "encoder_schedule": "constant",
  "encoder_latent_weight": 1.0,
}

DEFAULT_PRESET = "mnist32"
# The files of training/configs/, read only when asked for: they import this
# module.
PRESET_NAMES = tuple(
  sorted(m.name for m in pkgutil.iter_modules(configs.__path__))
)


class _Presets(collections.abc.Mapping):
  """{name: TrainConfig} of training/configs/NAME.py's get_config()."""

  def __getitem__(self, name: str) -> TrainConfig:
    if name not in PRESET_NAMES:
      raise KeyError(name)
    return importlib.import_module(f"training.configs.{name}").get_config()

  def __iter__(self) -> Iterator[str]:
    return iter(PRESET_NAMES)

  def __len__(self) -> int:
    return len(PRESET_NAMES)


PRESETS = _Presets()


def get_config(name: str, **overrides) -> TrainConfig:
  """Returns preset `name` with `overrides` applied (None values ignored)."""
  if name not in PRESETS:
    raise ConfigError(
      f"unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}"
    )
  overrides = {k: v for k, v in overrides.items() if v is not None}
  return PRESETS[name].replace(**overrides)


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
      f"unknown preset {spec!r}; choose one of {', '.join(PRESET_NAMES)}, "
      "or a path to a .py config file"
    )
  made = config_flags.load_config_file(spec)
  if isinstance(made, dict):
    try:
      return config_flags.with_overrides(PRESETS[DEFAULT_PRESET], made)
    except UserError as e:
      raise ConfigError(f"--config={spec}: {e}") from e
  if not isinstance(made, TrainConfig):
    raise ConfigError(
      f"--config={spec}: get_config() returned "
      f"{type(made).__name__}, not a TrainConfig or a dict"
    )
  return made
