"""Comparison figures: one row per image, one column per stage or method."""

import io
from typing import Dict, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from common import files, pixels

# Longest row label drawn whole: a longer one (a file name) would run into
# the rows above and below it, so its middle is left out.
LABEL_CHARS = 16


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
  """`text`, or its start and end around "…" when longer than `limit`
  (>= 1)."""
  if limit < 1:
    raise ValueError(f"limit={limit} must be at least 1")
  if len(text) <= limit:
    return text
  head = (limit - 1) // 2
  return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def masked_view(images, masks):
  """Known pixels as they are, the hole in mid-grey (0 in [-1, 1])."""
  return np.asarray(images) * np.asarray(masks)


def comparison_figure(
  path: str,
  columns: Dict[str, np.ndarray],
  row_labels: Sequence[str] = (),
  cell_inches=1.0,
):
  """Writes a PNG grid: columns = {title: [N, H, W, C] in [-1, 1]}.

  The file appears whole or not at all (a rerun replaces it only then).
  """
  titles = list(columns)
  rows = len(next(iter(columns.values())))
  figure = Figure(
    figsize=(cell_inches * len(titles) + 0.6, cell_inches * rows + 0.4)
  )
  FigureCanvasAgg(figure)
  axes = figure.subplots(rows, len(titles), squeeze=False)
  for col, title in enumerate(titles):
    images = pixels.to_uint8(columns[title]).numpy()
    for row in range(rows):
      ax = axes[row][col]
      image = images[row]
      if image.shape[-1] == 1:
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255)
      else:
        ax.imshow(image)
      ax.set_xticks([])
      ax.set_yticks([])
      if row == 0:
        ax.set_title(title, fontsize=8)
      if col == 0 and row < len(row_labels):
        ax.set_ylabel(short_label(row_labels[row]), fontsize=7)
  figure.tight_layout(pad=0.3)
  encoded = io.BytesIO()
  figure.savefig(encoded, format="png", dpi=100)
  files.makedirs(files.parent(path))
  files.atomic_write(path, encoded.getvalue(), "wb")
