"""SearchConfig: the latent search's hyperparameters, checked on creation.

Pure Python (no TensorFlow), so `dcgan-complete` shows the defaults in its
--help and refuses a bad value before TensorFlow loads. inpainting/search.py
runs the search it configures.
"""

import dataclasses
import math
import numbers
from typing import Callable

from inpainting.errors import InputError

# Yeh et al. section 3.2: "the size of the window" used to weight known
# pixels by nearby missing ones.
IMPORTANCE_WINDOW = 7


@dataclasses.dataclass(frozen=True)
class SearchConfig:
  """Hyperparameters of the latent search, with their sources.

  Attributes:
    steps: Adam iterations. The reference implementations run 1,000-1,500
      (bamos/dcgan-completion.tensorflow: 1,000); a pool start (below) lets
      far fewer reach the same loss.
    restarts: Starting points per image; the lowest final loss wins.
    learning_rate: Adam step size on z. The reference implementations use
      0.01 (bamos/dcgan-completion.tensorflow); from a pool start 0.03 reached
      their 1,000-step loss in 150 steps (bench/completion_speed.py).
    beta1, beta2, epsilon: Adam's defaults (Kingma & Ba 2015).
    prior_weight: lambda of the prior loss; Yeh et al. section 4 use 0.003.
    window: Importance-weight window (Yeh et al.: 7).
    pool_size: Random z drawn once and shared by the batch; each image starts
      from the `restarts` of them whose G(z) best match its known pixels
      (its own random draws compete too). 0: plain random starts. One batched
      forward pass of 1,024 costs about as much as 5 search steps at batch 64
      and lowers the starting loss far more.
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
  steps: int = 300
  restarts: int = 2
  learning_rate: float = 0.03
  beta1: float = 0.9
  beta2: float = 0.999
  epsilon: float = 1e-8
  prior_weight: float = 0.003
  window: int = IMPORTANCE_WINDOW
  pool_size: int = 1024
  seed: int = 0
  min_improvement: float = 0.0
  check_every: int = 25
  average_best: int = 1

  def __post_init__(self):
    """Refuses a field out of range: InputError "FIELD=VALUE must be ...".

    The message starts with the field so that a CLI can name its flag by
    prefixing "--".
    """
    for name, low in (("steps", 1), ("restarts", 1), ("pool_size", 0),
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
