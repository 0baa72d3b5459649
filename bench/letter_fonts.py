"""Which fonts draw the letters data set (bench/folder_dataset.py).

No flags here, so that tests can import it beside other commands' flags.
"""

import glob
import os
import string

import numpy as np
from fontTools import ttLib  # a matplotlib dependency

LETTERS = string.ascii_uppercase + string.ascii_lowercase
# PostScript-name parts of the symbol fonts whose letter slots hold symbols
# or boxes (TeX's cmex / cmsy, URW's dingbats and symbols, Noto's math and
# symbol sets, Nushu's placeholder Latin, LastResort, Linux Biolinum's
# keyboard keys).
SYMBOL_FONT_PARTS = (
  "Cmex",
  "Cmsy",
  "D050000L",
  "StandardSymbols",
  "Math",
  "Symbols",
  "Nushu",
  "LastResort",
  "LinBiolinumOKb",
)


def is_bold(path):
  """Whether the font is bold (OS/2 weight 600 or more; cmb10, which calls
  itself weight 400)."""
  font = ttLib.TTFont(path, lazy=True)
  return (
    font["OS/2"].usWeightClass >= 600 if "OS/2" in font else False
  ) or os.path.basename(path) == "cmb10.ttf"


def find_letter_fonts(directories):
  """Paths of the distinct Latin-letter fonts under directories, sorted."""
  by_name = {}
  for directory in directories:
    found = glob.glob(
      os.path.join(os.path.expanduser(directory), "**", "*"), recursive=True
    )
    for path in sorted(
      p for p in found if p.lower().endswith((".ttf", ".otf"))
    ):
      try:
        font = ttLib.TTFont(path, lazy=True)
        cmap = font.getBestCmap() or {}
        name = font["name"].getDebugName(6) or os.path.basename(path)
      except Exception:
        continue  # not a font fontTools can read: not one PIL could draw
      if all(ord(c) in cmap for c in LETTERS) and not any(
        part in name for part in SYMBOL_FONT_PARTS
      ):
        by_name.setdefault(name, path)
  return sorted(by_name.values())


def split_fonts(paths, heldout_share, seed):
  """(train, heldout) paths: a seeded share of whole fonts is held out."""
  order = np.random.default_rng([seed, 2]).permutation(len(paths))
  count = min(len(paths) - 1, max(1, round(heldout_share * len(paths))))
  heldout = sorted(paths[i] for i in order[:count])
  return sorted(set(paths) - set(heldout)), heldout
