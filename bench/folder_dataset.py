r"""Writes a letters data set (a "notMNIST" of our own) for --dataset=folder:.

  python -m bench.folder_dataset --out=/tmp/letters
  dcgan-train --dataset=folder:/tmp/letters/train ...

The images are the 52 Latin letters A-Z, a-z rendered with PIL from the 22
TrueType fonts that the matplotlib wheel ships in mpl-data/fonts/ttf (DejaVu
Sans / Sans Mono / Serif in 4 styles each, STIX General in 4, Computer
Modern cmr10 cmb10 cmti10 cmmi10 cmss10 cmtt10), so nothing is downloaded.
Each image is one letter, white on black like MNIST: its bounding box scaled
to a random 17-23 px on the long side (MNIST uses 20) and centred in 32x32
with a shift of up to 2 px, after a random stroke width, rotation, shear and
width. `train/` uses 19 of the fonts; `heldout/` uses 3 others only, so the
held-out letters are new "writers", as MNIST's test digits are. Point the
trainer at DIR/train: folder: reads every image under PATH, recursively.
The same flags give the same PNGs (same Pillow / FreeType).

Nineteen fonts are few "writers" (MNIST's training digits come from about
250), so --font_dirs draws the letters from every font under those folders
instead, e.g. the ~200 Latin fonts of a few Debian packages:

  apt-get install fonts-liberation fonts-freefont-ttf fonts-urw-base35 \
    fonts-texgyre fonts-noto-core fonts-croscore fonts-crosextra-carlito \
    fonts-crosextra-caladea fonts-lato fonts-open-sans fonts-dejavu-extra \
    fonts-ebgaramond fonts-linuxlibertine fonts-roboto
  python -m bench.folder_dataset --out=/tmp/letters_many \
    --font_dirs=/usr/share/fonts,$(python -c "import matplotlib, os; \
print(os.path.join(matplotlib.get_data_path(), 'fonts', 'ttf'))")

A font counts when it maps all 52 letters and is not a symbol font (whose
letter slots hold symbols); fonts with one PostScript name count once. A
seeded --heldout_font_share of them (whole fonts, not families) draws only
the held-out letters.
"""

import os
import time

import matplotlib
import numpy as np
from absl import flags
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench import common
from bench.letter_fonts import LETTERS, find_letter_fonts, is_bold, split_fonts
from common import cli

_OUT = flags.DEFINE_string("out", None, "New (or empty) output directory.")
_COUNT = flags.DEFINE_integer("count", 10000, "Training images.", lower_bound=1)
_HELDOUT = flags.DEFINE_integer(
  "heldout", 500, "Held-out images.", lower_bound=0
)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of every random choice.")
_FONT_DIRS = flags.DEFINE_list(
  "font_dirs",
  [],
  "Folders whose .ttf/.otf fonts (recursively) draw the "
  "letters, instead of matplotlib's 22.",
)
_HELDOUT_FONT_SHARE = flags.DEFINE_float(
  "heldout_font_share",
  0.15,
  "With --font_dirs: the share of the fonts "
  "kept for the held-out letters (at least one font on each side).",
  lower_bound=0.0,
  upper_bound=1.0,
)

PROG = "folder_dataset"
# The bundled fonts with real Latin letters. Left out: cmex10 / cmsy10 (their
# ASCII slots hold math symbols), STIXNonUni* / STIXSiz* (no letters), the
# DejaVu *Display fonts (a handful of glyphs) and LastResort (boxes).
TRAIN_FONTS = (
  "DejaVuSans",
  "DejaVuSans-Bold",
  "DejaVuSans-Oblique",
  "DejaVuSans-BoldOblique",
  "DejaVuSansMono",
  "DejaVuSansMono-Oblique",
  "DejaVuSansMono-BoldOblique",
  "DejaVuSerif",
  "DejaVuSerif-Bold",
  "DejaVuSerif-BoldItalic",
  "STIXGeneral",
  "STIXGeneralItalic",
  "STIXGeneralBolIta",
  "cmr10",
  "cmb10",
  "cmti10",
  "cmmi10",
  "cmss10",
  "cmtt10",
)
# One style of three families whose other styles are in training: unseen
# fonts, but not out of the training distribution.
HELDOUT_FONTS = ("DejaVuSansMono-Bold", "DejaVuSerif-Italic", "STIXGeneralBol")
SIZE = 32
RENDER_PT = 96  # glyphs are drawn large and shrunk, for smooth edges
# Rank filters on the large glyph that thin (MinFilter) or thicken
# (MaxFilter) its strokes by ~1 px of it per side, ~0.25 px at 32x32. Bold
# fonts are never thickened much (their counters fill in: a blob for "a")
# and the others never thinned (Computer Modern hairlines would break).
BOLD_STROKES = (ImageFilter.MinFilter(3), None, ImageFilter.MaxFilter(3))
REGULAR_STROKES = (
  None,
  ImageFilter.MaxFilter(3),
  ImageFilter.MaxFilter(5),
  ImageFilter.MaxFilter(7),
)

_glyph_cache = {}


def font_path(name):
  return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name + ".ttf")


def glyph(path, letter):
  """The letter drawn large in white on black, cropped to its ink."""
  key = (path, letter)
  if key not in _glyph_cache:
    font = ImageFont.truetype(path, RENDER_PT)
    image = Image.new("L", (3 * RENDER_PT, 3 * RENDER_PT), 0)
    ImageDraw.Draw(image).text(
      (RENDER_PT, RENDER_PT), letter, fill=255, font=font
    )
    _glyph_cache[key] = image.crop(image.getbbox())
  return _glyph_cache[key]


def render(rng, path, letter, bold):
  """One augmented 32x32 letter (uint8, white on black)."""
  image = glyph(path, letter)
  strokes = BOLD_STROKES if bold else REGULAR_STROKES
  stroke = strokes[rng.integers(len(strokes))]
  # Pad first, so that thickening and the affine map below never clip ink.
  pad = max(image.size) // 2 + 4
  canvas = Image.new("L", (image.width + 2 * pad, image.height + 2 * pad), 0)
  canvas.paste(image, (pad, pad))
  if stroke is not None:
    canvas = canvas.filter(stroke)
  # Rotation, shear and width change in one affine map about the centre.
  angle = np.radians(rng.uniform(-12, 12))
  shear, width = rng.uniform(-0.25, 0.25), rng.uniform(0.8, 1.2)
  rotate = np.array(
    [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
  )
  forward = rotate @ np.array([[width, shear], [0.0, 1.0]])
  inverse = np.linalg.inv(forward)  # PIL maps output pixels to input ones
  centre = np.array(canvas.size) / 2
  offset = centre - inverse @ centre
  canvas = canvas.transform(
    canvas.size,
    Image.Transform.AFFINE,
    (*inverse[0], offset[0], *inverse[1], offset[1]),
    resample=Image.Resampling.BICUBIC,
  )
  canvas = canvas.crop(canvas.getbbox())
  # Long side to 17-23 px, as MNIST fits its digits in a 20 px box.
  scale = rng.uniform(17, 23) / max(canvas.size)
  w, h = (max(1, round(side * scale)) for side in canvas.size)
  small = canvas.resize((w, h), Image.Resampling.LANCZOS)
  out = Image.new("L", (SIZE, SIZE), 0)
  dx, dy = rng.integers(-2, 3, size=2)
  out.paste(small, ((SIZE - w) // 2 + int(dx), (SIZE - h) // 2 + int(dy)))
  pixels = np.asarray(out, dtype=np.float32)
  # Thin fonts shrink to grey strokes; stretch every image to full white.
  return np.round(pixels * (255 / max(pixels.max(), 1))).astype(np.uint8)


def write_split(directory, count, fonts, rng):
  os.makedirs(directory)
  bold = {path: is_bold(path) for path in fonts}
  for i in range(count):
    path = fonts[rng.integers(len(fonts))]
    letter = LETTERS[rng.integers(len(LETTERS))]
    Image.fromarray(render(rng, path, letter, bold[path])).save(
      os.path.join(directory, f"{i:05d}_{letter}.png")
    )


def main(argv):
  out = common.new_output_dir(PROG, argv, _OUT.value)
  if _FONT_DIRS.value:
    for directory in _FONT_DIRS.value:
      if not os.path.isdir(os.path.expanduser(directory)):
        cli.fail(PROG, f"--font_dirs: {directory} is not a directory")
    fonts = find_letter_fonts(_FONT_DIRS.value)
    if len(fonts) < 2:
      cli.fail(
        PROG,
        f"--font_dirs: {len(fonts)} font(s) with all 52 letters "
        "found; a train and a held-out font are needed",
      )
    train_fonts, heldout_fonts = split_fonts(
      fonts, _HELDOUT_FONT_SHARE.value, _SEED.value
    )
  else:
    train_fonts = [font_path(name) for name in TRAIN_FONTS]
    heldout_fonts = [font_path(name) for name in HELDOUT_FONTS]
    for path in train_fonts + heldout_fonts:
      if not os.path.isfile(path):
        cli.fail(PROG, f"font {path} not found (another matplotlib?)")
  start = time.perf_counter()
  # Separate streams: --heldout never changes the training images.
  write_split(
    os.path.join(out, "train"),
    _COUNT.value,
    train_fonts,
    np.random.default_rng([_SEED.value, 0]),
  )
  write_split(
    os.path.join(out, "heldout"),
    _HELDOUT.value,
    heldout_fonts,
    np.random.default_rng([_SEED.value, 1]),
  )
  with open(os.path.join(out, "fonts.txt"), "w") as listing:
    listing.writelines(
      [f"train {p}\n" for p in train_fonts]
      + [f"heldout {p}\n" for p in heldout_fonts]
    )
  print(
    f"{PROG}: wrote {_COUNT.value} train ({len(train_fonts)} fonts) and "
    f"{_HELDOUT.value} heldout ({len(heldout_fonts)} other fonts) "
    f"{SIZE}x{SIZE} letter PNGs to {out} in "
    f"{time.perf_counter() - start:.1f} s; train with "
    f"--dataset=folder:{os.path.join(out, 'train')}"
  )


if __name__ == "__main__":
  cli.run(PROG, main)
