r"""Hole PSNR of the default completion beside search settings, on held-out
images of a quality set.

  python -m bench.search_sweep --set=letters --letters_dir=/tmp/letters \
      --model_dir=EXPORT --variants='anchor_weight=0;anchor_weight=1'
  python -m bench.search_sweep ... --skip=100 --count=400

Each variant is SearchConfig fields over the export's defaults
(`default_config`), `k=v,k=v`; the first row is the defaults themselves.
Every row completes the same images under the same masks (one seed), so
the columns compare side by side. `--skip` leaves out the first images of
the set's held-out spread: the recipe bench and `completion_quality` score
the first 100, so a setting chosen on those can be checked on others. The
last line is JSON: {variant: {mask: mean hole PSNR}}.
"""

import dataclasses
import json
import time

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import numpy as np
from absl import app, flags

from bench import quality_sets
from common import masks as masks_lib
from inpainting import complete
from inpainting.saved_models import load_exported_gan
from inpainting.search_config import default_config

_SET = flags.DEFINE_enum("set", "digits", quality_sets.NAMES, "Data set.")
_QUALITY_SET = quality_sets.define_folder_flags()
_MODEL_DIR = flags.DEFINE_string("model_dir", None, "Export dir.")
_SKIP = flags.DEFINE_integer("skip", 0, "Held-out images left out first.")
_COUNT = flags.DEFINE_integer("count", 100, "Held-out images scored.")
_MASKS = flags.DEFINE_list(
  "masks",
  ["center", "half:left", "random:0.8", "irregular:4", "grid"],
  "Mask specs; each gets a column.",
)
_VARIANTS = flags.DEFINE_string(
  "variants", "", "';'-separated variants, each 'field=value,...'."
)


def parse_variant(text, defaults):
  """'k=v,k=v' -> {field: value of the field's type}."""
  fields = {f.name for f in dataclasses.fields(defaults)}
  overrides = {}
  for item in filter(None, text.split(",")):
    name, _, value = item.partition("=")
    if name not in fields or not value:
      raise SystemExit(f"--variants: {item!r} is not FIELD=VALUE of a field")
    kind = type(getattr(defaults, name))
    overrides[name] = kind(value)
  return overrides


def main(argv):
  del argv
  if not _MODEL_DIR.value:
    raise SystemExit("search_sweep: --model_dir is required")
  gan = load_exported_gan(_MODEL_DIR.value)
  defaults = default_config(gan.encode is not None)
  variants = ["defaults"] + list(filter(None, _VARIANTS.value.split(";")))
  configs = {
    name: (
      defaults
      if name == "defaults"
      else dataclasses.replace(defaults, **parse_variant(name, defaults))
    )
    for name in variants
  }
  images = _QUALITY_SET(_SET.value).heldout(
    _COUNT.value, gan.image_size, skip=_SKIP.value
  )
  masks = {
    spec: masks_lib.make_masks([spec], len(images), gan.image_size)
    for spec in _MASKS.value
  }
  print(f"{_SET.value}: {len(images)} held-out images after {_SKIP.value}")
  results = {}
  for name, config in configs.items():
    completer = complete.Completer(gan, config)
    started = time.perf_counter()
    row = {}
    for spec, mask in masks.items():
      blended = completer(images, mask).blended
      row[spec] = float(
        np.mean(complete.evaluate(images, blended, mask)["hole_psnr"])
      )
    results[name] = row
    cells = "  ".join(
      f"{spec.split(':')[0]} {psnr:6.2f}" for spec, psnr in row.items()
    )
    print(
      f"{name:32s} {cells}  ({time.perf_counter() - started:.0f} s)",
      flush=True,
    )
  print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
  app.run(main)
