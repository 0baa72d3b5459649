"""bench/search_sweep.py and the held-out images it checks a choice on."""

import json

import numpy as np

from bench import quality_sets
from tests.conftest import cli, write_noise_images


def _letters(tmp_path):
  """A folder set whose held-out images carry labels a, b, c."""
  names = [f"{i:05d}_{'abc'[i % 3]}.png" for i in range(9)]
  write_noise_images(str(tmp_path / "heldout"), names, (16, 16, 1), seed=0)
  return quality_sets.quality_set("letters", letters_dir=str(tmp_path))


def test_skip_leaves_out_the_first_images_of_the_spread(tmp_path):
  letters = _letters(tmp_path)
  first_six = letters.heldout(6, 16)
  np.testing.assert_array_equal(letters.heldout(4, 16, skip=2), first_six[2:])
  digits = quality_sets.quality_set("digits")
  scored, others = digits.heldout(20, 32), digits.heldout(20, 32, skip=20)
  assert others.shape == scored.shape
  # Not one image in common.
  distances = np.abs(scored[:, None] - others[None]).sum(axis=(2, 3, 4))
  assert distances.min() > 0


def test_sweep_scores_every_variant_on_the_same_images(tiny_export, tmp_path):
  _letters(tmp_path)
  result = cli(
    "bench.search_sweep",
    "--set=letters",
    f"--letters_dir={tmp_path}",
    f"--model_dir={tiny_export[1]}",
    "--count=4",
    "--skip=3",
    "--masks=center,random",
    "--variants=anchor_weight=0;steps=0",
  )
  assert result.returncode == 0, result.stderr
  assert "letters: 4 held-out images after 3" in result.stdout
  rows = json.loads(result.stdout.strip().splitlines()[-1])
  assert set(rows) == {"defaults", "anchor_weight=0", "steps=0"}
  for row in rows.values():
    assert set(row) == {"center", "random"}
    assert all(np.isfinite(psnr) for psnr in row.values())
  # The start alone is another completion than 20 steps from it.
  assert rows["steps=0"] != rows["defaults"]


def test_sweep_refuses_a_variant_that_names_no_field(tiny_export, tmp_path):
  # bench.search_sweep defines absl flags that other benches' tests share,
  # so it runs in its own process.
  result = cli(
    "bench.search_sweep",
    "--set=letters",
    f"--letters_dir={tmp_path}",
    f"--model_dir={tiny_export[1]}",
    "--variants=anchr_weight=1",
  )
  assert result.returncode != 0
  assert "--variants: 'anchr_weight=1' is not FIELD=VALUE" in result.stderr
