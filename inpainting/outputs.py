"""A completion's output folder: its files, staged and renamed into place."""

import errno
import json
import os
from typing import Callable, Dict, Sequence

from common import files, image_files, owners, pixels
from common.errors import InputError
from inpainting import figures, image_io

# The figure shows the first images only; every image is written as files.
FIGURE_ROWS = 16
# Names the staging directory beside --out (owners.owned_name).
STAGING_PREFIX = ".dcgan-complete-"


# Where --full_resolution writes the blended completion at the photo's size.
FULL_RESOLUTION_DIR = "full_resolution"


def write_results(
  folder: str,
  inputs: Sequence[image_io.ImageFile],
  images,
  masks,
  result,
  report: Dict,
  full_resolution: bool = False,
):
  """Writes every output file into `folder` (the staging directory).

  The model-size outputs are [S, S] (the model's size); with
  `full_resolution`, full_resolution/NAME.png is the input's own size and
  channels: `image_io.write_back` of the blended completion.
  """
  for i, image in enumerate(inputs):
    parts = image.name.split("/")
    for kind, batch in (
      ("completed", result.completed),
      ("blended", result.blended),
      ("generated", result.generated),
      ("masks", masks * 2.0 - 1.0),
      ("uncertainty", pixels.spread_as_image(result.uncertainty)),
    ):
      image_files.write_png(
        os.path.join(folder, kind, *parts) + ".png", batch[i]
      )
    if full_resolution:
      # Decoded again, one at a time, with the file's own channels, so
      # every pixel outside the hole (alpha too) is written as it was read.
      original = image_files.read_pixels(image.path).numpy()
      image_files.write_png(
        os.path.join(folder, FULL_RESOLUTION_DIR, *parts) + ".png",
        image_io.write_back(original, result.blended[i], masks[i]),
      )
  rows = slice(0, FIGURE_ROWS)
  figures.comparison_figure(
    os.path.join(folder, "figure.png"),
    {
      "original": images[rows],
      "masked": figures.masked_view(images, masks)[rows],
      "G(z*)": result.generated[rows],
      "blended": result.blended[rows],
    },
    row_labels=[image.name for image in inputs[rows]],
  )
  files.atomic_write(
    os.path.join(folder, "metrics.json"), json.dumps(report, indent=2) + "\n"
  )


def publish(out_dir: str, write: Callable[[str], None]):
  """Runs `write(staging)`, then renames the staging directory to out_dir.

  The staging directory, owners.owned_name(STAGING_PREFIX), sits beside
  out_dir (same file system), so one rename(2) moves the whole result into
  place: a killed run leaves out_dir as it was, never half-written or mixed.
  rename(2) replaces only a missing or empty directory, so results that
  appeared in out_dir meanwhile are never overwritten. Staging directories
  of dead processes there are removed first; nothing else is deleted.
  out_dir may be any TensorFlow file system's: file:// renames in one step
  too; object stores (gs://) and ram:// move file by file
  (`files.rename_dir`), so there a reader may see out_dir partly filled
  while it runs.

  Raises:
    InputError: the results could not be written or moved into place
      (nothing is left behind).
  """
  target = files.realpath(out_dir)
  parent = files.parent(target)
  try:
    files.makedirs(parent)
    owners.remove_abandoned(parent, STAGING_PREFIX)
    staging = os.path.join(parent, owners.owned_name(STAGING_PREFIX))
    files.mkdir(staging)
  except OSError as e:
    raise InputError(
      f"--out={out_dir}: cannot write in {parent} ({e.strerror or e})"
    ) from None
  try:
    write(staging)
    files.rename_dir(staging, target)
  except OSError as e:
    files.rmtree(staging, ignore_errors=True)
    if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
      raise InputError(
        f"--out={out_dir}: became non-empty during the run; "
        "left as it is, these results discarded"
      ) from None
    raise InputError(
      f"--out={out_dir}: could not write the results ({e.strerror or e})"
    ) from None
  except BaseException:
    files.rmtree(staging, ignore_errors=True)
    raise
