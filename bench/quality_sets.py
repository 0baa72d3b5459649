"""The project's three quality data sets: digits, letters and colour.

Each is a (training spec, held-out images, Fréchet reference) triple that a
bench trains on and scores with:
  digits   the embedded MNIST digits (training split; held out: the first
           images of each class of the held-out split), 32x32 grey;
  letters  `python -m bench.folder_dataset --out=DIR` (DIR/train, held-out
           fonts in DIR/heldout), 32x32 grey;
  colour   `python -m bench.colour_dataset --out=DIR` (DIR/train, held-out
           identities in DIR/heldout), RGB.
Folder sets name their files NNNNN_LABEL.png; the label (a letter, an
identity) trains the Fréchet feature classifier, so its features come from
the data, never from the model being measured.
"""

import dataclasses
import os
from typing import Optional

import numpy as np
from absl import flags

from inpainting import complete, image_io

NAMES = ("digits", "letters", "colour")


@dataclasses.dataclass(frozen=True)
class QualitySet:
  """One data set as a bench uses it.

  Attributes:
    name: One of NAMES.
    dataset: dcgan-train's --dataset.
    channels: 1 or 3.
    folder: The built data set's folder (None for the digits).
  """

  name: str
  dataset: str
  channels: int
  folder: Optional[str] = None

  def heldout(self, count: int, size: int, skip: int = 0) -> np.ndarray:
    """`count` held-out images in [-1, 1], spread over the labels, after
    the first `skip` of that spread: `skip=100` gives images no bench that
    scores the first 100 has seen, to check a choice made on those."""
    if self.folder is None:
      return _heldout_digits(skip, count)
    paths = image_io.find_images(os.path.join(self.folder, "heldout"))
    picked = _spread_over_labels(paths, skip + count)[skip:]
    return complete.load_image_files(picked, size, self.channels)

  def training_images(self, size: int):
    """(images in [-1, 1], int labels) of the training split."""
    if self.folder is None:
      from models.config import MNIST32
      from training.input_pipeline import embedded_images

      images, labels = embedded_images(MNIST32)
      return images.numpy(), np.asarray(labels)
    paths = image_io.find_images(os.path.join(self.folder, "train"))
    names = sorted({label_of(p) for p in paths})
    index = {name: i for i, name in enumerate(names)}
    images = complete.load_image_files(paths, size, self.channels)
    return images, np.array([index[label_of(p)] for p in paths])


def _heldout_digits(skip, count):
  """Held-out digits [skip, skip + count) of the spread over classes: each
  class's images after its first skip/10 (demo.run's heldout_subset)."""
  from demo.run import heldout_subset

  return heldout_subset(max(1, count // 10), skip // 10)[:count]


def label_of(path: str) -> str:
  """NNNNN_LABEL.png -> LABEL."""
  stem = os.path.splitext(os.path.basename(path))[0]
  return stem.rsplit("_", 1)[-1]


def _spread_over_labels(paths, count):
  """Up to `count` paths, taken round-robin over their labels (in sorted
  order), so a few frequent labels do not fill the sample."""
  by_label = {}
  for path in sorted(paths):
    by_label.setdefault(label_of(path), []).append(path)
  queues = [by_label[label] for label in sorted(by_label)]
  picked = []
  while len(picked) < count and any(queues):
    for queue in queues:
      if queue and len(picked) < count:
        picked.append(queue.pop(0))
  return picked


def quality_set(name: str, letters_dir=None, colour_dir=None) -> QualitySet:
  if name == "digits":
    return QualitySet(name, "embedded:mnist", 1)
  folder = {"letters": letters_dir, "colour": colour_dir}[name]
  return QualitySet(
    name,
    f"folder:{os.path.join(folder, 'train')}",
    3 if name == "colour" else 1,
    folder,
  )


def define_folder_flags():
  """Defines --letters_dir and --colour_dir for a bench's command line;
  returns name -> QualitySet, which reads them."""
  letters_dir = flags.DEFINE_string(
    "letters_dir", None, "bench.folder_dataset's --out (for the letters)."
  )
  colour_dir = flags.DEFINE_string(
    "colour_dir", None, "bench.colour_dataset's --out (for the colour set)."
  )
  return lambda name: quality_set(name, letters_dir.value, colour_dir.value)
