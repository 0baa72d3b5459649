"""Shared helpers: tiny configs, CLI subprocesses, image files."""

import glob
import os
import socket
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")


def _split_cpu_into_two_devices():
  # MirroredStrategy tests need two replicas; a CPU can be split into logical
  # devices only before TensorFlow's runtime starts, i.e. here, first.
  import tensorflow as tf

  cpu = tf.config.list_physical_devices("CPU")[0]
  tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
  )


_split_cpu_into_two_devices()


def subprocess_env(**extra):
  env = dict(os.environ)
  env.pop("TF_CONFIG", None)  # a cluster of the machine running the tests
  env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
  env.update(extra)
  return env


def cli(module, *args, timeout=300, **popen_kwargs):
  """Runs `python -m module args` to completion; returns CompletedProcess."""
  return _run_python(["-m", module, *args], timeout, popen_kwargs)


def export_completer(workdir, export_dir, *flags):
  """Runs dcgan-export with `flags`; returns its completer's version dir."""
  result = cli(
    "export.main", f"--workdir={workdir}", f"--export_dir={export_dir}", *flags
  )
  assert result.returncode == 0, result.stderr[-3000:]
  return os.path.join(str(export_dir), "completer", "1")


def run_python(code, timeout=300, **popen_kwargs):
  """Runs `python -c code` to completion; returns CompletedProcess."""
  return _run_python(["-c", code], timeout, popen_kwargs)


def _run_python(args, timeout, popen_kwargs):
  popen_kwargs.setdefault("env", subprocess_env())
  return subprocess.run(
    [sys.executable, *args],
    capture_output=True,
    text=True,
    timeout=timeout,
    cwd=REPO,
    **popen_kwargs,
  )


def start_cli(module, *args, log_path):
  """Starts `python -m module args` with stdout+stderr into log_path."""
  log = open(log_path, "w")
  return subprocess.Popen(
    [sys.executable, "-m", module, *args],
    stdout=log,
    stderr=subprocess.STDOUT,
    env=subprocess_env(),
    cwd=REPO,
  )


def wait_for(predicate, timeout, what):
  """Polls `predicate` until it holds; fails the test after `timeout` s."""
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if predicate():
      return
    time.sleep(0.02)
  raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def free_port():
  """A TCP port on 127.0.0.1 that nothing listens on right now."""
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def write_image(path, array):
  """Writes uint8 [H, W, C] as PNG or JPEG by the file's extension."""
  import tensorflow as tf

  array = np.asarray(array, np.uint8)
  encoded = (
    tf.io.encode_png(array)
    if path.endswith(".png")
    else tf.io.encode_jpeg(array)
  )
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, "wb") as f:
    f.write(encoded.numpy())


def write_noise_images(folder, names, shape, seed):
  """Uniform-noise uint8 images of `shape`, one as folder/NAME per name."""
  rng = np.random.default_rng(seed)
  for name in names:
    write_image(os.path.join(folder, name), rng.integers(0, 256, shape))


def gray_png(width, height) -> bytes:
  """A real all-black grayscale PNG, compressed row by row without NumPy: a
  huge one is small on disk but would take width*height bytes decoded."""

  def chunk(kind, data):
    return (
      struct.pack(">I", len(data))
      + kind
      + data
      + struct.pack(">I", zlib.crc32(kind + data))
    )

  compressor = zlib.compressobj(9)
  row = bytes(width + 1)  # filter byte 0, then black pixels
  idat = b"".join(
    [compressor.compress(row) for _ in range(height)] + [compressor.flush()]
  )
  return (
    b"\x89PNG\r\n\x1a\n"
    + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", idat)
    + chunk(b"IEND", b"")
  )


@pytest.fixture
def tiny_config():
  from training.config import get_config

  def make(**overrides):
    return get_config("tiny", **overrides)

  return make


def summary_values(workdir, plugin):
  """[(step, tf.Summary.Value)] of one TensorBoard plugin in workdir."""
  import tensorflow as tf

  values = []
  # The trainer writes under workdir/train/ (TensorBoard's run "train").
  for path in sorted(
    glob.glob(
      os.path.join(workdir, "**", "events.out.tfevents*"), recursive=True
    )
  ):
    for event in tf.compat.v1.train.summary_iterator(path):
      values.extend(
        (event.step, value)
        for value in event.summary.value
        if value.metadata.plugin_data.plugin_name == plugin
      )
  return values


def read_scalars(workdir):
  """{tag: {step: value}} from the TensorBoard event files in workdir."""
  import tensorflow as tf

  scalars = {}
  for step, value in summary_values(workdir, "scalars"):
    scalars.setdefault(value.tag, {})[step] = float(
      tf.make_ndarray(value.tensor)
    )
  return scalars


def checkpoint_step(path):
  """The step a checkpoint file holds (its saved `step` variable)."""
  import tensorflow as tf

  return int(
    tf.train.load_checkpoint(path).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")
  )


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory):
  """(workdir, export_dir) of a tiny model trained 3 steps and exported."""
  from export import exporter
  from training import train as train_lib
  from training.config import get_config

  root = tmp_path_factory.mktemp("tiny_export")
  workdir, export_dir = str(root / "train"), str(root / "export")
  train_lib.train(get_config("tiny", max_steps=3), workdir)
  exporter.export_models(workdir, export_dir)
  return workdir, export_dir
