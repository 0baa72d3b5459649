r"""Hole PSNR / SSIM of our completion and three classical baselines.

  python -m bench.completion_quality --model_dir=runs/demo/export
  python -m bench.completion_quality --model_dir=E --images=my_faces/
  python -m bench.completion_quality            # trains a mnist32 export first
  python -m bench.completion_quality --model_dir=E --search=ilo
  python -m bench.completion_quality --model_dir=E1,E2 --images=my_faces/

For each mask type, completes the images (default: the embedded held-out
digits, --images_per_digit of each) with ours (the completion's defaults,
single best: the export's encoder start, if any, then the search), OpenCV
Telea and Navier-Stokes and scikit-image biharmonic, prints a table and
draws it as a PNG chart. For a generator of 32x32 grey digits (without
--images) it also prints the Fréchet distance of its samples to the
embedded training digits (training/frechet.py). With several exports
(an ensemble, as dcgan-complete's --model_dir) "ours" is their averaged
completion. The last line is a JSON
object: mask type -> method -> {"psnr", "ssim"}; "lead_db": mask type ->
our hole-PSNR lead over the best classical method; "frechet_generator"
(null for other generators, with --images and for ensembles, whose
members' distances are "frechet_members"); "search": --search;
"search_gain_db": mask type -> our hole PSNR minus that of the z-only
search (the same flags with --search=z, on the same images and masks, in
this run; 0 for --search=z); "seconds": mask type -> {search: seconds the
completion of all images took, after a warm-up call}, for ours and z-only.
"""

import dataclasses
import json
import os
import time

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import numpy as np
from absl import app, flags

from bench import common
from common import config_flags
from common import masks as masks_lib
from inpainting import complete, evaluation, search_config

_MODEL_DIR = flags.DEFINE_string(
  "model_dir",
  None,
  "Export dir (optional); several, comma-separated: an ensemble.",
)
_TRAIN_STEPS = flags.DEFINE_integer(
  "train_steps", 1500, "mnist32 steps when no --model_dir is given."
)
_IMAGES = flags.DEFINE_string(
  "images", None, "Image folder/glob (default: embedded held-out digits)."
)
_IMAGES_PER_DIGIT = flags.DEFINE_integer(
  "images_per_digit", 10, "Held-out digits of each class."
)
_MASKS = flags.DEFINE_list(
  "masks",
  ["center", "half:left", "random:0.8", "irregular:4", "grid"],
  "Mask specs; each gets a row.",
)
# Search flags from SearchConfig's fields, as dcgan-complete's.
_SEARCH = config_flags.define_flags(
  search_config.SearchConfig(),
  {
    name: name
    for name in (
      "steps",
      "restarts",
      "average_best",
      "learning_rate",
      "anchor_weight",
      "views",
      "view_tolerance",
    )
    + search_config.BEYOND_Z_FIELDS
  },
  note="Default: the export's (default_config).",
)
_OUT = flags.DEFINE_string("out", "bench_out", "Where the PNG chart goes.")


def draw_chart(path, results):
  from matplotlib.backends.backend_agg import FigureCanvasAgg
  from matplotlib.figure import Figure

  masks = list(results)
  methods = list(results[masks[0]])
  figure = Figure(figsize=(9, 3.6))
  FigureCanvasAgg(figure)
  for col, metric in enumerate(("psnr", "ssim")):
    ax = figure.add_subplot(1, 2, col + 1)
    width = 0.8 / len(methods)
    for i, method in enumerate(methods):
      ax.bar(
        np.arange(len(masks)) + i * width,
        [results[m][method][metric] for m in masks],
        width,
        label=method,
      )
    ax.set_xticks(np.arange(len(masks)) + 0.4 - width / 2)
    ax.set_xticklabels(masks, fontsize=8)
    ax.set_title(
      f"hole {metric.upper()}" + (" (dB)" if metric == "psnr" else "")
    )
  ax.legend(fontsize=7)
  figure.tight_layout()
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  figure.savefig(path, dpi=100)


def load_images(gan):
  if _IMAGES.value:
    from inpainting import image_io

    paths = image_io.find_images(_IMAGES.value)
    return complete.load_image_files(paths, gan.image_size, gan.channels)
  from demo.run import heldout_subset

  return heldout_subset(_IMAGES_PER_DIGIT.value)


def frechet_line(gan):
  """FD of G's samples and of real held-out digits to the training digits."""
  if (gan.image_size, gan.channels) != (32, 1):
    return None
  from models.config import MNIST32
  from training import frechet
  from training.input_pipeline import embedded_images

  images, labels = embedded_images(MNIST32)
  scorer = frechet.FrechetScorer(images.numpy(), labels)
  heldout, _ = embedded_images(MNIST32, "heldout")
  return (
    scorer.score_generator(gan.generate, gan.z_dim),
    scorer.score_images(heldout.numpy()),
  )


class TimedCompleter:
  """A Completer that records how long its calls took (after a warm-up
  call on one image, so that tracing is not counted)."""

  def __init__(self, completer, images, masks):
    self.completer = completer
    completer(images[:1], masks[:1])
    self.seconds = 0.0

  def __call__(self, images, masks):
    started = time.perf_counter()
    result = self.completer(images, masks)
    self.seconds = time.perf_counter() - started
    return result


def z_only_psnr(completer, images, masks):
  """Mean hole PSNR (dB) of the blended completion."""
  per_image = complete.evaluate(images, completer(images, masks).blended, masks)
  return float(np.mean(per_image["hole_psnr"]))


def main(argv):
  del argv
  with common.exported_gans(_MODEL_DIR.value, _TRAIN_STEPS.value) as gans:
    gan = gans[0]
    images = load_images(gan)
    config = search_config.default_config(
      gan.encode is not None, **_SEARCH.overrides()
    )
    completer = complete.Completer(gans, config)
    results = {}
    print(
      f"{len(images)} images, {config.steps} steps, {config.restarts} "
      f"restart(s), mean of the best {config.average_best}, "
      f"search {config.search}, "
      f"{'encoder' if gan.encode else 'no encoder'}"
      f"{f', an ensemble of {len(gans)}' if len(gans) > 1 else ''}; "
      "hole PSNR (dB) / "
      "hole SSIM"
    )
    print(f"{'mask':14s}" + "".join(f"{m:>18s}" for m in evaluation.METHODS))
    # The z-only search at the same settings, on the same images and masks.
    z_config = dataclasses.replace(config, search="z")
    z_completer = (
      completer if config.search == "z" else complete.Completer(gans, z_config)
    )
    gains, seconds = {}, {}
    for spec in _MASKS.value:
      masks = masks_lib.make_masks([spec], len(images), gan.image_size)
      timed = TimedCompleter(completer, images, masks)
      mask = spec.split(":")[0]
      results[mask], _ = evaluation.compare_methods(timed, images, masks)
      seconds[mask] = {config.search: timed.seconds}
      row = results[mask]
      gains[mask] = 0.0
      if config.search != "z":
        timed_z = TimedCompleter(z_completer, images, masks)
        gains[mask] = row["ours"]["psnr"] - z_only_psnr(timed_z, images, masks)
        seconds[mask]["z"] = timed_z.seconds
      print(
        f"{spec:14s}"
        + "".join(
          f"{row[m]['psnr']:>10.2f} / {row[m]['ssim']:.3f}"
          for m in evaluation.METHODS
        )
        + (
          f"   {config.search} vs z: {gains[mask]:+.2f} dB, "
          + ", ".join(f"{k} {v:.1f} s" for k, v in seconds[mask].items())
          if config.search != "z"
          else ""
        ),
        flush=True,
      )
    chart = os.path.join(_OUT.value, "completion_quality.png")
    draw_chart(chart, results)
    print(f"chart: {chart}")
    leads = {
      mask: row["ours"]["psnr"]
      - max(row[m]["psnr"] for m in evaluation.METHODS if m != "ours")
      for mask, row in results.items()
    }
    print(
      "hole-PSNR lead over the best classical method (dB): "
      + ", ".join(f"{mask} {lead:+.2f}" for mask, lead in leads.items())
    )
    # The digit classifier's features say nothing about other images.
    members = [] if _IMAGES.value else [frechet_line(g) for g in gans]
    for index, scores in enumerate(members):
      if scores:
        member = f" (member {index + 1})" if len(gans) > 1 else ""
        print(
          f"Fréchet distance to the training digits: generator{member} "
          f"{scores[0]:.3f}, real held-out digits {scores[1]:.3f}"
        )
    scores = members[0] if len(members) == 1 else None
    print(
      json.dumps(
        {
          **results,
          "lead_db": leads,
          "frechet_generator": scores[0] if scores else None,
          "frechet_members": [m[0] if m else None for m in members],
          "search": config.search,
          "search_gain_db": gains,
          "seconds": seconds,
        }
      )
    )


if __name__ == "__main__":
  app.run(main)
