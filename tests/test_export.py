"""Exported SavedModels: layout, versions, signatures, reload equality."""

import os

import numpy as np
import pytest
import tensorflow as tf

from export import exporter
from export.versions import ExportError
from tests.conftest import cli


def test_layout_and_signatures(tiny_export):
  workdir, export_dir = tiny_export
  assert sorted(os.listdir(export_dir)) == ["completer", "discriminator",
                                            "generator", "models.config"]
  config = open(os.path.join(export_dir, "models.config")).read()
  for name in ("generator", "discriminator", "completer"):
    assert f'name: "{name}"' in config
    assert f'base_path: "/models/{name}"' in config
  generator = tf.saved_model.load(os.path.join(export_dir, "generator", "1"))
  signature = generator.signatures["serving_default"]
  assert signature.structured_input_signature[1]["z"].shape.as_list() == [
      None, 8]
  images = signature(z=tf.zeros((3, 8)))["images"]
  assert images.shape == (3, 16, 16, 1) and images.dtype == tf.float32

  # The reloaded SavedModels compute what the restored Keras models compute.
  g, d, step = exporter.restore_networks(workdir)
  assert step == 3
  z = tf.random.uniform((4, 8), -1, 1, seed=3)
  np.testing.assert_allclose(signature(z=z)["images"].numpy(),
                             g(z, training=False).numpy(), atol=1e-5)
  discriminator = tf.saved_model.load(
      os.path.join(export_dir, "discriminator", "1"))
  logits = discriminator.signatures["serving_default"](
      images=g(z))["logits"]
  np.testing.assert_allclose(logits.numpy(), d(g(z)).numpy(), atol=1e-5)


def test_versions_increase_and_are_never_overwritten(tiny_export, tmp_path):
  workdir, _ = tiny_export
  export_dir = str(tmp_path / "e")
  assert exporter.export_models(workdir, export_dir).version == 1
  assert exporter.export_models(workdir, export_dir).version == 2
  before = os.path.getmtime(os.path.join(export_dir, "generator", "1",
                                         "saved_model.pb"))
  with pytest.raises(ExportError, match="already exists"):
    exporter.export_models(workdir, export_dir, version=1)
  assert os.path.getmtime(os.path.join(export_dir, "generator", "1",
                                       "saved_model.pb")) == before
  assert exporter.export_models(workdir, export_dir, version=7).version == 7
  # No staging directories are left behind.
  assert sorted(os.listdir(export_dir)) == ["completer", "discriminator",
                                            "generator", "models.config"]
  for name in ("generator", "discriminator", "completer"):
    assert sorted(os.listdir(os.path.join(export_dir, name))) == ["1", "2",
                                                                  "7"]


def test_export_cli_errors(tmp_path):
  empty = tmp_path / "not_a_workdir"
  empty.mkdir()
  result = cli("export.main", f"--workdir={empty}",
               f"--export_dir={tmp_path / 'e'}")
  assert result.returncode == 2 and "Traceback" not in result.stderr
  assert result.stderr.strip().splitlines()[-1].startswith(
      "dcgan-export: error: ")
  assert "config.json: not found" in result.stderr
  assert not (tmp_path / "e").exists()


def test_generator_and_discriminator_run_in_tf1_session(tiny_export):
  # TensorFlow Serving loads SavedModels like this, not like tf.saved_model.
  export_dir = tiny_export[1]
  for name, feeds in (("generator", {"z": np.zeros((2, 8), np.float32)}),
                      ("discriminator",
                       {"images": np.zeros((2, 16, 16, 1), np.float32)})):
    with tf.compat.v1.Session(graph=tf.Graph()) as sess:
      meta = tf.compat.v1.saved_model.loader.load(
          sess, ["serve"], os.path.join(export_dir, name, "1"))
      signature = meta.signature_def["serving_default"]
      out = sess.run({k: v.name for k, v in signature.outputs.items()},
                     {signature.inputs[k].name: v for k, v in feeds.items()})
      assert all(np.all(np.isfinite(v)) for v in out.values())
