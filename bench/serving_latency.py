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

_MODEL_DIR = flags.DEFINE_string("model_dir", None, "Export dir (optional).")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed calls per batch size.")
_BATCHES = flags.DEFINE_list("batch_sizes", ["1", "64"], "Batch sizes.")


def fresh_mnist32_export(root):
  from export import exporter  # pylint: disable=import-outside-toplevel
  from training import config as config_lib  # pylint: disable=import-outside-toplevel
  from training import train as train_lib  # pylint: disable=import-outside-toplevel
  workdir, export_dir = os.path.join(root, "train"), os.path.join(root, "e")
  train_lib.train(config_lib.get_config("mnist32", max_steps=1), workdir)
  exporter.export_models(workdir, export_dir)
  return export_dir


def latest_completer(export_dir):
  base = os.path.join(export_dir, "completer")
  version = max(int(v) for v in os.listdir(base) if v.isdigit())
  return os.path.join(base, str(version))


def main(argv):
  del argv
  with tempfile.TemporaryDirectory() as root:
    export_dir = _MODEL_DIR.value or fresh_mnist32_export(root)
    path = latest_completer(export_dir)
    serve = tf.saved_model.load(path).signatures["serving_default"]
    height, width, channels = _image_size(path)
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


def _image_size(completer_path):
  """[H, W, C] from the completer's warm-up request (a real served input)."""
  from tensorflow_serving.apis import prediction_log_pb2  # pylint: disable=import-outside-toplevel
  from export.warmup import WARMUP_FILE  # pylint: disable=import-outside-toplevel
  record = next(iter(tf.data.TFRecordDataset(
      os.path.join(completer_path, WARMUP_FILE)).as_numpy_iterator()))
  log = prediction_log_pb2.PredictionLog.FromString(record)
  shape = log.predict_log.request.inputs["images"].tensor_shape.dim
  return [d.size for d in shape][1:]


if __name__ == "__main__":
  app.run(main)
