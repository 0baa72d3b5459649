"""Masks: float32 [H, W, 1], 1 = known pixel, 0 = missing.

Specs (the --mask flag; one per image, or one for all):
  center[:SCALE]          a centred square hole, SCALE of the side, in (0, 1)
                          (0.5)
  random[:FRACTION]       each pixel missing with probability FRACTION, in
                          (0, 1) (0.8)
  half[:SIDE]             SIDE = left (default), right, top or bottom missing
  grid[:PERIOD]           every other PERIOD-pixel cell missing, a checker
                          board of holes; 1 <= PERIOD < the image side
                          (PERIOD defaults to 1/8 of the side)
  irregular[:STROKES]     STROKES seeded free-form brush strokes, 1 to 64 (4)
  file:PATH               a PNG or JPEG of any size, e.g. drawn on the
                          photo itself: black (< 128) = missing, white =
                          known. It is centre-cropped and resized to the
                          model's size as the images are (nearest neighbour,
                          then >= 128 is known), so a mask the photo's size
                          marks the same pixels in both. PATH may be any
                          TensorFlow file system's (gs://, file://, ...)

A spec is checked in two steps: `parse_spec` checks everything that does not
depend on the image size (pure Python for local paths, so an entry point can
reject a typo before TensorFlow loads); building the mask checks the rest
(grid period, whether the file decodes, a mask left with no known or no
missing pixel).
"""

import dataclasses
import os
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from common import files
from common.errors import InputError

MASK_TYPES = ("center", "random", "half", "grid", "irregular", "file")
HALF_SIDES = ("left", "right", "top", "bottom")
# Each stroke costs a few size x size passes; the bound keeps a typo such as
# irregular:4000000 from running for hours (64 strokes cover any image).
MAX_STROKES = 64
# Kinds that draw from the per-image random generator.
RANDOM_KINDS = ("random", "irregular")


@dataclasses.dataclass(frozen=True)
class MaskSpec:
  """One parsed spec.

  Attributes:
    text: The spec as given, e.g. "center:0.3" (for messages).
    kind: One of MASK_TYPES.
    arg: The checked argument; None means the kind's default.
  """

  text: str
  kind: str
  arg: Union[None, float, int, str] = None


def _fail(text: str, problem: str):
  raise InputError(f"--mask={text}: {problem}")


def _number(text: str, kind: str, arg: str, cast):
  try:
    return cast(arg)
  except ValueError:
    raise InputError(
      f"--mask={text}: {arg!r} is not a valid {kind} argument"
    ) from None


def _check_file(text: str, path: str) -> str:
  # Only a regular file: reading a named pipe or a device would block.
  if not path:
    _fail(text, "give the mask image's path after 'file:'")
  try:
    if not files.exists(path):
      _fail(text, "no such file")
    if not files.isfile(path):
      _fail(text, "not a regular file")
  except OSError as e:
    _fail(text, f"cannot read it ({e.strerror or e})")
  # Permission bits exist only locally; elsewhere the read says it.
  if not files.is_url(path) and not os.access(path, os.R_OK):
    _fail(text, "cannot read the file (permission denied)")
  return path


def parse_spec(text: str) -> MaskSpec:
  """Checks one spec as far as possible without the image size.

  Raises:
    InputError: naming the spec and what is wrong with it.
  """
  kind, _, arg = text.partition(":")
  if kind not in MASK_TYPES:
    _fail(
      text, f"unknown mask type {kind!r}; choose from {', '.join(MASK_TYPES)}"
    )
  if kind == "file":
    return MaskSpec(text, kind, _check_file(text, arg))
  if arg == "":
    return MaskSpec(text, kind)
  if kind == "half":
    if arg not in HALF_SIDES:
      _fail(text, f"side must be one of {', '.join(HALF_SIDES)}")
    return MaskSpec(text, kind, arg)
  if kind in ("center", "random"):
    value = _number(text, kind, arg, float)
    if not 0 < value < 1:  # Also false for nan.
      name = "scale" if kind == "center" else "fraction"
      _fail(text, f"{name} must be in (0, 1)")
    return MaskSpec(text, kind, value)
  value = _number(text, kind, arg, int)
  if kind == "grid" and value < 1:
    _fail(text, "period must be >= 1")
  if kind == "irregular" and not 1 <= value <= MAX_STROKES:
    _fail(text, f"strokes must be in [1, {MAX_STROKES}]")
  return MaskSpec(text, kind, value)


def parse_specs(texts: Sequence[str]) -> List[MaskSpec]:
  """Checks the --mask list; an empty list or an empty entry is an error."""
  if not texts or any(not text for text in texts):
    raise InputError(
      f"--mask={','.join(texts)}: empty mask spec; choose "
      f"from {', '.join(MASK_TYPES)}"
    )
  return [parse_spec(text) for text in texts]


def center(size, scale=0.5):
  mask = np.ones((size, size, 1), np.float32)
  hole = max(1, int(round(size * scale)))
  start = (size - hole) // 2
  mask[start : start + hole, start : start + hole] = 0
  return mask


def random_pixels(size, fraction=0.8, rng=None):
  rng = rng or np.random.default_rng(0)
  return (rng.random((size, size, 1)) >= fraction).astype(np.float32)


def half(size, side="left"):
  mask = np.ones((size, size, 1), np.float32)
  mid = size // 2
  region = {
    "left": np.s_[:, :mid],
    "right": np.s_[:, mid:],
    "top": np.s_[:mid, :],
    "bottom": np.s_[mid:, :],
  }[side]
  mask[region] = 0
  return mask


def grid(size, period):
  cells = np.arange(size) // period
  checker = (cells[:, None] + cells[None, :]) % 2 == 1
  return np.where(checker, 0.0, 1.0).astype(np.float32)[..., None]


def irregular(size, strokes=4, rng=None):
  """Free-form brush strokes: random walks of thick line segments."""
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
        hole |= (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
      y = np.clip(y + length * np.sin(angle), 0, size - 1)
      x = np.clip(x + length * np.cos(angle), 0, size - 1)
  return np.where(hole, 0.0, 1.0).astype(np.float32)[..., None]


def from_file(path, size, text=None):
  """The mask image at `path` as [size, size, 1]; `text` is the spec named
  in errors.

  Any size: centre-cropped like the images (`pixels.center_square`), resized
  with nearest neighbour (no grey edge pixels to misread), then >= 128 is
  known. A mask drawn on the full photo thus marks the pixels of the model's
  view of it, and a mask already size x size is used as it is.
  """
  import tensorflow as tf

  from common import image_files, pixels

  text = text or f"file:{path}"
  try:
    gray = image_files.read_pixels(path, channels=1)
  except InputError:
    _fail(text, "not a readable PNG/JPEG image")
  square = tf.image.resize(
    pixels.center_square(gray), (size, size), method="nearest"
  )
  return (square.numpy() >= 128).astype(np.float32)


def build(spec: MaskSpec, size: int, rng=None) -> np.ndarray:
  """The mask of a parsed spec at `size`; random kinds draw from rng."""
  kind, arg = spec.kind, spec.arg
  if kind == "center":
    mask = center(size, 0.5 if arg is None else arg)
  elif kind == "random":
    mask = random_pixels(size, 0.8 if arg is None else arg, rng)
  elif kind == "half":
    mask = half(size, arg or "left")
  elif kind == "grid":
    period = max(1, size // 8) if arg is None else arg
    if period >= size:
      _fail(
        spec.text,
        f"period must be in [1, {size}) for the model's {size}x{size} images",
      )
    mask = grid(size, period)
  elif kind == "irregular":
    mask = irregular(size, 4 if arg is None else arg, rng)
  else:
    mask = from_file(arg, size, spec.text)
  check_mask(mask, f"--mask={spec.text}")
  return mask


def make_mask(spec: Union[str, MaskSpec], size: int, rng=None) -> np.ndarray:
  """One mask [size, size, 1] from a spec; random kinds draw from rng."""
  if isinstance(spec, str):
    spec = parse_spec(spec)
  return build(spec, size, rng)


def check_mask(mask, name):
  if not mask.any():
    raise InputError(f"{name}: the mask has no known pixel")
  if mask.all():
    raise InputError(f"{name}: the mask has no missing pixel")


def make_masks(
  specs: Sequence[Union[str, MaskSpec]],
  count: int,
  size: int,
  seed: int = 0,
  keys: Optional[Sequence[int]] = None,
) -> np.ndarray:
  """[count, size, size, 1]: specs cycle over the images (one spec: all).

  Image i's random mask depends only on (seed, keys[i]) (keys: None = its
  index i), so adding images to a batch does not change the masks of the
  others.
  """
  keys = range(count) if keys is None else keys
  parsed = parse_specs([getattr(spec, "text", spec) for spec in specs])
  # Masks that draw nothing random are built once (a file: mask is read once).
  fixed: Dict[str, np.ndarray] = {}
  masks: List[np.ndarray] = []
  for i in range(count):
    spec = parsed[i % len(parsed)]
    if spec.kind in RANDOM_KINDS:
      masks.append(
        build(spec, size, np.random.default_rng([seed, int(keys[i])]))
      )
    else:
      if spec.text not in fixed:
        fixed[spec.text] = build(spec, size)
      masks.append(fixed[spec.text])
  return np.stack(masks)
