"""The flags dcgan-complete and dcgan-complete-bulk share, defined once.

Each entry point calls `define` with its own help texts; the flags are
filed under that entry point (as `common.config_flags` files its flags), so
its --help lists them. Pure Python and absl.
"""

import dataclasses
from typing import Dict, List, Optional, Sequence

from absl import flags

from common import config_flags
from common.errors import InputError
from inpainting.search_config import BEYOND_Z_FIELDS, SearchConfig

flags.disclaim_key_flags()

# SearchConfig's fields that get a flag of the same name (--steps, ...).
SEARCH_FLAGS = (
  "steps",
  "restarts",
  "average_best",
  "seed",
  "prior_weight",
  "anchor_weight",
  "learning_rate",
  "pool_size",
  "views",
  "view_tolerance",
) + BEYOND_Z_FIELDS


# --model_dir's help. Several exports make an ensemble: independently
# trained GANs err on a hole differently, so the mean of their completions
# is closer to it than either (docs/benchmarks.md#ensembles).
MODEL_DIR_HELP = (
  "Export dir (required); several, comma-separated, complete as an "
  "ensemble: each searches and blends, and the completions are averaged."
)


def model_dirs(spec: str) -> List[str]:
  """--model_dir's export dirs: one, or an ensemble's, comma-separated.

  Raises:
    InputError: an empty entry or the same export twice.
  """
  dirs = [d.strip() for d in spec.split(",")]
  if not all(dirs):
    raise InputError(f"--model_dir={spec}: an empty export dir in the list")
  repeated = sorted({d for d in dirs if dirs.count(d) > 1})
  if repeated:
    raise InputError(
      f"--model_dir={spec}: {repeated[0]} is named twice (an ensemble's "
      "members must differ)"
    )
  return dirs


@dataclasses.dataclass(frozen=True)
class CompletionOptions:
  """What the shared flags say.

  Attributes:
    model_dir, version, images, out, batch_size, full_resolution: The flags
      of the same names.
    mask: --mask, the list of specs.
    search: The SearchConfig fields the user gave (the others take the
      export's defaults, `search_config.default_config`).
  """

  model_dir: Optional[str]
  version: Optional[int]
  images: Optional[str]
  mask: Sequence[str]
  out: Optional[str]
  batch_size: int
  full_resolution: bool
  search: Dict


@dataclasses.dataclass(frozen=True)
class CompletionFlags:
  """The absl flag holders that `define` made."""

  holders: Dict[str, flags.FlagHolder]
  search: config_flags.ConfigFlags

  def options(self) -> CompletionOptions:
    """The flags' values; a bad search value raises before TensorFlow."""
    self.search.apply(SearchConfig())
    values = {name: holder.value for name, holder in self.holders.items()}
    return CompletionOptions(search=self.search.overrides(), **values)


def define(images_help: str, mask_help: str, out_help: str) -> CompletionFlags:
  """Defines --model_dir, --version, --images, --mask, --out, the search
  flags, --batch_size and --full_resolution for the calling entry point."""
  holders = {
    "model_dir": flags.DEFINE_string("model_dir", None, MODEL_DIR_HELP),
    "version": flags.DEFINE_integer("version", None, "Model version (latest)."),
    "images": flags.DEFINE_string("images", None, images_help),
    "mask": flags.DEFINE_list("mask", ["center"], mask_help),
    "out": flags.DEFINE_string("out", None, out_help),
    "batch_size": flags.DEFINE_integer("batch_size", 64, "Images per call."),
    "full_resolution": flags.DEFINE_bool(
      "full_resolution",
      False,
      "Also write full_resolution/NAME.png: each input at its own size, "
      "only the hole replaced by the blended completion (upsampled).",
    ),
  }
  search = config_flags.define_flags(
    SearchConfig(), {name: name for name in SEARCH_FLAGS}
  )
  return CompletionFlags(holders, search)
