"""Masks: float32 [H, W, 1], 1 = known pixel, 0 = missing.

Specs (the --mask flag; one per image, or one for all):
  center[:SCALE]          a centred square hole, SCALE of the side (0.5)
  random[:FRACTION]       each pixel missing with probability FRACTION (0.8)
  half[:SIDE]             SIDE = left (default), right, top or bottom missing
  grid[:PERIOD]           every other PERIOD-pixel cell missing, a checker
                          board of holes (PERIOD defaults to 1/8 of the side)
  irregular[:STROKES]     STROKES seeded free-form brush strokes (4)
  file:PATH               a PNG or JPEG the image's size: black (< 128) =
                          missing, white = known (like saving the mask tensor)
"""

import os
from typing import List, Sequence

import numpy as np

from inpainting.errors import InputError

MASK_TYPES = ("center", "random", "half", "grid", "irregular", "file")
HALF_SIDES = ("left", "right", "top", "bottom")


def center(size, scale=0.5):
  if not 0 < scale < 1:
    raise InputError(f"--mask=center:{scale}: scale must be in (0, 1)")
  mask = np.ones((size, size, 1), np.float32)
  hole = max(1, int(round(size * scale)))
  start = (size - hole) // 2
  mask[start:start + hole, start:start + hole] = 0
  return mask


def random_pixels(size, fraction=0.8, rng=None):
  if not 0 < fraction < 1:
    raise InputError(f"--mask=random:{fraction}: fraction must be in (0, 1)")
  rng = rng or np.random.default_rng(0)
  return (rng.random((size, size, 1)) >= fraction).astype(np.float32)


def half(size, side="left"):
  if side not in HALF_SIDES:
    raise InputError(f"--mask=half:{side}: side must be one of "
                     f"{', '.join(HALF_SIDES)}")
  mask = np.ones((size, size, 1), np.float32)
  mid = size // 2
  region = {"left": np.s_[:, :mid], "right": np.s_[:, mid:],
            "top": np.s_[:mid, :], "bottom": np.s_[mid:, :]}[side]
  mask[region] = 0
  return mask


def grid(size, period=None):
  period = period or max(1, size // 8)
  if period < 1 or period >= size:
    raise InputError(f"--mask=grid:{period}: period must be in [1, {size})")
  cells = np.arange(size) // period
  checker = (cells[:, None] + cells[None, :]) % 2 == 1
  return np.where(checker, 0.0, 1.0).astype(np.float32)[..., None]


def irregular(size, strokes=4, rng=None):
  """Free-form brush strokes: random walks of thick line segments."""
  if strokes < 1:
    raise InputError(f"--mask=irregular:{strokes}: strokes must be >= 1")
  rng = rng or np.random.default_rng(0)
  yy, xx = np.mgrid[:size, :size]
  hole = np.zeros((size, size), bool)
  for _ in range(strokes):
    y, x = rng.uniform(0, size, 2)
    radius = rng.uniform(0.04, 0.08) * size
    for _ in range(rng.integers(3, 7)):
      angle = rng.uniform(0, 2 * np.pi)
      length = rng.uniform(0.15, 0.35) * size
      for t in np.linspace(0, 1, 12):
        cy, cx = y + t * length * np.sin(angle), x + t * length * np.cos(angle)
        hole |= (yy - cy)**2 + (xx - cx)**2 <= radius**2
      y = np.clip(y + length * np.sin(angle), 0, size - 1)
      x = np.clip(x + length * np.cos(angle), 0, size - 1)
  return np.where(hole, 0.0, 1.0).astype(np.float32)[..., None]


def from_file(path, size):
  from inpainting import image_io  # pylint: disable=import-outside-toplevel
  pixels = image_io.read_image(path, channels=1)
  if pixels.shape[:2] != (size, size):
    raise InputError(f"--mask=file:{path}: mask is {pixels.shape[1]}x"
                     f"{pixels.shape[0]} but the model completes {size}x{size}"
                     " images")
  return (pixels >= 128).astype(np.float32)


def _argument(spec, kind, text, cast, default):
  if text == "":
    return default
  try:
    return cast(text)
  except ValueError:
    raise InputError(f"--mask={spec}: {text!r} is not a valid {kind} "
                     "argument") from None


def make_mask(spec: str, size: int, rng=None) -> np.ndarray:
  """One mask [size, size, 1] from a spec; random kinds draw from rng."""
  kind, _, arg = spec.partition(":")
  if kind == "center":
    mask = center(size, _argument(spec, kind, arg, float, 0.5))
  elif kind == "random":
    mask = random_pixels(size, _argument(spec, kind, arg, float, 0.8), rng)
  elif kind == "half":
    mask = half(size, arg or "left")
  elif kind == "grid":
    mask = grid(size, _argument(spec, kind, arg, int, None))
  elif kind == "irregular":
    mask = irregular(size, _argument(spec, kind, arg, int, 4), rng)
  elif kind == "file":
    if not arg or not os.path.isfile(arg):
      raise InputError(f"--mask={spec}: no such file")
    mask = from_file(arg, size)
  else:
    raise InputError(f"--mask={spec}: unknown mask type {kind!r}; choose "
                     f"from {', '.join(MASK_TYPES)}")
  check_mask(mask, spec)
  return mask


def check_mask(mask, name):
  if not mask.any():
    raise InputError(f"{name}: the mask has no known pixel")
  if mask.all():
    raise InputError(f"{name}: the mask has no missing pixel")


def make_masks(specs: Sequence[str], count: int, size: int,
               seed: int = 0) -> np.ndarray:
  """[count, size, size, 1]: specs cycle over the images (one spec: all).

  Image i's random mask depends only on (seed, i), so adding images to a
  batch does not change the masks of the others.
  """
  masks: List[np.ndarray] = []
  for i in range(count):
    rng = np.random.default_rng([seed, i])
    masks.append(make_mask(specs[i % len(specs)], size, rng))
  return np.stack(masks)
