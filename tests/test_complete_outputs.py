"""dcgan-complete's outputs: named by relative path, never replaced or mixed,
moved into place in one rename, and never blocked by a named pipe."""

import json
import os
import signal
import subprocess
import sys

import pytest

from common.errors import InputError
from inpainting import complete, figures, image_io, outputs
from inpainting.saved_models import ExportedGan, load_exported_gan
from inpainting.search import SearchConfig
from tests.conftest import (
  REPO,
  cli,
  subprocess_env,
  write_noise_images,
)

FAST = ("--steps=3", "--pool_size=4", "--restarts=1")
KINDS = ("completed", "blended", "generated", "masks", "uncertainty")
# Subprocess limit: a run that reads a named pipe would block for ever.
TIMEOUT = 240


def _write_inputs(folder, names):
  write_noise_images(folder, names, (20, 20, 1), seed=3)


def _complete(export_dir, images, out, *extra, timeout=TIMEOUT):
  return cli(
    "inpainting.main",
    f"--model_dir={export_dir}",
    f"--images={images}",
    f"--out={out}",
    *FAST,
    *extra,
    timeout=timeout,
  )


def _files(folder):
  """{relative path: bytes} of every file under folder."""
  found = {}
  for root, _, names in os.walk(folder):
    for name in names:
      path = os.path.join(root, name)
      with open(path, "rb") as f:
        found[os.path.relpath(path, folder)] = f.read()
  return found


def _staging(folder):
  return [n for n in os.listdir(folder) if n.startswith(outputs.STAGING_PREFIX)]


def _error_line(result):
  assert result.returncode == 2, result.stderr[-2000:]
  assert "Traceback" not in result.stderr
  lines = [ln for ln in result.stderr.splitlines() if "dcgan-complete" in ln]
  assert len(lines) == 1, result.stderr[-2000:]
  assert lines[0].startswith("dcgan-complete: error: ")
  return lines[0]


@pytest.fixture(scope="module")
def first_run(tiny_export, tmp_path_factory):
  """One CLI run over a folder with a/x.png, b/x.png, c.jpg and a FIFO."""
  root = tmp_path_factory.mktemp("outputs")
  images, out = root / "in", root / "out"
  _write_inputs(str(images), ["a/x.png", "b/x.png", "c.jpg"])
  # A named pipe with an image's name: opening it to read would block.
  os.mkfifo(images / "pipe.png")
  result = _complete(tiny_export[1], images, out)
  return root, images, out, result


def test_outputs_keep_the_inputs_relative_paths(first_run):
  root, _, out, result = first_run
  assert result.returncode == 0, result.stderr[-2000:]
  for kind in KINDS:
    assert sorted(_files(out / kind)) == ["a/x.png", "b/x.png", "c.png"]
  # The two x.png inputs differ, so must their masks' completions.
  assert (out / "completed/a/x.png").read_bytes() != (
    out / "completed/b/x.png"
  ).read_bytes()
  report = json.loads((out / "metrics.json").read_text())
  assert [i["name"] for i in report["images"]] == ["a/x", "b/x", "c"]
  assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"
  assert _staging(root) == []


def test_a_named_pipe_in_the_folder_is_skipped_not_read(first_run):
  _, images, out, result = first_run
  # Reaching here at all means the run did not block on the pipe.
  assert result.returncode == 0, result.stderr[-2000:]
  assert not (out / "completed" / "pipe.png").exists()
  assert "pipe" not in (out / "metrics.json").read_text()
  # A glob that matches only the pipe finds nothing; the pipe given as
  # --images is an error that names it.
  with pytest.raises(InputError, match="no image files found"):
    image_io.find_image_files(str(images / "*.png"))
  assert image_io.find_image_files(str(images / "*.*")).paths == [
    str(images / "c.jpg")
  ]
  with pytest.raises(InputError, match="pipe.png: not a regular file"):
    image_io.find_image_files(str(images / "pipe.png"))


def test_a_glob_or_a_single_file_names_outputs_from_its_base(first_run):
  _, images, _, _ = first_run
  found = image_io.find_image_files(str(images / "*" / "x.png"))
  assert found.base == str(images)
  assert [f.name for f in found.files] == ["a/x", "b/x"]
  found = image_io.find_image_files(str(images / "**" / "*.png"))
  assert [f.name for f in found.files] == ["a/x", "b/x"]
  single = image_io.find_image_files(str(images / "a" / "x.png"))
  assert single.base is None and [f.name for f in single.files] == ["x"]


def test_two_inputs_with_one_output_name_are_refused(tmp_path):
  _write_inputs(str(tmp_path / "in"), ["x.png", "x.jpg"])
  with pytest.raises(InputError, match="would both be written as x.png"):
    image_io.find_image_files(str(tmp_path / "in"))


def test_a_rerun_into_a_non_empty_out_is_refused_and_changes_nothing(
  first_run, tiny_export
):
  root, images, out, _ = first_run
  before = _files(out)
  line = _error_line(_complete(tiny_export[1], images, out))
  assert f"--out={out}: is not empty" in line
  assert _files(out) == before
  assert _staging(root) == []


def test_a_foreign_file_in_out_is_never_deleted(tiny_export, tmp_path):
  _write_inputs(str(tmp_path / "in"), ["x.png"])
  out = tmp_path / "out"
  os.makedirs(out / "completed")
  (out / "completed" / "notes.txt").write_text("mine")
  line = _error_line(_complete(tiny_export[1], tmp_path / "in", out))
  assert "is not empty" in line
  assert _files(out) == {"completed/notes.txt": b"mine"}


@pytest.mark.parametrize(
  "images, out", [("in", "in/out"), ("in", "in"), ("in/*/*.png", "in/a/out")]
)
def test_out_inside_the_images_folder_is_refused(
  tiny_export, tmp_path, images, out
):
  _write_inputs(str(tmp_path / "in"), ["a/x.png"])
  before = _files(tmp_path / "in")
  line = _error_line(
    _complete(tiny_export[1], tmp_path / images, tmp_path / out)
  )
  expected = (
    f"--out={tmp_path / out}: is inside {tmp_path / 'in'}, the "
    f"folder --images={tmp_path / images} reads"
  )
  assert expected in line
  assert _files(tmp_path / "in") == before


def test_out_that_is_a_file_is_refused_before_any_search(tiny_export, tmp_path):
  _write_inputs(str(tmp_path / "in"), ["x.png"])
  out = tmp_path / "out.png"
  out.write_bytes(b"keep")
  line = _error_line(_complete(tiny_export[1], tmp_path / "in", out))
  assert line.endswith(f"--out={out}: exists and is not a directory")

  def search_ran(_):
    raise AssertionError("the search ran before --out was checked")

  # The library refuses it before calling the model, too.
  gan = ExportedGan(search_ran, search_ran, 8, 16, 1, 1)
  with pytest.raises(InputError, match="exists and is not a directory"):
    complete.complete_files(gan, str(tmp_path / "in"), ["center"], str(out))
  assert out.read_bytes() == b"keep"


def test_an_empty_out_dir_is_filled(tiny_export, tmp_path):
  _write_inputs(str(tmp_path / "in"), ["x.png"])
  os.mkdir(tmp_path / "out")
  gan = load_exported_gan(tiny_export[1])
  report = complete.complete_files(
    gan,
    str(tmp_path / "in"),
    ["center"],
    str(tmp_path / "out"),
    SearchConfig(steps=3, restarts=1, pool_size=4),
  )
  assert [i["name"] for i in report["images"]] == ["x"]
  assert sorted(_files(tmp_path / "out")) == sorted(
    [f"{kind}/x.png" for kind in KINDS] + ["figure.png", "metrics.json"]
  )
  assert _staging(tmp_path) == []


KILL_AFTER_FILES = 3
KILLER = """
import os, signal, sys
from common import image_files
from inpainting import main
write_png = image_files.write_png
written = []

def write_then_die(path, image):
  write_png(path, image)
  written.append(path)
  print(path, flush=True)
  if len(written) == {count}:
    os.kill(os.getpid(), signal.SIGKILL)

image_files.write_png = write_then_die
sys.argv = ["dcgan-complete"] + sys.argv[1:]
main.run()
"""


@pytest.mark.slow
def test_a_killed_run_leaves_out_as_it_was_and_the_next_run_cleans_up(
  tiny_export, tmp_path
):
  _write_inputs(str(tmp_path / "in"), ["a/x.png", "b/x.png"])
  out = tmp_path / "out"
  os.mkdir(out)  # An empty --out must stay empty after the kill.
  args = [
    f"--model_dir={tiny_export[1]}",
    f"--images={tmp_path / 'in'}",
    f"--out={out}",
    *FAST,
  ]
  killed = subprocess.run(
    [sys.executable, "-c", KILLER.format(count=KILL_AFTER_FILES), *args],
    capture_output=True,
    text=True,
    timeout=TIMEOUT,
    env=subprocess_env(),
    cwd=REPO,
  )
  assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
  written = killed.stdout.split()
  assert len(written) == KILL_AFTER_FILES
  staging = _staging(tmp_path)
  assert len(staging) == 1 and all(staging[0] in p for p in written)
  assert os.listdir(out) == []

  rerun = _complete(tiny_export[1], tmp_path / "in", out)
  assert rerun.returncode == 0, rerun.stderr[-2000:]
  assert _staging(tmp_path) == []  # The dead run's staging is gone.
  assert sorted(_files(out / "completed")) == ["a/x.png", "b/x.png"]


@pytest.mark.slow
def test_ctrl_c_says_interrupted_and_leaves_out_as_it_was(
  tiny_export, tmp_path
):
  _write_inputs(str(tmp_path / "in"), ["a/x.png", "b/x.png"])
  out = tmp_path / "out"
  os.mkdir(out)
  # Ctrl-C at a terminal finds Python's KeyboardInterrupt handler. A job a
  # shell starts in the background (`cmd &`, as when this suite itself runs
  # as one) starts with SIGINT ignored (POSIX), which Python then leaves
  # ignored: put the handler back as Python does when SIGINT is not ignored.
  interrupter = (
    KILLER.format(count=KILL_AFTER_FILES)
    .replace("signal.SIGKILL", "signal.SIGINT")
    .replace(
      "written = []",
      "written = []\nsignal.signal(signal.SIGINT, signal.default_int_handler)",
    )
  )
  stopped = subprocess.run(
    [
      sys.executable,
      "-c",
      interrupter,
      f"--model_dir={tiny_export[1]}",
      f"--images={tmp_path / 'in'}",
      f"--out={out}",
      *FAST,
    ],
    capture_output=True,
    text=True,
    timeout=TIMEOUT,
    env=subprocess_env(),
    cwd=REPO,
  )
  assert stopped.returncode == 130, stopped.stderr[-2000:]
  assert "Traceback" not in stopped.stderr
  assert stopped.stderr.strip().splitlines()[-1] == (
    "dcgan-complete: interrupted"
  )
  assert len(stopped.stdout.split()) == KILL_AFTER_FILES  # mid-write
  assert os.listdir(out) == [] and _staging(tmp_path) == []


def test_publish_never_replaces_results_that_appeared_meanwhile(tmp_path):
  out = tmp_path / "out"
  # Not a staging name of a dead process: never removed.
  os.makedirs(tmp_path / f"{outputs.STAGING_PREFIX}notes")

  def write_while_another_run_finishes(folder):
    with open(os.path.join(folder, "metrics.json"), "w") as f:
      f.write("ours")
    os.makedirs(out)
    (out / "metrics.json").write_text("theirs")

  with pytest.raises(InputError, match="became non-empty during the run"):
    outputs.publish(str(out), write_while_another_run_finishes)
  assert _files(out) == {"metrics.json": b"theirs"}
  assert _staging(tmp_path) == [f"{outputs.STAGING_PREFIX}notes"]


def test_long_file_names_are_shortened_in_the_figure_rows():
  assert figures.short_label("00075_1f614") == "00075_1f614"
  long_name = "00044_1f468-200d-1f9af-200d-27a1"
  short = figures.short_label(long_name)
  assert len(short) == figures.LABEL_CHARS
  assert short.startswith("00044_1") and short.endswith("27a1")
  assert "…" in short
  with pytest.raises(ValueError, match="limit=0"):
    figures.short_label(long_name, limit=0)
