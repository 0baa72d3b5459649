r"""Latency of the completer SavedModel's serving_default, batch 1 and 64.

  python bench/serving_latency.py                      # exports a fresh mnist32
  python bench/serving_latency.py --model_dir=E        # an existing export

Loads E/completer/<latest> the way a server would (tf.saved_model.load), runs
one warm-up call per batch size, then times `--repeats` calls and reports the
median. Without --model_dir it trains mnist32 for one step and exports it:
latency does not depend on how well the weights are trained. The last line
is a JSON object.
"""

import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inpainting import cpu_env  # noqa: F401,E402  (must precede TensorFlow)

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench import common  # noqa: E402
from inpainting.saved_models import load_exported_gan  # noqa: E402

_MODEL_DIR = flags.DEFINE_string("model_dir", None, "Export dir (optional).")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed calls per batch size.")
_BATCHES = flags.DEFINE_list("batch_sizes", ["1", "64"], "Batch sizes.")


def main(argv):
  del argv
  with tempfile.TemporaryDirectory() as root:
    export_dir = _MODEL_DIR.value or common.mnist32_export(root, 1)
    gan = load_exported_gan(export_dir)
    height = width = gan.image_size
    channels = gan.channels
    path = os.path.join(export_dir, "completer", str(gan.version))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    results = {"model": path, "cpu_count": os.cpu_count(),
               "devices": [d.device_type for d in
                           tf.config.list_logical_devices()]}
    for batch in [int(b) for b in _BATCHES.value]:
      rng = np.random.default_rng(0)
      images = tf.constant(
          rng.uniform(-1, 1, (batch, height, width, channels)), tf.float32)
      masks = np.ones((batch, height, width, 1), np.float32)
      quarter = height // 4
      masks[:, quarter:-quarter, quarter:-quarter] = 0
      masks = tf.constant(masks)
      serve(images=images, masks=masks)  # warm-up, as TF Serving does
      timings = []
      for _ in range(_REPEATS.value):
        started = time.perf_counter()
        serve(images=images, masks=masks)["blended"].numpy()
        timings.append(time.perf_counter() - started)
      median = statistics.median(timings)
      results[f"latency_s_batch{batch}"] = median
      results[f"images_per_s_batch{batch}"] = batch / median
      print(f"batch {batch:3d}: median {median:.3f} s over {len(timings)} "
            f"calls ({batch / median:.1f} images/s); all: "
            + ", ".join(f"{t:.3f}" for t in timings))
    print(json.dumps(results))


if __name__ == "__main__":
  app.run(main)
