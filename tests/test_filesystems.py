"""Every user path may be any TensorFlow file system's: the whole chain
train -> export -> complete on file:// URLs across processes, and on
TensorFlow's in-memory ram:// file system inside one process. Nothing may
land in a local folder named after the URL's scheme ("file:", "ram:")."""

import json
import os
import uuid

import numpy as np
import pytest
import tensorflow as tf

from common import files, owners
from tests.conftest import REPO, cli, write_noise_images

FAST = ("--steps=3", "--pool_size=4", "--restarts=1")
KINDS = ("completed", "blended", "generated", "masks")


def _no_scheme_folders(*folders):
  for folder in folders:
    for scheme in ("file:", "ram:", "gs:"):
      assert not os.path.exists(os.path.join(folder, scheme)), (
        f"a local {scheme} folder appeared in {folder}"
      )


def _ok(result):
  assert result.returncode == 0, result.stderr[-3000:]
  return result


def _write_inputs(folder, count=2):
  names = [f"in{i}.png" for i in range(count)]
  write_noise_images(folder, names, (20, 24, 1), seed=5)


@pytest.mark.slow
def test_file_urls_train_export_and_complete_across_processes(
  tmp_path, monkeypatch
):
  monkeypatch.chdir(tmp_path)  # A stray relative "file:" would land here.
  url = f"file://{tmp_path}"
  _write_inputs(str(tmp_path / "in"))
  _ok(
    cli("training.main", "--config=tiny", f"--workdir={url}/w", "--max_steps=2")
  )
  assert (tmp_path / "w" / "config.json").is_file()
  assert (tmp_path / "w" / "samples" / "step_0000002.png").is_file()
  assert not (tmp_path / "w" / "trainer.lock").exists()
  # dcgan-export's own flag check still asks os.path (see
  # test_export_cli_accepts_a_file_url_workdir); the library takes the URL.
  from export import exporter

  exporter.export_models(f"{url}/w", f"{url}/e")
  assert (tmp_path / "e" / "models.config").is_file()
  assert (tmp_path / "e" / "completer" / "1" / "saved_model.pb").is_file()
  result = _ok(
    cli(
      "inpainting.main",
      f"--model_dir={url}/e",
      f"--images={url}/in",
      "--mask=center",
      f"--out={url}/out",
      "--full_resolution",
      *FAST,
    )
  )
  assert "Wrote 2 completions" in result.stdout
  for kind in KINDS:
    assert sorted(os.listdir(tmp_path / "out" / kind)) == ["in0.png", "in1.png"]
  assert (tmp_path / "out" / "full_resolution" / "in0.png").is_file()
  report = json.loads((tmp_path / "out" / "metrics.json").read_text())
  assert report["images"][0]["file"] == f"{url}/in/in0.png"
  assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
  _no_scheme_folders(REPO, str(tmp_path))


@pytest.mark.slow
def test_export_cli_accepts_a_file_url_workdir(tiny_export, tmp_path):
  workdir, _ = tiny_export
  _ok(
    cli(
      "export.main",
      f"--workdir=file://{workdir}",
      f"--export_dir=file://{tmp_path}/e",
    )
  )
  _no_scheme_folders(REPO)


def _write_ram_png(path, array):
  # ram:// lists only folders made explicitly (object stores list implied
  # ones too).
  tf.io.gfile.makedirs(os.path.dirname(path))
  with tf.io.gfile.GFile(path, "wb") as f:
    f.write(tf.io.encode_png(np.asarray(array, np.uint8)).numpy())


def test_ram_file_system_train_export_complete_in_one_process():
  from common import image_files
  from export import exporter
  from inpainting import complete, saved_models
  from inpainting.search import SearchConfig
  from training import train as train_lib
  from training.config import get_config

  root = f"ram://fs-{uuid.uuid4().hex}"
  workdir, export_dir = f"{root}/w", f"{root}/e"
  result = train_lib.train(get_config("tiny", max_steps=2), workdir)
  assert result.step == 2
  assert files.exists(f"{workdir}/config.json")
  assert files.exists(f"{workdir}/samples/step_0000002.png")
  assert files.exists(f"{workdir}/checkpoints/checkpoint")
  assert not files.exists(f"{workdir}/trainer.lock")
  assert tf.io.gfile.glob(f"{workdir}/**/events.out.tfevents*") + (
    tf.io.gfile.glob(f"{workdir}/events.out.tfevents*")
  )

  exported = exporter.export_models(workdir, export_dir)
  assert exported.version == 1
  assert files.exists(f"{export_dir}/models.config")
  for name in saved_models.EXPORTED_MODELS:
    assert files.exists(f"{export_dir}/{name}/1/saved_model.pb")
    assert files.exists(f"{export_dir}/{name}/1/variables/variables.index")
  # Nothing of the staging folder is left (ram:// renames file by file).
  assert [n for n in files.listdir(export_dir) if n.startswith(".")] == []

  gan = saved_models.load_exported_gan(export_dir)
  rng = np.random.default_rng(0)
  photo = rng.integers(0, 256, (30, 20, 3))
  _write_ram_png(f"{root}/in/a/x.png", photo)
  _write_ram_png(f"{root}/in/y.png", rng.integers(0, 256, (16, 16, 1)))
  report = complete.complete_files(
    gan,
    f"{root}/in",
    ["center"],
    f"{root}/out",
    SearchConfig(steps=3, pool_size=4, restarts=1),
    full_resolution=True,
  )
  assert [image["name"] for image in report["images"]] == ["a/x", "y"]
  for kind in KINDS:
    assert files.exists(f"{root}/out/{kind}/a/x.png")
    assert files.exists(f"{root}/out/{kind}/y.png")
  assert files.exists(f"{root}/out/figure.png")
  full = image_files.read_pixels(f"{root}/out/full_resolution/a/x.png").numpy()
  assert full.shape == photo.shape
  assert [n for n in files.listdir(root) if n.startswith(".")] == []
  # --out already holds results: refused, nothing replaced.
  with pytest.raises(Exception, match="is not empty"):
    complete.complete_files(gan, f"{root}/in", ["center"], f"{root}/out")
  _no_scheme_folders(REPO, os.getcwd())


def test_atomic_write_and_remove_abandoned_on_ram():
  root = f"ram://aw-{uuid.uuid4().hex}"
  files.makedirs(root)
  files.atomic_write(f"{root}/a.json", "1")
  files.atomic_write(f"{root}/a.json", "2")
  assert files.read(f"{root}/a.json") == "2"
  # A dead writer's staging folder goes; a live one's and others stay.
  dead = f"{root}/.stage-{owners.HOST}.999999999.None"
  live = f"{root}/{owners.owned_name('.stage-')}"
  for folder in (dead, live):
    files.makedirs(f"{folder}/sub")
    files.atomic_write(f"{folder}/sub/f", "x")
  assert owners.remove_abandoned(root, ".stage-") == [dead]
  assert not files.exists(f"{dead}/sub/f")
  assert files.exists(f"{live}/sub/f")
  assert sorted(files.listdir(root)) == sorted(
    ["a.json", os.path.basename(live)]
  )
  with pytest.raises(FileNotFoundError):
    files.listdir(f"{root}/missing")
