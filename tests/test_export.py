"""Exported SavedModels: layout, versions, signatures, reload equality."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from export import exporter, restore
from export.signatures import MAX_SAMPLE_COUNT
from export.versions import ExportError
from tests.conftest import REPO, cli, subprocess_env


def test_layout_and_signatures(tiny_export):
  workdir, export_dir = tiny_export
  assert sorted(os.listdir(export_dir)) == [
    "completer",
    "discriminator",
    "generator",
    "models.config",
  ]
  config = open(os.path.join(export_dir, "models.config")).read()
  for name in ("generator", "discriminator", "completer"):
    assert f'name: "{name}"' in config
    assert f'base_path: "/models/{name}"' in config
  generator = tf.saved_model.load(os.path.join(export_dir, "generator", "1"))
  signature = generator.signatures["serving_default"]
  assert signature.structured_input_signature[1]["z"].shape.as_list() == [
    None,
    8,
  ]
  images = signature(z=tf.zeros((3, 8)))["images"]
  assert images.shape == (3, 16, 16, 1) and images.dtype == tf.float32

  # The reloaded SavedModels compute what the restored Keras models compute.
  run = restore.restore_networks(workdir)
  g, d, step = run.generator, run.discriminator, run.step
  assert step == 3
  z = tf.random.uniform((4, 8), -1, 1, seed=3)
  np.testing.assert_allclose(
    signature(z=z)["images"].numpy(), g(z, training=False).numpy(), atol=1e-5
  )
  discriminator = tf.saved_model.load(
    os.path.join(export_dir, "discriminator", "1")
  )
  logits = discriminator.signatures["serving_default"](images=g(z))["logits"]
  np.testing.assert_allclose(logits.numpy(), d(g(z)).numpy(), atol=1e-5)


def test_versions_increase_and_are_never_overwritten(tiny_export, tmp_path):
  workdir, _ = tiny_export
  export_dir = str(tmp_path / "e")
  assert exporter.export_models(workdir, export_dir).version == 1
  assert exporter.export_models(workdir, export_dir).version == 2
  before = os.path.getmtime(
    os.path.join(export_dir, "generator", "1", "saved_model.pb")
  )
  with pytest.raises(ExportError, match="already exists"):
    exporter.export_models(workdir, export_dir, version=1)
  assert (
    os.path.getmtime(
      os.path.join(export_dir, "generator", "1", "saved_model.pb")
    )
    == before
  )
  assert exporter.export_models(workdir, export_dir, version=7).version == 7
  # No staging directories are left behind.
  assert sorted(os.listdir(export_dir)) == [
    "completer",
    "discriminator",
    "generator",
    "models.config",
  ]
  for name in ("generator", "discriminator", "completer"):
    assert sorted(os.listdir(os.path.join(export_dir, name))) == ["1", "2", "7"]


@pytest.mark.slow
def test_export_cli_errors(tmp_path):
  empty = tmp_path / "not_a_workdir"
  empty.mkdir()
  result = cli(
    "export.main", f"--workdir={empty}", f"--export_dir={tmp_path / 'e'}"
  )
  assert result.returncode == 2 and "Traceback" not in result.stderr
  assert (
    result.stderr.strip().splitlines()[-1].startswith("dcgan-export: error: ")
  )
  assert "config.json: not found" in result.stderr
  assert not (tmp_path / "e").exists()


def test_generator_and_discriminator_run_in_tf1_session(tiny_export):
  # TensorFlow Serving loads SavedModels like this, not like tf.saved_model.
  export_dir = tiny_export[1]
  for name, signature_name, feeds, batch in (
    ("generator", "serving_default", {"z": np.zeros((2, 8), np.float32)}, 2),
    ("generator", "sample", {"count": np.int32(3), "seed": np.int64(4)}, 3),
    (
      "discriminator",
      "serving_default",
      {"images": np.zeros((2, 16, 16, 1), np.float32)},
      2,
    ),
  ):
    with tf.compat.v1.Session(graph=tf.Graph()) as sess:
      meta = tf.compat.v1.saved_model.loader.load(
        sess, ["serve"], os.path.join(export_dir, name, "1")
      )
      signature = meta.signature_def[signature_name]
      out = sess.run(
        {k: v.name for k, v in signature.outputs.items()},
        {signature.inputs[k].name: v for k, v in feeds.items()},
      )
      assert all(np.all(np.isfinite(v)) for v in out.values())
      assert all(len(v) == batch for v in out.values()), signature_name


@pytest.fixture(scope="module")
def generator(tiny_export):
  return tf.saved_model.load(os.path.join(tiny_export[1], "generator", "1"))


def test_sample_draws_z_uniform_in_the_prior(generator):
  sample = generator.signatures["sample"]
  specs = sample.structured_input_signature[1]
  assert (specs["count"].dtype, specs["count"].shape.rank) == (tf.int32, 0)
  assert (specs["seed"].dtype, specs["seed"].shape.rank) == (tf.int64, 0)
  first = sample(
    count=tf.constant(MAX_SAMPLE_COUNT), seed=tf.constant(7, tf.int64)
  )
  again = sample(
    count=tf.constant(MAX_SAMPLE_COUNT), seed=tf.constant(7, tf.int64)
  )
  other = sample(
    count=tf.constant(MAX_SAMPLE_COUNT), seed=tf.constant(8, tf.int64)
  )
  np.testing.assert_array_equal(
    first["images"].numpy(), again["images"].numpy()
  )
  assert not np.array_equal(first["z"].numpy(), other["z"].numpy())
  z = first["z"].numpy()
  assert z.shape == (MAX_SAMPLE_COUNT, 8) and z.dtype == np.float32
  assert z.min() >= -1.0 and z.max() <= 1.0
  # Spread over the whole interval, not a corner of it (64 x 8 draws).
  assert z.min() < -0.9 and z.max() > 0.9 and abs(z.mean()) < 0.1
  # images = G(z): the same as serving_default on the returned z.
  np.testing.assert_allclose(
    first["images"].numpy(),
    generator.signatures["serving_default"](z=first["z"])["images"].numpy(),
    atol=1e-5,
  )


@pytest.mark.parametrize("count", [0, -1, MAX_SAMPLE_COUNT + 1, 2**31 - 1])
def test_sample_refuses_a_bad_count(generator, count):
  with pytest.raises(
    tf.errors.InvalidArgumentError,
    match=f"count={count} must be between 1 and {MAX_SAMPLE_COUNT} images",
  ):
    generator.signatures["sample"](
      count=tf.constant(count, tf.int32), seed=tf.constant(0, tf.int64)
    )


IMPORT_CHECK = """
import json
import sys
import tensorflow  # noqa: F401  (what TensorFlow itself imports is not ours)
before = set(sys.modules)
import export.exporter, export.main  # noqa: E401,F401
added = set(sys.modules) - before
heavy = sorted(m for m in added
               if m.split(".")[0] in ("matplotlib", "cv2", "skimage"))
ours = sorted(m for m in ("inpainting.complete", "inpainting.figures",
                          "inpainting.baselines", "inpainting.evaluation",
                          "inpainting.metrics", "inpainting.image_io")
              if m in sys.modules)
print(json.dumps([heavy, ours]))
"""


@pytest.mark.slow
def test_export_imports_only_the_pure_tf_part_of_inpainting():
  # A fresh process: this one has imported everything already.
  result = subprocess.run(
    [sys.executable, "-c", IMPORT_CHECK],
    capture_output=True,
    text=True,
    cwd=REPO,
    env=subprocess_env(),
    timeout=300,
  )
  assert result.returncode == 0, result.stderr[-3000:]
  heavy, ours = json.loads(result.stdout.strip().splitlines()[-1])
  assert heavy == [] and ours == [], (heavy, ours)
