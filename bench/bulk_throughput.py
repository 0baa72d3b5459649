r"""Images/s of dcgan-complete-bulk (Beam, DirectRunner) against dcgan-complete.

  python -m bench.bulk_throughput

Trains a small mnist32 export (300 GAN steps and the preset's encoder: the
speed of a completion does not depend on how good the model is), writes
512 digits as PNG files, then completes them with the export's default
search, center holes, batch 64, as whole commands: `dcgan-complete`, and
`dcgan-complete-bulk` with 1 and with 2 worker processes. Two rounds,
interleaved; each command's best round counts. Prints images/s of each and
the pipeline's ratio to dcgan-complete (start-up included: TensorFlow's
import and the model's load, and Beam's workers), and checks that both
wrote the same blended PNGs. The last line is a JSON object.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

import numpy as np

from bench import common

IMAGES = 512
TRAIN_STEPS = 300
ROUNDS = 2
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write_digits(folder: str):
  from common import image_files, pixels
  from models.config import MNIST32
  from training import input_pipeline

  images, _ = input_pipeline.embedded_images(MNIST32)
  os.makedirs(folder)
  for i, image in enumerate(np.asarray(images)[:IMAGES]):
    image_files.write_png(
      os.path.join(folder, f"{i:04d}.png"), pixels.to_uint8(image).numpy()
    )


def _timed(module: str, *args) -> float:
  """Wall seconds of `python -m module args` (fails on a non-zero exit)."""
  started = time.perf_counter()
  result = subprocess.run(
    [sys.executable, "-m", module, *args],
    cwd=REPO,
    capture_output=True,
    text=True,
    check=False,
  )
  seconds = time.perf_counter() - started
  if result.returncode:
    raise SystemExit(f"{module} failed:\n{result.stderr[-3000:]}")
  return seconds


def _same_blended(a: str, b: str) -> bool:
  for name in sorted(os.listdir(os.path.join(a, "blended"))):
    with (
      open(os.path.join(a, "blended", name), "rb") as f,
      open(os.path.join(b, "blended", name), "rb") as g,
    ):
      if f.read() != g.read():
        return False
  return True


def main():
  root = tempfile.mkdtemp(prefix="bulk_throughput_")
  export_dir = common.mnist32_export(root, TRAIN_STEPS)
  images = os.path.join(root, "digits")
  _write_digits(images)
  common_args = [
    f"--model_dir={export_dir}",
    f"--images={images}",
    "--mask=center",
    "--batch_size=64",
  ]
  runs = {
    "dcgan-complete": ("inpainting.main", []),
    "bulk, 1 worker": ("inpainting.bulk_main", ["--workers=1"]),
    "bulk, 2 workers": ("inpainting.bulk_main", ["--workers=2"]),
  }
  best = {name: float("inf") for name in runs}
  outs = {}
  for round_ in range(ROUNDS):
    for i, (name, (module, extra)) in enumerate(runs.items()):
      out = os.path.join(root, f"out-{round_}-{i}")
      outs[name] = out
      seconds = _timed(module, *common_args, f"--out={out}", *extra)
      best[name] = min(best[name], seconds)
      print(f"round {round_ + 1}: {name}: {seconds:.1f} s", flush=True)
  rates = {name: IMAGES / seconds for name, seconds in best.items()}
  reference = rates["dcgan-complete"]
  print(f"\n{'command':<18} {'images/s':>9} {'ratio':>6}")
  for name, rate in rates.items():
    print(f"{name:<18} {rate:9.2f} {rate / reference:6.2f}")
  same = all(
    _same_blended(outs["dcgan-complete"], outs[name])
    for name in runs
    if name != "dcgan-complete"
  )
  print(f"blended PNGs identical to dcgan-complete's: {same}")
  print(
    json.dumps(
      {
        "images": IMAGES,
        "images_per_s": rates,
        "best_bulk_ratio": max(rates[n] for n in runs if n.startswith("bulk"))
        / reference,
        "identical_outputs": same,
      }
    )
  )


if __name__ == "__main__":
  main()
