"""Shared set-up of the benchmarks: a trained mnist32 export, held-out data."""

import contextlib
import os
import tempfile

from absl import logging


def mnist32_run(root, train_steps):
  """Trains mnist32 as the demo does (its batch size and encoder steps) for
  `train_steps`, in root, and exports it; returns (workdir, export_dir)."""
  from demo.config import DemoConfig
  from export import exporter
  from training import config as config_lib
  from training import train as train_lib

  workdir, export_dir = os.path.join(root, "train"), os.path.join(root, "e")
  logging.info("Training mnist32 for %d steps to benchmark it", train_steps)
  demo = DemoConfig()
  config = config_lib.get_config(
    "mnist32",
    max_steps=train_steps,
    batch_size=demo.batch_size,
    encoder_steps=demo.encoder_steps,
  )
  train_lib.train(config, workdir)
  exporter.export_models(workdir, export_dir)
  return workdir, export_dir


def mnist32_export(root, train_steps):
  """The export dir of `mnist32_run`."""
  return mnist32_run(root, train_steps)[1]


def export_or_train(model_dir, root, train_steps):
  """`model_dir` if given, else the export of `mnist32_run` in root."""
  return model_dir or mnist32_export(root, train_steps)


@contextlib.contextmanager
def exported_gans(model_dir, train_steps):
  """`exported_gan` for a --model_dir that may name an ensemble's exports
  (comma-separated): yields the list of loaded members."""
  from inpainting.saved_models import load_exports

  with _export_dir(model_dir, train_steps) as export_dir:
    yield load_exports(export_dir)


@contextlib.contextmanager
def exported_gan(model_dir, train_steps):
  """Yields the reloaded export of `model_dir`, or of an mnist32 trained for
  `train_steps` in a temporary folder (removed on exit)."""
  from inpainting.saved_models import load_exported_gan

  with _export_dir(model_dir, train_steps) as export_dir:
    yield load_exported_gan(export_dir)


@contextlib.contextmanager
def _export_dir(model_dir, train_steps):
  """`model_dir`, or an mnist32 export trained in a temporary folder that
  is removed on exit."""
  with tempfile.TemporaryDirectory() as root:
    yield export_or_train(model_dir, root, train_steps)


def new_output_dir(prog, argv, out_flag):
  """--out's path for a data-set builder: fails (exit 2, one line) on extra
  arguments, a missing --out, or an --out that is not an empty folder."""
  from common import cli

  if len(argv) > 1:
    cli.fail(prog, f"unexpected arguments: {' '.join(argv[1:])}")
  if not out_flag:
    cli.fail(prog, "--out is required")
  out = os.path.expanduser(out_flag)
  if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
    cli.fail(prog, f"--out={out}: exists and is not an empty directory")
  return out
