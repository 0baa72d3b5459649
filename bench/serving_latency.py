r"""Latency and hole PSNR of the served completer, now and as it was.

  python -m bench.serving_latency                  # trains mnist32 first
  python -m bench.serving_latency --workdir=RUN    # a trained run

Exports the run with dcgan-export's defaults (the EMA generator, the
encoder, the default search) and, beside it, the completer as it was before
the encoder: the last weights of the generator and the previous defaults
(300 steps, 2 restarts, a 1,024-z pool, no encoder). Loads both SavedModels
the way a server does (tf.saved_model.load), and for batch 1 and 64 of
held-out digits under a center hole runs one warm-up call, then times
`--repeats` calls of serving_default (median), and scores the hole PSNR of
the batch-64 result. The last line is a JSON object.
"""

import dataclasses
import json
import os
import statistics
import tempfile
import time

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import numpy as np
import tensorflow as tf
from absl import app, flags

from bench import common
from common import masks as masks_lib
from inpainting import metrics
from inpainting.search import SearchConfig
from inpainting.search_config import YEH_PRIOR_WEIGHT

_WORKDIR = flags.DEFINE_string(
  "workdir", None, "A trained run's workdir (default: train mnist32)."
)
_TRAIN_STEPS = flags.DEFINE_integer(
  "train_steps", 1500, "mnist32 steps when no --workdir is given."
)
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed calls per batch size.")
_BATCHES = flags.DEFINE_list("batch_sizes", ["1", "64"], "Batch sizes.")

# The served defaults before the encoder (SearchConfig of that release,
# Yeh et al.'s prior weight included, no anchor, no test-time views).
PREVIOUS_DEFAULTS = SearchConfig(
  steps=300,
  restarts=2,
  learning_rate=0.03,
  pool_size=1024,
  prior_weight=YEH_PRIOR_WEIGHT,
  anchor_weight=0.0,
  views=1,
)


def previous_completer(workdir, path):
  """The completer as exported before: last weights, no encoder, the
  previous search defaults; saved at `path`."""
  from export import completer, restore

  run = restore.restore_networks(workdir, raw_generator=True)
  module = completer.CompleterModule(
    run.generator, run.discriminator, PREVIOUS_DEFAULTS
  )
  tf.saved_model.save(module, path, signatures=module.signatures())
  return path


def time_and_score(serve, images, masks, batch):
  """(median seconds, hole PSNR) of serving_default on the first `batch`."""
  images, masks = tf.constant(images[:batch]), tf.constant(masks[:batch])
  serve(images=images, masks=masks)  # warm-up, as TF Serving does
  timings = []
  for _ in range(_REPEATS.value):
    started = time.perf_counter()
    blended = serve(images=images, masks=masks)["blended"]
    blended.numpy()
    timings.append(time.perf_counter() - started)
  psnr = float(
    np.mean(metrics.image_metrics(images, blended, masks)["hole_psnr"].numpy())
  )
  return statistics.median(timings), psnr, timings


def main(argv):
  del argv
  from demo.run import heldout_subset
  from export import exporter

  with tempfile.TemporaryDirectory() as root:
    if _WORKDIR.value:
      workdir, export_dir = _WORKDIR.value, os.path.join(root, "e")
      exporter.export_models(workdir, export_dir)
    else:
      workdir, export_dir = common.mnist32_run(root, _TRAIN_STEPS.value)
    served = {
      "ours": os.path.join(export_dir, "completer", "1"),
      "previous": previous_completer(workdir, os.path.join(root, "previous")),
    }
    images = heldout_subset(10)[::-1][:64]  # the last digits of each class
    masks = masks_lib.make_masks(["center"], len(images), images.shape[1])
    results = {
      "cpu_count": os.cpu_count(),
      "search": dataclasses.asdict(SearchConfig()),
      "previous_search": dataclasses.asdict(PREVIOUS_DEFAULTS),
    }
    for name, path in served.items():
      serve = tf.saved_model.load(path).signatures["serving_default"]
      prefix = "" if name == "ours" else "previous_"
      for batch in [int(b) for b in _BATCHES.value]:
        median, psnr, timings = time_and_score(serve, images, masks, batch)
        results[f"{prefix}latency_s_batch{batch}"] = median
        results[f"{prefix}hole_psnr_batch{batch}"] = psnr
        print(
          f"{name:8s} batch {batch:3d}: median {median:.3f} s over "
          f"{len(timings)} calls ({batch / median:.1f} images/s), hole "
          f"PSNR {psnr:.2f} dB; all: " + ", ".join(f"{t:.3f}" for t in timings),
          flush=True,
        )
    for batch in [int(b) for b in _BATCHES.value]:
      results[f"speedup_batch{batch}"] = (
        results[f"previous_latency_s_batch{batch}"]
        / results[f"latency_s_batch{batch}"]
      )
    print(json.dumps(results))


if __name__ == "__main__":
  app.run(main)
