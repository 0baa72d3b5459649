"""Ensembles: several exports complete as one (--model_dir=A,B).

Two tiny exports with encoders, trained from different seeds; the
ensemble's completion must be the mean of its members', through the
library, dcgan-complete and dcgan-complete-bulk alike.
"""

import json
import os

import numpy as np
import pytest

from common.errors import InputError
from export import exporter
from inpainting import complete
from inpainting.completion_flags import model_dirs
from inpainting.saved_models import load_exported_gan, load_exports
from inpainting.search_config import default_config
from tests import test_bulk
from tests.conftest import cli, write_image

SIZE = 16  # the tiny preset's
SEARCH_OPTIONS = {"steps": 2, "views": 2, "pool_size": 8}


def _images_and_masks(count=3):
  rng = np.random.default_rng(0)
  images = rng.uniform(-1, 1, (count, SIZE, SIZE, 1)).astype(np.float32)
  masks = np.ones((count, SIZE, SIZE, 1), np.float32)
  masks[:, 4:12, 4:12] = 0.0
  return images, masks


@pytest.fixture(scope="module")
def member_dirs(tmp_path_factory):
  """Two export dirs of tiny runs (3 GAN steps, 3 encoder steps), seeds 0
  and 1."""
  from training import train as train_lib
  from training.config import get_config

  root = tmp_path_factory.mktemp("ensemble")
  dirs = []
  for seed in (0, 1):
    workdir, export_dir = str(root / f"train{seed}"), str(root / f"e{seed}")
    config = get_config("tiny", max_steps=3, encoder_steps=3, seed=seed)
    train_lib.train(config, workdir)
    exporter.export_models(workdir, export_dir)
    dirs.append(export_dir)
  return dirs


@pytest.fixture(scope="module")
def members(member_dirs):
  return [load_exported_gan(d) for d in member_dirs]


def test_an_ensemble_completes_as_the_mean_of_its_members(members):
  images, masks = _images_and_masks()
  config = default_config(True, **SEARCH_OPTIONS)
  first, second = (
    complete.Completer(g, config)(images, masks) for g in members
  )
  ensemble = complete.Completer(members, config)(images, masks)
  hole = 1.0 - masks
  # Members that agree would make any averaging pass (3 training steps
  # leave G's output near 0, so they differ by little, but by far more
  # than the tolerance below).
  assert np.abs(first.completed - second.completed).max() > 1e-3
  for name in ("generated", "completed", "blended", "loss"):
    expected = (getattr(first, name) + getattr(second, name)) / 2
    np.testing.assert_allclose(getattr(ensemble, name), expected, atol=1e-6)
  np.testing.assert_array_equal(
    ensemble.z, np.concatenate([first.z, second.z], axis=-1)
  )
  np.testing.assert_array_equal(
    ensemble.views_used, first.views_used + second.views_used
  )
  # The members' own spread and theirs between them, in quadrature.
  spread = np.abs(first.completed - second.completed) / 2
  expected = np.sqrt(
    (first.uncertainty**2 + second.uncertainty**2) / 2
    + np.mean(spread, axis=-1, keepdims=True) ** 2 * hole
  )
  np.testing.assert_allclose(ensemble.uncertainty, expected, atol=1e-6)
  # The spread between members adds to theirs.
  own = np.sqrt((first.uncertainty**2 + second.uncertainty**2) / 2)
  assert np.all(ensemble.uncertainty >= own - 1e-7)
  assert np.any(ensemble.uncertainty > own + 1e-5)
  # Known pixels stay the image's own.
  np.testing.assert_array_equal(ensemble.blended * masks, images * masks)


def test_an_ensemble_of_one_is_the_export_itself(members):
  images, masks = _images_and_masks(2)
  config = default_config(True, **SEARCH_OPTIONS)
  alone = complete.Completer(members[0], config)(images, masks)
  listed = complete.Completer(members[:1], config)(images, masks)
  for name in ("blended", "completed", "uncertainty", "z", "loss"):
    np.testing.assert_array_equal(getattr(listed, name), getattr(alone, name))


def test_load_exports_reads_each_member_and_pins_their_versions(member_dirs):
  spec = ",".join(member_dirs)
  gans = load_exports(spec)
  assert [g.version for g in gans] == [1, 1]
  assert len(load_exports(spec, [1, 1])) == 2
  with pytest.raises(InputError, match="2 exports but 1 versions"):
    load_exports(spec, [1])
  with pytest.raises(InputError, match="no version 5"):
    load_exports(spec, 5)


@pytest.mark.parametrize(
  "spec, message",
  [
    ("a,", "--model_dir=a,: an empty export dir in the list"),
    ("a,,b", "an empty export dir in the list"),
    ("a,b,a", "--model_dir=a,b,a: a is named twice"),
  ],
)
def test_a_bad_list_of_exports_is_refused(spec, message):
  with pytest.raises(InputError, match=message):
    model_dirs(spec)


def test_members_without_the_same_encoder_are_refused(member_dirs, tiny_export):
  # tiny_export trained no encoder: its search would start elsewhere.
  with pytest.raises(
    InputError,
    match=f"{tiny_export[1]} differs from .* in its encoder "
    r"\(False against True\)",
  ):
    load_exports(f"{member_dirs[0]},{tiny_export[1]}")


@pytest.mark.slow
def test_dcgan_complete_with_two_exports_writes_the_ensembles_completion(
  member_dirs, tmp_path
):
  rng = np.random.default_rng(1)
  for name in ("a", "b"):
    write_image(
      str(tmp_path / "in" / f"{name}.png"),
      rng.integers(0, 256, (SIZE, SIZE, 1), np.uint8),
    )
  spec = ",".join(member_dirs)
  flags = [f"--{k}={v}" for k, v in SEARCH_OPTIONS.items()]
  result = cli(
    "inpainting.main",
    f"--model_dir={spec}",
    f"--images={tmp_path / 'in'}",
    f"--out={tmp_path / 'out'}",
    *flags,
  )
  assert result.returncode == 0, result.stderr[-3000:]
  with open(tmp_path / "out" / "metrics.json") as f:
    assert json.load(f)["model_version"] == [1, 1]
  # The same ensemble in this process, as the command resolves its flags.
  gans = load_exports(spec)
  complete.complete_files(
    gans,
    str(tmp_path / "in"),
    ["center"],
    str(tmp_path / "ref"),
    default_config(True, **SEARCH_OPTIONS),
  )
  for kind in ("blended", "uncertainty"):
    for name in ("a", "b"):
      paths = [tmp_path / d / kind / f"{name}.png" for d in ("out", "ref")]
      assert paths[0].read_bytes() == paths[1].read_bytes(), f"{kind}/{name}"
  # And it is not the first member's completion alone.
  complete.complete_files(
    gans[0],
    str(tmp_path / "in"),
    ["center"],
    str(tmp_path / "first"),
    default_config(True, **SEARCH_OPTIONS),
  )
  assert (tmp_path / "out" / "blended" / "a.png").read_bytes() != (
    tmp_path / "first" / "blended" / "a.png"
  ).read_bytes()
  assert os.path.exists(tmp_path / "out" / "figure.png")


@pytest.mark.slow
def test_dcgan_complete_bulk_with_two_exports_matches_dcgan_complete(
  member_dirs, tmp_path
):
  names = test_bulk._inputs(str(tmp_path / "in"), count=5, bad=())
  spec = ",".join(member_dirs)
  out = tmp_path / "out"
  result = test_bulk._bulk(spec, tmp_path / "in", out, "--workers=1")
  assert result.returncode == 0, result.stderr[-3000:]
  assert "5 images completed" in result.stdout
  with open(out / "job.json") as f:
    assert json.load(f)["version"] == [1, 1]
  # dcgan-complete's outputs for the same ensemble, images and options.
  complete.complete_files(
    load_exports(spec),
    str(tmp_path / "in"),
    ["center"],
    str(tmp_path / "ref"),
    default_config(True, **test_bulk.SEARCH_OPTIONS),
    with_metrics=False,
  )
  test_bulk._same_outputs(str(out), str(tmp_path / "ref"), names)
