"""SearchConfig: the latent search's hyperparameters, checked on creation.

Pure Python (no TensorFlow), so `dcgan-complete` shows the defaults in its
--help and refuses a bad value before TensorFlow loads. inpainting/search.py
runs the search it configures.
"""

import dataclasses

from common import config_checks as checks
from common.config_checks import field
from common.errors import ConfigError, InputError

# Yeh et al. section 3.2: "the size of the window" used to weight known
# pixels by nearby missing ones.
IMPORTANCE_WINDOW = 7

# The previous release's defaults, tuned for a start from the pool alone
# (exports without an encoder): a 1,024-z pool, then 300 steps at 0.03,
# which reached the reference 1,000-step loop's loss in 150 steps
# (bench/completion_speed.py), with Yeh et al.'s prior weight.
YEH_PRIOR_WEIGHT = 0.003
POOL_START_DEFAULTS = {
  "steps": 300,
  # Random starts differ more than an encoder's start and its pool's best.
  "restarts": 2,
  "learning_rate": 0.03,
  "pool_size": 1024,
  "prior_weight": YEH_PRIOR_WEIGHT,
  # A random start is no estimate worth staying near.
  "anchor_weight": 0.0,
}
_NO_ENCODER = "exports without an encoder:"
# inpainting.completion_graph.VIEWS: the image, its mirror image and six
# one-pixel shifts (kept here, without TensorFlow, for the flag's check).
MAX_VIEWS = 8
# What `search` may be: the latent code alone, or then the generator's
# feature map (Intermediate Layer Optimization, Daras et al. ICML 2021), or
# several codes composed there (multi-code GAN prior, Gu et al. CVPR 2020),
# or the generator's output layer fine-tuned per image (Deep Generative
# Prior, Pan et al. ECCV 2020).
SEARCHES = ("z", "ilo", "mgan", "dgp")
# The generator signatures each search runs on, by their names in
# ExportedGan and LatentSearch (the SavedModel's signature names).
SEARCH_SIGNATURES = {
  "z": (),
  "ilo": ("features", "from_features"),
  "mgan": ("features", "from_features"),
  "dgp": ("features", "from_features_tuned"),
}
# The fields that choose and configure the search after z: each command
# that lets a user pick the search gives every one of them a flag.
BEYOND_Z_FIELDS = (
  "search",
  "feature_steps",
  "feature_radius",
  "feature_learning_rate",
  "tune_learning_rate",
  "codes",
)


@dataclasses.dataclass(frozen=True)
class SearchConfig:
  """Hyperparameters of the latent search, with their sources.

  The defaults are for exports with an encoder, whose z starts the search
  next to the answer: a short, gentle refinement. A larger step size or a
  larger pool drifted from the encoder's guess: the pool's best candidates
  fit the known pixels but not the hole. The prior loss is off
  (prior_weight 0): the encoder's start on G's manifold already does its
  job, and a short search does not leave it, so hole PSNRs stayed the same
  without it, while the discriminator it needs costs about half of a search
  step. For the same reason the steps are anchored to their start
  (anchor_weight). The measurements: see docs/benchmarks.md. Exports without an
  encoder get POOL_START_DEFAULTS (`default_config`): Yeh et al.'s long
  search from random z, prior included.

  Each field's help (`metadata["help"]`) documents it and is the help of
  dcgan-complete's flag of the same name.
  """

  # The reference implementations run 1,000-1,500 steps
  # (bamos/dcgan-completion.tensorflow: 1,000); an encoder or pool start
  # lets far fewer do.
  steps: int = field(
    20,
    f"Adam steps on z ({_NO_ENCODER} {POOL_START_DEFAULTS['steps']}; "
    "0: the start alone).",
  )
  # One: with the test-time views, a second restart from the pool gained
  # -0.03 to +0.03 dB (docs/benchmarks.md#test-time-views) for twice the
  # work.
  restarts: int = field(
    1,
    "Starting points per image; the lowest final loss wins "
    f"({_NO_ENCODER} {POOL_START_DEFAULTS['restarts']}). Their spread, "
    "with the views' (`views`), is the uncertainty map.",
  )
  # The reference implementations use 0.01 (bamos/dcgan-completion).
  learning_rate: float = field(
    0.01,
    f"Adam step size on z ({_NO_ENCODER} "
    f"{POOL_START_DEFAULTS['learning_rate']}).",
  )
  beta1: float = field(0.9, "Adam's beta1 (Kingma & Ba 2015's default).")
  beta2: float = field(0.999, "Adam's beta2 (Kingma & Ba 2015's default).")
  epsilon: float = field(1e-8, "Adam's epsilon (Kingma & Ba 2015's default).")
  prior_weight: float = field(
    0.0,
    f"lambda of the prior loss ({_NO_ENCODER} Yeh et al.'s "
    f"{POOL_START_DEFAULTS['prior_weight']}, their section 4; 0: none, "
    "and the discriminator is never run).",
  )
  # The search fits the known pixels next to the hole (the importance
  # weights are zero elsewhere), and on large holes fitting them tighter
  # drifted from the encoder's guess for the hole: 20 unanchored steps lost
  # 0.3-0.4 dB to the start alone on letters' center and half holes. Scaled
  # by the image's pixel values so that one weight suits every image size.
  anchor_weight: float = field(
    0.5,
    "Pulls each search back to its start (the encoder's z, or a pool "
    "draw): adds anchor_weight * H*W*C * mean((z - z_start)^2) to the "
    "loss that the Adam steps on z minimise, not to the loss that ranks "
    f"the restarts ({_NO_ENCODER} {POOL_START_DEFAULTS['anchor_weight']}; "
    "0: none). See "
    "docs/benchmarks.md#search-anchor.",
  )
  window: int = field(
    IMPORTANCE_WINDOW, "Importance-weight window, odd (Yeh et al.: 7)."
  )
  pool_size: int = field(
    64,
    "Random z drawn once and shared by the batch, ranked with the "
    "encoder's z to pick starts: each image starts from the `restarts` of "
    "them whose G(z) best match its known pixels "
    f"({_NO_ENCODER} {POOL_START_DEFAULTS['pool_size']}; 0: none, plain "
    "random starts or the encoder's z and random draws).",
  )
  seed: int = field(
    0, "Seeds every random draw of the search (and dcgan-complete's masks)."
  )
  min_improvement: float = field(
    0.0,
    "Early stopping: every `check_every` steps the batch's mean loss "
    "is compared with the previous check; the search stops when it fell "
    "by less than this fraction. 0 never stops early, not even when the "
    "loss rises.",
  )
  check_every: int = field(
    25, "Steps between the early-stopping checks of `min_improvement`."
  )
  average_best: int = field(
    1,
    "Average G(z) over this many of an image's lowest-loss restarts "
    "(capped at `restarts`). 1 (Yeh et al.): the best alone, sharp; more "
    "approximates the posterior mean of the hole: blurrier, higher PSNR.",
  )
  # Averaging in the searches of the image's mirror image and of copies
  # shifted by a pixel gained hole PSNR on every mask of the colour and
  # letters sets (0.25-0.56 dB with all 8) and of digits, whose mirror
  # images G cannot draw: their searches fit the known pixels worse and are
  # left out at 1.1 (docs/benchmarks.md#test-time-views).
  views: int = field(
    8,
    "Test-time views: each image is also completed as up to 7 transformed "
    "copies, in this order: its mirror image, shifted one pixel right, "
    "left, down, up, and its mirror image shifted right and left; their "
    "fills (mapped back) are averaged with its own where their search fits "
    "the known pixels nearly as well (`view_tolerance`). Each view is one "
    "more search's work, in one batch. 1: the image alone.",
  )
  view_tolerance: float = field(
    1.1,
    "A view's fill is averaged in where its search's contextual loss is "
    "at most this many times the image's own (0: none is).",
  )

  search: str = field(
    "z",
    "What the completion searches: 'z', the latent code alone (Yeh et "
    "al.); 'ilo', then the generator's feature map before its output "
    "layer, kept within `feature_radius` of G(z*)'s own, so the fill may "
    "leave the generator's range (Daras et al. ICML 2021); 'mgan', then "
    "`codes` codes composed channel by channel at that map, starting from "
    "z* alone (Gu et al. CVPR 2020); 'dgp', then the generator's output "
    "layer's weights, fine-tuned for each image on G(z*)'s feature map "
    "(Pan et al. ECCV 2020). Each needs an export with the generator's "
    "features signatures.",
  )
  feature_steps: int = field(
    20,
    "Adam steps on the feature map (search='ilo'), on the codes and their "
    "importances (search='mgan') or on the output layer's weights "
    "(search='dgp') after the z search.",
  )
  feature_radius: float = field(
    0.1,
    "Radius of the L2 ball around G(z*)'s feature map, as a fraction of "
    "that map's norm, per image, that the feature search is projected "
    "onto after each step (search='ilo'; 0: the z search's fill).",
  )
  feature_learning_rate: float = field(
    0.005,
    "Adam step size on the feature map (search='ilo') or on the codes' "
    "channel importances (search='mgan'; the codes take learning_rate).",
  )
  # The smallest of 3e-4, 1e-3 and 3e-3 on 50 held-out colour images: every
  # one lost to the z search (docs/benchmarks.md, "Output-layer tuning").
  tune_learning_rate: float = field(
    3e-4,
    "Adam step size on the output layer's weights (search='dgp'), which "
    "start at the trained ones.",
  )
  codes: int = field(
    4,
    "Codes composed at the feature map (search='mgan'): z* and codes - 1 "
    "drawn from the seed, each with an importance per channel.",
  )

  def __post_init__(self):
    """Refuses a field out of range: InputError "FIELD=VALUE must be ...".

    The message starts with the field so that a CLI can name its flag.
    """
    try:
      self._check()
    except ConfigError as e:
      # InputError, as dcgan-complete's callers (and the served completer's
      # tests) have always caught it.
      raise InputError(str(e)) from None

  def _check(self):
    for name, low in (
      ("steps", 0),
      ("restarts", 1),
      ("pool_size", 0),
      ("check_every", 1),
      ("average_best", 1),
      ("window", 1),
      ("feature_steps", 0),
      ("codes", 1),
    ):
      checks.integer(name, getattr(self, name), low=low)
      checks.integer(name, getattr(self, name), high=_INT32_MAX)
    checks.integer("seed", self.seed, low=0)
    checks.integer("seed", self.seed, high=_INT64_MAX)
    if self.window % 2 == 0:
      raise ConfigError(
        f"window={self.window!r} must be odd (a window centred on its pixel)"
      )
    checks.integer("views", self.views, low=1, high=MAX_VIEWS)
    checks.one_of("search", self.search, SEARCHES)
    for name in (
      "learning_rate",
      "epsilon",
      "feature_learning_rate",
      "tune_learning_rate",
    ):
      checks.positive_number(name, getattr(self, name))
    for name in (
      "prior_weight",
      "anchor_weight",
      "min_improvement",
      "feature_radius",
      "view_tolerance",
    ):
      checks.non_negative_number(name, getattr(self, name))
    for name in ("beta1", "beta2"):
      checks.fraction(name, getattr(self, name))


def default_config(has_encoder: bool, **overrides) -> SearchConfig:
  """The defaults for an export with or without an encoder, then
  `overrides` (the fields a user set)."""
  values = {} if has_encoder else dict(POOL_START_DEFAULTS)
  values.update(overrides)
  return SearchConfig(**values)


# The served completer answers one request at a time, within a latency
# budget: 8 views took 10.5 s for a batch of 64 on the 2-core machine. Four
# (the image, its mirror image, shifted right and left) cost what the
# former default's two restarts and mirror image did, and keep most of the
# eight's gain (docs/benchmarks.md#test-time-views).
SERVED_VIEWS = 4


def served_config(has_encoder: bool, **overrides) -> SearchConfig:
  """The served completer's defaults (dcgan-export's): `default_config`
  with SERVED_VIEWS views, then `overrides`."""
  return default_config(has_encoder, **{"views": SERVED_VIEWS, **overrides})


# The graph holds steps, restarts, sizes as int32 and the seed as int64.
_INT32_MAX, _INT64_MAX = 2**31 - 1, 2**63 - 1
