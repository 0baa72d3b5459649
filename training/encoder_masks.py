"""The masks the encoder trains on: every family dcgan-complete offers.

A fixed bank built once per run with common/masks.py (the same code that
makes the masks users and benchmarks complete with), the same number for
each family, so a training step that draws uniformly from the bank sees each
family equally often. Pure NumPy.
"""

import numpy as np

from common import masks as masks_lib

# Specs per family, with their sizes and sides varied around the defaults
# so that the encoder does not learn one hole only. "none" (nothing missing)
# teaches it to invert whole images too.
FAMILY_SPECS = {
  "center": [
    "center:0.25",
    "center:0.35",
    "center:0.5",
    "center:0.6",
    "center:0.75",
  ],
  "random": [
    "random:0.5",
    "random:0.7",
    "random:0.8",
    "random:0.9",
    "random:0.95",
  ],
  "half": ["half:left", "half:right", "half:top", "half:bottom"],
  "grid": ["grid"],
  "irregular": [
    "irregular:1",
    "irregular:2",
    "irregular:4",
    "irregular:6",
    "irregular:8",
  ],
  "none": [],
}
# Bank entries per family at 32x32: enough distinct random and irregular
# masks that the encoder cannot memorize them (the training step also flips
# each mask at random). Larger images get fewer, so the bank stays under
# about 25 MB.
PER_FAMILY = 256
# Not the seed the benchmarks and the demo draw their masks with (0), so
# the evaluation's random masks are never ones the encoder trained on.
BANK_SEED = 7919


def mask_bank(
  size: int, per_family: int = 0, seed: int = BANK_SEED
) -> np.ndarray:
  """float32 [6 * per_family, size, size, 1], 1 = known (per_family 0: the
  size's default)."""
  per_family = per_family or max(16, PER_FAMILY * 32 * 32 // (size * size))
  parts = []
  for index, (family, specs) in enumerate(FAMILY_SPECS.items()):
    if not specs:  # "none": every pixel known
      parts.append(np.ones((per_family, size, size, 1), np.float32))
      continue
    parts.append(
      masks_lib.make_masks(specs, per_family, size, seed=seed + index)
    )
  return np.concatenate(parts)
