"""run_demo(): the whole product on the embedded digits, offline.

train (mnist32, embedded training split) -> export SavedModels -> reload them
through `inpainting` -> complete held-out digits under several masks ->
compare with classical inpainting -> report.md, report.json, figure.png.
"""

import dataclasses
import os
import time
from typing import Dict

import numpy as np

from common import masks as masks_lib
from common import pixels
from demo import report as report_lib
from demo.config import MASK_SPECS, DemoConfig
from export import exporter
from inpainting import baselines, complete, evaluation, figures
from inpainting.saved_models import load_exported_gan
from training import config as config_lib
from training import embedded_mnist
from training import train as train_lib

# Rows of the figure per mask type.
FIGURE_EXAMPLES = 2


def heldout_subset(images_per_digit: int, skip_per_digit: int = 0):
  """`images_per_digit` held-out images of each digit, after its first
  `skip_per_digit`, in [-1, 1]."""
  images, labels = embedded_mnist.load_split("heldout")
  first, last = skip_per_digit, skip_per_digit + images_per_digit
  keep = np.concatenate(
    [np.flatnonzero(labels == d)[first:last] for d in range(10)]
  )
  return pixels.to_unit_range(images[keep].astype(np.float32)).numpy()


def _stage(message, started):
  """Progress for the person waiting on `make demo`."""
  print(f"[{time.perf_counter() - started:5.0f} s] {message}", flush=True)


def run_demo(workdir: str, config: DemoConfig = DemoConfig()) -> str:
  """Runs every stage; returns the path of report.md."""
  started = time.perf_counter()
  seconds: Dict[str, float] = {}
  train_dir = os.path.join(workdir, "train")
  export_dir = os.path.join(workdir, "export")
  out_dir = os.path.join(workdir, "report")

  _stage(
    f"training mnist32 for {config.train_steps} steps, then its "
    f"encoder, in {train_dir} (tensorboard --logdir {train_dir})",
    started,
  )
  train_config = config_lib.get_config(
    "mnist32",
    max_steps=config.train_steps,
    batch_size=config.batch_size,
    encoder_steps=config.encoder_steps,
    seed=config.seed,
  )
  result = train_lib.train(train_config, train_dir)
  seconds["train"] = time.perf_counter() - started

  # The exporter logs the step, version and directory itself.
  exported = exporter.export_models(train_dir, export_dir)
  gan = load_exported_gan(export_dir, exported.version)
  completer = complete.Completer(gan, config.search)
  compare_starts = evaluation.StartComparison(gan, config.search)

  images = heldout_subset(config.images_per_digit)
  _stage(
    f"completing {len(images)} held-out digits under each mask "
    f"({', '.join(config.mask_types)}), ours against "
    f"{', '.join(baselines.BASELINES)}",
    started,
  )
  results, counts, columns, starts = {}, {}, {}, {}
  complete_started = time.perf_counter()
  for index, mask_type in enumerate(config.mask_types):
    masks = masks_lib.make_masks(
      [MASK_SPECS[mask_type]], len(images), gan.image_size, seed=config.seed
    )
    results[mask_type], filled = evaluation.compare_methods(
      completer, images, masks
    )
    counts[mask_type] = len(images)
    starts[mask_type] = compare_starts(images, masks)
    _stage(
      f"{mask_type}: hole PSNR (dB) ours "
      f"{results[mask_type]['ours']['psnr']:.2f}, "
      + ", ".join(
        f"{n} {results[mask_type][n]['psnr']:.2f}" for n in baselines.BASELINES
      ),
      started,
    )
    # Figure rows: the first image of two digits, other digits per mask.
    first = FIGURE_EXAMPLES * index
    rows = (
      np.arange(first, first + FIGURE_EXAMPLES) * config.images_per_digit
    ) % len(images)
    for title, batch in (
      ("original", images),
      ("masked", figures.masked_view(images, masks)),
      ("G(z*)", filled["generated"]),
      ("uncertainty", pixels.spread_as_image(filled["uncertainty"])),
      ("ours", filled["ours"]),
      ("Telea", filled["telea"]),
      ("Navier-Stokes", filled["ns"]),
      ("biharmonic", filled["biharmonic"]),
    ):
      columns.setdefault(title, []).append(batch[rows])
  seconds["complete"] = time.perf_counter() - complete_started

  figure_name = "figure.png"
  row_labels = [t for t in config.mask_types for _ in range(FIGURE_EXAMPLES)]
  figures.comparison_figure(
    os.path.join(out_dir, figure_name),
    {title: np.concatenate(parts) for title, parts in columns.items()},
    row_labels=row_labels,
  )
  seconds["total"] = time.perf_counter() - started
  details = {
    "train_steps": result.step,
    "encoder_steps": result.encoder_step,
    "starts": starts,
    "search": dataclasses.asdict(config.search),
    "model_version": exported.version,
    "seconds": seconds,
  }
  # dcgan-demo prints the returned path: one line for it, not two.
  return report_lib.write_report(out_dir, results, counts, figure_name, details)
