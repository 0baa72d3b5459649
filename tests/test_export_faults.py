"""Exports under faults: a kill between renames, others' files, bad input."""

import os
import shutil
import signal
import subprocess
import sys

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from common import owners
from common.errors import InputError, UserError
from export import exporter, versions
from export.versions import ExportError
from inpainting.saved_models import (
  EXPORTED_MODELS,
  complete_versions,
  load_exported_gan,
)
from tests.conftest import REPO, subprocess_env

# dcgan-export that SIGKILLs itself right after the first model is renamed
# out of its staging folder into E/<name>/<N>: the deterministic worst
# moment, a version that one model holds and the others do not.
KILL_AFTER_FIRST_MOVE = """
import os, signal, sys
export_dir, workdir = sys.argv[1:3]
staging = os.path.join(export_dir, ".export-")
real_rename = os.rename

def rename(src, dst, *args, **kwargs):
  real_rename(src, dst, *args, **kwargs)
  if str(src).startswith(staging):
    os.kill(os.getpid(), signal.SIGKILL)

os.rename = rename
sys.argv = ["dcgan-export", "--workdir=" + workdir,
            "--export_dir=" + export_dir]
from export import main
main.run()
"""


def _pinned_versions(export_dir):
  """{model: [versions]} that models.config lets TF Serving load."""
  with open(os.path.join(export_dir, exporter.SERVING_CONFIG_FILE)) as f:
    config = text_format.Parse(
      f.read(), model_server_config_pb2.ModelServerConfig()
    )
  return {
    entry.name: list(entry.model_version_policy.specific.versions)
    for entry in config.model_config_list.config
  }


def _staging_dirs(export_dir):
  return [
    n for n in os.listdir(export_dir) if n.startswith(versions.STAGING_PREFIX)
  ]


def test_models_config_pins_the_latest_complete_version(tiny_export):
  export_dir = tiny_export[1]
  # tiny trains no encoder: the required models only.
  assert _pinned_versions(export_dir) == {name: [1] for name in EXPORTED_MODELS}
  with open(os.path.join(export_dir, exporter.SERVING_CONFIG_FILE)) as f:
    config = text_format.Parse(
      f.read(), model_server_config_pb2.ModelServerConfig()
    )
  assert [
    (c.name, c.base_path, c.model_platform)
    for c in config.model_config_list.config
  ] == [(name, f"/models/{name}", "tensorflow") for name in EXPORTED_MODELS]
  marker = versions.read_marker(os.path.join(export_dir, "completer", "1"))
  assert marker["version"] == 1 and marker["step"] == 3
  assert marker["limits"] == {
    "max_batch": 64,
    "max_steps": 2000,
    "max_restarts": 16,
    "max_png_bytes": 1 << 20,
  }


@pytest.mark.slow
def test_kill_between_renames_leaves_only_complete_versions(
  tiny_export, tmp_path
):
  workdir = tiny_export[0]
  export_dir = str(tmp_path / "e")
  assert exporter.export_models(workdir, export_dir).version == 1

  killed = subprocess.run(
    [sys.executable, "-c", KILL_AFTER_FIRST_MOVE, export_dir, workdir],
    capture_output=True,
    text=True,
    env=subprocess_env(),
    cwd=REPO,
    timeout=300,
  )
  assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
  # The kill came after the generator's move and before the others'.
  assert os.path.isdir(os.path.join(export_dir, "generator", "2"))
  assert not os.path.exists(os.path.join(export_dir, "discriminator", "2"))
  staging = _staging_dirs(export_dir)
  assert len(staging) == 1

  # Readers and TF Serving see version 1 only.
  assert complete_versions(export_dir) == [1]
  assert load_exported_gan(export_dir).version == 1
  with pytest.raises(
    InputError,
    match=r"--version=2: .* holds only part of "
    r"version 2 \(no discriminator, completer\)",
  ):
    load_exported_gan(export_dir, 2)
  # tiny trains no encoder: the required models only.
  assert _pinned_versions(export_dir) == {name: [1] for name in EXPORTED_MODELS}

  # The next export clears what the killed one left, and only that.
  result = exporter.export_models(workdir, export_dir)
  assert sorted(result.removed) == sorted(
    [
      os.path.join(export_dir, staging[0]),
      os.path.join(export_dir, "generator", "2"),
    ]
  )
  assert result.version == 2 and result.serving_version == 2
  assert _staging_dirs(export_dir) == []
  assert complete_versions(export_dir) == [1, 2]
  assert load_exported_gan(export_dir).version == 2
  assert _pinned_versions(export_dir) == {name: [2] for name in EXPORTED_MODELS}
  marker = versions.read_marker(os.path.join(export_dir, "generator", "2"))
  assert marker["owner"]["pid"] == os.getpid()


def _dead_pid():
  child = subprocess.Popen([sys.executable, "-c", "pass"])
  child.wait()
  return child.pid


def _fake_model_dir(path, marker=None):
  os.makedirs(os.path.join(path, "assets.extra"))
  with open(os.path.join(path, "saved_model.pb"), "wb") as f:
    f.write(b"not really")
  if marker is not None:
    versions.write_marker(path, marker)


@pytest.mark.slow
def test_export_removes_only_its_own_leftovers(tiny_export, tmp_path):
  export_dir = tmp_path / "e"
  keep = [
    export_dir / "notes" / "readme.txt",
    export_dir / ".export-mine" / "x",  # our prefix, not our name
    # Staging of a live process (ours is this process's name).
    export_dir / f"{versions.STAGING_PREFIX}{owners.HOST}.{os.getppid()}"
    ".None" / "x",
  ]
  for path in keep:
    path.parent.mkdir(parents=True)
    path.write_text("someone's")
  # A partial version 9 without our marker, and partial versions with our
  # marker: one of a live export (this process), one of a dead one.
  foreign = str(export_dir / "generator" / "9")
  _fake_model_dir(foreign)
  live = str(export_dir / "discriminator" / "5")
  _fake_model_dir(live, versions.make_marker("discriminator", 5, 1, "staging"))
  dead = str(export_dir / "completer" / "6")
  marker = versions.make_marker("completer", 6, 1, "staging")
  marker["owner"] = {"host": owners.HOST, "pid": _dead_pid(), "started": None}
  _fake_model_dir(dead, marker)
  # Our marker, dead owner, but for another dir: copied by hand, kept.
  copied = str(export_dir / "completer" / "7")
  _fake_model_dir(copied, marker)

  result = exporter.export_models(tiny_export[0], str(export_dir))
  assert result.removed == [dead]
  assert not os.path.exists(dead)
  for path in keep:
    assert path.read_text() == "someone's"
  for path in (foreign, live, copied):
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
  # Above every version dir, partial or not.
  assert result.version == 10
  assert complete_versions(str(export_dir)) == [10]
  assert _pinned_versions(str(export_dir))["completer"] == [10]


def test_failed_move_takes_back_what_it_moved(tmp_path):
  export_dir, staging = str(tmp_path / "e"), str(tmp_path / "e" / "s")
  for name in exporter.MODEL_NAMES:
    os.makedirs(os.path.join(staging, name))
  os.makedirs(os.path.join(export_dir, "completer", "3"))
  with pytest.raises(ExportError, match="completer/3 appeared while exporting"):
    exporter._move_into_place(
      staging, export_dir, 3, list(exporter.MODEL_NAMES)
    )
  assert sorted(os.listdir(export_dir)) == ["completer", "s"]
  assert os.listdir(os.path.join(export_dir, "completer")) == ["3"]


def _bad_workdirs(tmp_path, workdir):
  """[(workdir, extra export_models kwargs, message)]; nothing to export."""

  def workdir_with(name, config_text):
    path = tmp_path / name
    path.mkdir()
    if config_text is not None:
      (path / "config.json").write_text(config_text)
    return str(path)

  damaged = str(tmp_path / "damaged")
  shutil.copytree(workdir, damaged)
  for name in os.listdir(os.path.join(damaged, "checkpoints")):
    if ".data-" in name:
      path = os.path.join(damaged, "checkpoints", name)
      with open(path, "r+b") as f:
        f.truncate(100)
  config = open(os.path.join(workdir, "config.json")).read()
  return [
    (
      workdir_with("corrupt", "{not json"),
      {},
      "config.json: unreadable, not valid JSON",
    ),
    (
      workdir_with("no_model", '{"train": {}}'),
      {},
      'config.json: has no "model" section',
    ),
    (
      workdir_with("bad_field", '{"model": {"image_size": 15}}'),
      {},
      "config.json: model: image_size=15 must be a power of two",
    ),
    (
      workdir_with("unknown", '{"model": {"size": 16}}'),
      {},
      "config.json: model: unknown model config fields: size",
    ),
    (
      workdir_with("no_checkpoint", config),
      {},
      "checkpoints: no checkpoint to export",
    ),
    (str(tmp_path / "missing"), {}, "--workdir=.* no such directory"),
    (
      workdir,
      {"checkpoint": str(tmp_path / "nope")},
      "--checkpoint=.*nope: not found",
    ),
    (
      damaged,
      {},
      "ckpt-3: cannot restore the networks, damaged or of another model",
    ),
    (workdir, {"version": 0}, "--version=0 must be an integer >= 1"),
  ]


def test_bad_inputs_raise_export_error_and_write_nothing(tiny_export, tmp_path):
  export_dir = tmp_path / "e"
  for workdir, kwargs, message in _bad_workdirs(tmp_path, tiny_export[0]):
    # ExportError, or WorkdirError for an unreadable config.json.
    with pytest.raises(UserError, match=message):
      exporter.export_models(workdir, str(export_dir), **kwargs)
    assert not export_dir.exists(), message
  (tmp_path / "file").write_text("")
  with pytest.raises(ExportError, match="--export_dir=.*file: not a directory"):
    exporter.export_models(tiny_export[0], str(tmp_path / "file"))
