r"""Generator recipes at equal steps on the three quality data sets.

  python -m bench.folder_dataset --out=/tmp/letters
  python -m bench.colour_dataset --out=/tmp/colour32
  python -m bench.generator_recipes --letters_dir=/tmp/letters \
    --colour_dir=/tmp/colour32 --work=/tmp/recipes

For every data set (--sets) and recipe (--recipes, from RECIPES), trains the
mnist32 preset with the recipe's overrides through `dcgan-train` (at the
preset's max_steps and encoder_steps unless the recipe sets them), exports
it with `dcgan-export`, then scores the export:
  - `frechet`: the Fréchet distance of 1,000 generator samples to the
    training images, on the features of a classifier trained on the
    training images' labels (training/frechet.py; digit classes, letters,
    colour identities: features that do not come from the model measured);
    `frechet_heldout` is the held-out images' own distance (all of them;
    it is biased upwards by their small number, 179 for colour);
  - `lead_db`: per mask, the hole-PSNR lead of the default completion
    (single best) over the best of Telea, Navier-Stokes and biharmonic on
    --heldout held-out images.
Runs already in --work are scored again without training, so an
interrupted bench continues where it stopped. Prints one table, then a JSON
line: {set: {recipe: {...}}}.
"""

import json
import os
import subprocess
import sys
import time

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import numpy as np
from absl import app, flags

from bench import quality_sets
from common import masks as masks_lib
from inpainting import complete, evaluation
from inpainting.saved_models import load_exported_gan
from inpainting.search_config import default_config

# name -> {--config.PATH: value}. "baseline" is the preset as it is, R1
# (gamma 1) on; "no_r1" is the preset before R1 won.
RECIPES = {
  "baseline": {},
  "no_r1": {"r1_weight": 0.0},
  "r1_x10": {"r1_weight": 10.0},
  "r1_0.1": {"r1_weight": 0.1},
  "diffaugment": {"augment": "color,translation,cutout"},
  "translation": {"augment": "translation,cutout"},
  "mirror": {"mirror": True},
  "spectral_norm": {"model.spectral_norm": True},
  "ttur": {"learning_rate": 1e-4, "d_learning_rate": 4e-4},
  "wide": {"model.gf": 64},
  "steps_x2": {"max_steps": 3000},
  # Measured on colour only, against colour32 (docs/benchmarks.md).
  "steps_x4": {"max_steps": 6000},
  # The completion starts from the encoder's z: a better inverse of G may
  # matter more to it than a better G. The preset's is 2,000.
  "encoder_500": {"encoder_steps": 500},
  "encoder_1000": {"encoder_steps": 1000},
  # colour32's (docs/benchmarks.md#a-colour-preset).
  "encoder_4000": {"encoder_steps": 4000},
  "encoder_cosine": {"encoder_schedule": "cosine"},
  "encoder_wide": {"model.ef": 128},
  "encoder_latent_0.1": {"encoder_latent_weight": 0.1},
  "encoder_latent_0": {"encoder_latent_weight": 0.0},
}
MASKS = ("center", "half:left", "random:0.8")
# Held-out images for the real-images floor of the Fréchet distance (all of
# each set's: 500 digits, 500 letters, 179 colour images).
FLOOR_IMAGES = 1000

_SETS = flags.DEFINE_list("sets", list(quality_sets.NAMES), "Data sets.")
_RECIPES = flags.DEFINE_list("recipes", list(RECIPES), "Recipes to run.")
_QUALITY_SET = quality_sets.define_folder_flags()
_WORK = flags.DEFINE_string(
  "work", None, "Where runs and exports go (kept: a rerun continues)."
)
_HELDOUT = flags.DEFINE_integer("heldout", 100, "Held-out images scored.")
_EXTRA = flags.DEFINE_list(
  "train_flags", [], "More dcgan-train flags for every run, e.g. max_steps."
)


def train_and_export(qset, recipe, work):
  """Trains and exports one run unless its export exists; returns
  (export dir, training seconds or None when it was there)."""
  run_dir = os.path.join(work, qset.name, recipe)
  export_dir = os.path.join(run_dir, "export")
  if os.path.isdir(os.path.join(export_dir, "generator")):
    return export_dir, None
  args = [
    "--config=mnist32",
    f"--dataset={qset.dataset}",
    f"--channels={qset.channels}",
    f"--workdir={os.path.join(run_dir, 'train')}",
  ]
  args += [f"--config.{k}={v}" for k, v in RECIPES[recipe].items()]
  args += [f"--{flag}" for flag in _EXTRA.value]
  started = time.perf_counter()
  _run(["training.main", *args], os.path.join(run_dir, "train.log"))
  seconds = time.perf_counter() - started
  _run(
    [
      "export.main",
      f"--workdir={os.path.join(run_dir, 'train')}",
      f"--export_dir={export_dir}",
    ],
    os.path.join(run_dir, "export.log"),
  )
  return export_dir, seconds


def _run(module_and_args, log_path):
  os.makedirs(os.path.dirname(log_path), exist_ok=True)
  with open(log_path, "a") as log:
    result = subprocess.run(
      [sys.executable, "-m", *module_and_args], stdout=log, stderr=log
    )
  if result.returncode:
    raise SystemExit(f"{module_and_args[0]} failed: see {log_path}")


def score(export_dir, qset, scorer, heldout):
  """{"frechet", "lead_db": {mask: dB}, "psnr": {mask: ours dB}}."""
  gan = load_exported_gan(export_dir)
  completer = complete.Completer(gan, default_config(gan.encode is not None))
  leads, ours = {}, {}
  for spec in MASKS:
    masks = masks_lib.make_masks([spec], len(heldout), gan.image_size)
    row, _ = evaluation.compare_methods(completer, heldout, masks)
    name = spec.split(":")[0]
    ours[name] = row["ours"]["psnr"]
    leads[name] = ours[name] - max(
      row[m]["psnr"] for m in evaluation.METHODS if m != "ours"
    )
  return {
    "frechet": scorer.score_generator(gan.generate, gan.z_dim),
    "lead_db": leads,
    "psnr": ours,
  }


def main(argv):
  del argv
  from training import frechet

  if not _WORK.value:
    raise SystemExit("generator_recipes: --work is required")
  unknown = sorted(set(_RECIPES.value) - set(RECIPES))
  if unknown:
    raise SystemExit(f"--recipes: unknown {unknown}; known: {list(RECIPES)}")
  results = {}
  for name in _SETS.value:
    qset = _QUALITY_SET(name)
    images, labels = qset.training_images(32)
    scorer = frechet.FrechetScorer(images, labels)
    heldout = qset.heldout(_HELDOUT.value, 32)
    # Every held-out image: a distance from few samples is biased upwards.
    floor = scorer.score_images(qset.heldout(FLOOR_IMAGES, 32))
    results[name] = {}
    for recipe in _RECIPES.value:
      export_dir, seconds = train_and_export(qset, recipe, _WORK.value)
      row = score(export_dir, qset, scorer, heldout)
      row.update(frechet_heldout=floor, train_seconds=seconds)
      results[name][recipe] = row
      _print_row(name, recipe, row)
  print(json.dumps(results, sort_keys=True))


def _print_row(name, recipe, row):
  leads = " ".join(f"{row['lead_db'][m]:+6.2f}" for m in row["lead_db"])
  seconds = row["train_seconds"]
  print(
    f"{name:8s} {recipe:14s} FD {row['frechet']:7.2f} "
    f"(held-out {row['frechet_heldout']:5.2f})  leads c/h/r {leads}  "
    f"train {'-' if seconds is None else f'{seconds:.0f} s'}",
    flush=True,
  )


if __name__ == "__main__":
  np.set_printoptions(precision=3)
  app.run(main)
