"""bench/folder_dataset.py: the letters data set and its font split.

folder_dataset defines absl flags (--seed, --out) that other commands define
too, so it runs as a subprocess; its font choice is imported from
bench/letter_fonts.py."""

import glob
import os
import shutil

import matplotlib
import numpy as np
from PIL import Image

from bench import letter_fonts
from tests.conftest import cli

MPL_FONTS = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


def test_font_discovery_keeps_letter_fonts_once_and_drops_symbol_fonts(
  tmp_path,
):
  # The same font twice (one PostScript name) and a symbol font whose
  # letter slots are mapped (cmex10) beside real letter fonts.
  for name in ("DejaVuSans", "cmr10", "cmex10", "cmsy10"):
    shutil.copy(os.path.join(MPL_FONTS, name + ".ttf"), tmp_path)
  os.makedirs(tmp_path / "copy")
  shutil.copy(os.path.join(MPL_FONTS, "DejaVuSans.ttf"), tmp_path / "copy")
  # Upper-case extensions are fonts too.
  shutil.copy(
    os.path.join(MPL_FONTS, "DejaVuSerif.ttf"),
    tmp_path / "copy" / "DEJAVUSERIF.TTF",
  )

  fonts = letter_fonts.find_letter_fonts([str(tmp_path)])

  assert sorted(os.path.basename(p) for p in fonts) == [
    "DEJAVUSERIF.TTF",
    "DejaVuSans.ttf",
    "cmr10.ttf",
  ]
  # Of matplotlib's own fonts, only those with real letters count.
  names = {
    os.path.basename(p)[:-4]
    for p in letter_fonts.find_letter_fonts([MPL_FONTS])
  }
  assert {
    "DejaVuSans",
    "DejaVuSerif-Italic",
    "STIXGeneralBol",
    "cmr10",
    "cmb10",
    "cmtt10",
  } <= names
  assert not names & {"cmex10", "cmsy10", "LastResortHE-Regular"}


def test_font_split_holds_out_whole_fonts_by_seed():
  fonts = [f"/fonts/{i:02d}.ttf" for i in range(20)]
  train, heldout = letter_fonts.split_fonts(fonts, 0.15, seed=0)
  assert len(heldout) == 3 and not set(train) & set(heldout)
  assert sorted(train + heldout) == fonts
  assert letter_fonts.split_fonts(fonts, 0.15, seed=0) == (train, heldout)
  assert letter_fonts.split_fonts(fonts, 0.15, seed=1) != (train, heldout)
  # Never an empty side, whatever the share.
  assert len(letter_fonts.split_fonts(fonts, 0.0, seed=0)[1]) == 1
  assert len(letter_fonts.split_fonts(fonts, 1.0, seed=0)[0]) == 1


def test_font_dirs_writes_letters_of_the_fonts_found(tmp_path):
  out = tmp_path / "letters"
  result = cli(
    "bench.folder_dataset",
    f"--out={out}",
    f"--font_dirs={MPL_FONTS}",
    "--count=12",
    "--heldout=4",
  )
  assert result.returncode == 0, result.stderr
  listing = (out / "fonts.txt").read_text().split("\n")
  train = {line.split()[1] for line in listing if line.startswith("train ")}
  heldout = {line.split()[1] for line in listing if line.startswith("heldout ")}
  assert heldout and train and not train & heldout
  pngs = sorted(glob.glob(str(out / "*" / "*.png")))
  assert len(pngs) == 16
  image = np.asarray(Image.open(pngs[0]))
  assert image.shape == (32, 32) and image.max() == 255


def test_font_dirs_without_letter_fonts_fails_in_one_line(tmp_path):
  (tmp_path / "empty").mkdir()
  for flag in (
    f"--font_dirs={tmp_path / 'empty'}",
    f"--font_dirs={tmp_path / 'missing'}",
  ):
    result = cli("bench.folder_dataset", f"--out={tmp_path / 'out'}", flag)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--font_dirs" in result.stderr
    assert not (tmp_path / "out").exists()
