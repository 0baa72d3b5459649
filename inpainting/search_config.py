"""SearchConfig: the latent search's hyperparameters, checked on creation.

Pure Python (no TensorFlow), so `dcgan-complete` shows the defaults in its
--help and refuses a bad value before TensorFlow loads. inpainting/search.py
runs the search it configures.
"""

import dataclasses
import math
import numbers
from typing import Callable

from common.errors import InputError

# Yeh et al. section 3.2: "the size of the window" used to weight known
# pixels by nearby missing ones.
IMPORTANCE_WINDOW = 7


@dataclasses.dataclass(frozen=True)
class SearchConfig:
  """Hyperparameters of the latent search, with their sources.

  The defaults are for exports with an encoder, whose z starts the search
  next to the answer: a short, gentle refinement. Measured on the demo's
  export (100 held-out digits, hole PSNR center / half / random pixels):
  the encoder's start alone 9.51 / 15.03 / 17.25 dB; these defaults
  9.51 / 14.91 / 17.75 dB in 3.6 s per 64 images; 0.03 instead of 0.01
  drifted from the encoder's guess (9.15 / 14.48 / 17.64), and so did a
  1,024-z pool, whose best candidates fit the known pixels but not the
  hole. Without the prior loss (prior_weight 0) every hole PSNR of the
  demo's export stayed the same to 0.01 dB (center / half / random /
  irregular: 9.32 / 14.88 / 17.69 / 17.15 with and without), and so did
  the letters' (bench/folder_dataset.py): the encoder's start on G's
  manifold already does the prior's job, and 20 small steps do not leave
  it. Skipping the prior skips the discriminator, about half of a search
  step's time (bench/completion_speed.py), so it is off by default here.
  Exports without an encoder get POOL_START_DEFAULTS (`default_config`):
  Yeh et al.'s long search from random z, prior included.

  Attributes:
    steps: Adam iterations. The reference implementations run 1,000-1,500
      (bamos/dcgan-completion.tensorflow: 1,000); an encoder or pool start
      (below) lets far fewer do. 0: the start alone.
    restarts: Starting points per image; the lowest final loss wins. Their
      spread is the uncertainty map (zero with one restart).
    learning_rate: Adam step size on z; the reference implementations use
      0.01 (bamos/dcgan-completion.tensorflow).
    beta1, beta2, epsilon: Adam's defaults (Kingma & Ba 2015).
    prior_weight: lambda of the prior loss; Yeh et al. section 4 use 0.003
      (the default without an encoder). 0: no prior loss, and the
      discriminator is never run.
    window: Importance-weight window (Yeh et al.: 7).
    pool_size: Random z drawn once and shared by the batch; each image starts
      from the `restarts` of them whose G(z) best match its known pixels
      (its own random draws and the encoder's z compete too). 0: plain
      random starts, or the encoder's z and random draws.
    seed: Seeds every random draw of the search.
    min_improvement, check_every: Early stopping. Every `check_every` steps
      the batch's mean loss is compared with the previous check; the search
      stops when it fell by less than this fraction. 0 never stops early,
      not even when the loss rises.
    average_best: "generated" is the mean of G(z) over this many of an
      image's lowest-loss restarts (capped at `restarts`). 1 (Yeh et al.):
      the single best, sharp. More approximates the posterior mean of the
      hole, which PSNR rewards, at the price of blur.
  """
  steps: int = 20
  restarts: int = 2
  learning_rate: float = 0.01
  beta1: float = 0.9
  beta2: float = 0.999
  epsilon: float = 1e-8
  prior_weight: float = 0.0
  window: int = IMPORTANCE_WINDOW
  pool_size: int = 64
  seed: int = 0
  min_improvement: float = 0.0
  check_every: int = 25
  average_best: int = 1

  def __post_init__(self):
    """Refuses a field out of range: InputError "FIELD=VALUE must be ...".

    The message starts with the field so that a CLI can name its flag by
    prefixing "--".
    """
    for name, low in (("steps", 0), ("restarts", 1), ("pool_size", 0),
                      ("check_every", 1), ("average_best", 1)):
      _check_int(name, getattr(self, name), low)
    _check_int("seed", self.seed, 0, _INT64_MAX)
    _check_int("window", self.window, 1)
    if self.window % 2 == 0:
      raise InputError(f"window={self.window!r} must be odd (a window "
                       "centred on its pixel)")
    _check_float("learning_rate", self.learning_rate, "> 0", lambda x: x > 0)
    _check_float("epsilon", self.epsilon, "> 0", lambda x: x > 0)
    _check_float("prior_weight", self.prior_weight, ">= 0",
                 lambda x: x >= 0)
    _check_float("min_improvement", self.min_improvement, ">= 0",
                 lambda x: x >= 0)
    for name in ("beta1", "beta2"):
      _check_float(name, getattr(self, name), "in [0, 1)",
                   lambda x: 0 <= x < 1)


# The previous release's defaults, tuned for a start from the pool alone
# (exports without an encoder): a 1,024-z pool, then 300 steps at 0.03,
# which reached the reference 1,000-step loop's loss in 150 steps
# (bench/completion_speed.py), with Yeh et al.'s prior weight.
YEH_PRIOR_WEIGHT = 0.003
POOL_START_DEFAULTS = {"steps": 300, "learning_rate": 0.03, "pool_size": 1024,
                       "prior_weight": YEH_PRIOR_WEIGHT}


def default_config(has_encoder: bool, **overrides) -> SearchConfig:
  """The defaults for an export with or without an encoder, then
  `overrides` (the fields a user set)."""
  values = {} if has_encoder else dict(POOL_START_DEFAULTS)
  values.update(overrides)
  return SearchConfig(**values)


# The graph holds steps, restarts, sizes as int32 and the seed as int64.
_INT32_MAX, _INT64_MAX = 2**31 - 1, 2**63 - 1


def _is_int(value) -> bool:
  # bool is an int to Python, but steps=True is a typo, not a count.
  return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(name: str, value, low: int, high: int = _INT32_MAX):
  if not _is_int(value) or value < low:
    raise InputError(f"{name}={value!r} must be an integer >= {low}")
  if value > high:
    raise InputError(f"{name}={value!r} must be an integer <= {high}")


def _check_float(name: str, value, wanted: str, holds: Callable):
  # math.isfinite first: nan fails every comparison, inf passes "> 0".
  if (isinstance(value, numbers.Real) and not isinstance(value, bool)
      and math.isfinite(value) and holds(value)):
    return
  raise InputError(f"{name}={value!r} must be a finite number {wanted}")
