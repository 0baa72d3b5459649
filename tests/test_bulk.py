"""dcgan-complete-bulk: the Beam pipeline on the DirectRunner, end to end.

Real subprocesses, a real Beam DirectRunner (multi-processing) and a tiny
real export; the outputs are compared byte for byte with dcgan-complete's.
"""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from common.errors import InputError
from inpainting import bulk_job, complete, image_io
from inpainting.saved_models import load_exported_gan
from inpainting.search_config import default_config
from tests.conftest import REPO, cli, subprocess_env, wait_for, write_image

BULK = "inpainting.bulk_main"
KINDS = ("blended", "completed", "uncertainty")
# 2 views, not the default 8: still the multi-view path, a quarter of the
# searches (these tests are about the pipeline, not the views).
SEARCH_OPTIONS = {"steps": 3, "restarts": 2, "pool_size": 8, "views": 2}
SEARCH = tuple(f"--{name}={value}" for name, value in SEARCH_OPTIONS.items())


def _inputs(folder, count=18, bad=("bad1", "bad2")):
  """`count` good PNGs (some in a subfolder, of another size than the
  model's) and the `bad` ones, which do not decode."""
  rng = np.random.default_rng(0)
  os.makedirs(folder, exist_ok=True)
  names = []
  for i in range(count):
    name = f"{'sub/' if i % 3 == 0 else ''}img{i:02d}"
    write_image(
      os.path.join(folder, name + ".png"),
      rng.integers(0, 255, (20, 24, 1), dtype=np.uint8),
    )
    names.append(name)
  for name in bad:
    with open(os.path.join(folder, name + ".png"), "wb") as f:
      f.write(b"not a png")
  return names


def _bulk(export_dir, images, out, *extra, timeout=600):
  return cli(
    BULK,
    f"--model_dir={export_dir}",
    f"--images={images}",
    f"--out={out}",
    *SEARCH,
    "--batch_size=4",
    *extra,
    timeout=timeout,
  )


def _reference(export_dir, images, out, masks=("center",)):
  """dcgan-complete's outputs for the same images and options."""
  gan = load_exported_gan(export_dir)
  # As dcgan-complete resolves SEARCH.
  config = default_config(gan.encode is not None, **SEARCH_OPTIONS)
  complete.complete_files(
    gan, images, list(masks), out, config, with_metrics=False
  )


def _same_outputs(out, reference, names):
  for kind in KINDS:
    for name in names:
      with open(os.path.join(out, kind, name + ".png"), "rb") as f:
        ours = f.read()
      with open(os.path.join(reference, kind, name + ".png"), "rb") as f:
        assert ours == f.read(), f"{kind}/{name}"


def _snapshot(folder):
  return {
    os.path.join(root, n): (
      os.stat(os.path.join(root, n)).st_ino,
      os.stat(os.path.join(root, n)).st_mtime_ns,
    )
    for root, _, names in os.walk(folder)
    for n in names
  }


def _lines(path):
  with open(path) as f:
    return [json.loads(line) for line in f]


@pytest.mark.slow
def test_bad_images_go_to_failed_jsonl_and_the_rest_match_dcgan_complete(
  tiny_export, tmp_path
):
  names = _inputs(str(tmp_path / "in"))
  good = tmp_path / "good"
  for name in names:  # the same relative names, without the bad files
    os.makedirs(os.path.dirname(good / name), exist_ok=True)
    os.link(tmp_path / "in" / (name + ".png"), good / (name + ".png"))
  # Random holes differ per image, so batches of 4 here and of 18 there
  # also check that an image's blend does not wait on its batch.
  random = "--mask=random:0.5"
  _reference(
    tiny_export[1], str(good), str(tmp_path / "ref"), masks=("random:0.5",)
  )
  out = tmp_path / "out"

  result = _bulk(tiny_export[1], tmp_path / "in", out, "--workers=2", random)
  assert result.returncode == 0, result.stderr[-3000:]
  assert "18 images completed" in result.stdout
  _same_outputs(str(out), str(tmp_path / "ref"), names)
  failed = _lines(out / "failed.jsonl")
  assert [f["name"] for f in failed] == ["bad1", "bad2"]
  assert all("not a readable PNG/JPEG image" in f["reason"] for f in failed)
  manifest = _lines(out / "manifest.jsonl")
  assert sorted(r["name"] for r in manifest) == sorted(names)
  assert all(r["steps_run"] == 3 and len(r["outputs"]) == 3 for r in manifest)

  before = _snapshot(out)
  again = _bulk(tiny_export[1], tmp_path / "in", out, random)
  assert again.returncode == 0, again.stderr[-3000:]
  assert _snapshot(out) == before  # nothing new, nothing rewritten
  other = _bulk(tiny_export[1], tmp_path / "in", out, random, "--seed=3")
  assert other.returncode == 2
  assert "an earlier run into it had search=" in other.stderr
  assert _snapshot(out) == before


@pytest.mark.slow
def test_a_killed_run_is_completed_by_the_rerun(tiny_export, tmp_path):
  names = _inputs(str(tmp_path / "in"), bad=())
  _reference(tiny_export[1], str(tmp_path / "in"), str(tmp_path / "ref"))
  out = tmp_path / "out"
  args = [
    sys.executable,
    "-m",
    BULK,
    f"--model_dir={tiny_export[1]}",
    f"--images={tmp_path / 'in'}",
    f"--out={out}",
    *SEARCH,
    "--batch_size=2",
  ]
  with open(tmp_path / "log", "w") as log:
    job = subprocess.Popen(
      args,
      stdout=log,
      stderr=subprocess.STDOUT,
      env=subprocess_env(),
      cwd=REPO,
      start_new_session=True,
    )
  try:
    wait_for(
      lambda: bulk_job._count_done(str(out)) >= 4, 300, "four completed images"
    )
  finally:
    os.killpg(job.pid, signal.SIGKILL)  # the launcher and its workers
    job.wait()
  done_before = bulk_job._count_done(str(out))
  assert 4 <= done_before < len(names)

  rerun = _bulk(tiny_export[1], tmp_path / "in", out)
  assert rerun.returncode == 0, rerun.stderr[-3000:]
  _same_outputs(str(out), str(tmp_path / "ref"), names)
  manifest = _lines(out / "manifest.jsonl")
  assert sorted(r["name"] for r in manifest) == sorted(names)
  leftovers = [
    p for p in _snapshot(out) if os.path.basename(p).startswith(".tmp-")
  ]
  assert not leftovers
  for kind in KINDS:  # every PNG whole
    for name in names:
      tf.io.decode_png(tf.io.read_file(str(out / kind / (name + ".png"))))


@pytest.mark.slow
def test_tfrecord_input_matches_the_files(tiny_export, tmp_path):
  names = _inputs(str(tmp_path / "in"), count=3, bad=())
  _reference(tiny_export[1], str(tmp_path / "in"), str(tmp_path / "ref"))
  record_file = tmp_path / "images.tfrecord"
  with tf.io.TFRecordWriter(str(record_file)) as writer:
    for name in names:
      with open(tmp_path / "in" / (name + ".png"), "rb") as f:
        feature = {
          "image/encoded": tf.train.Feature(
            bytes_list=tf.train.BytesList(value=[f.read()])
          ),
          "image/filename": tf.train.Feature(
            bytes_list=tf.train.BytesList(value=[(name + ".png").encode()])
          ),
        }
      writer.write(
        tf.train.Example(
          features=tf.train.Features(feature=feature)
        ).SerializeToString()
      )
    writer.write(b"not an Example")
  out = tmp_path / "out"
  result = _bulk(tiny_export[1], f"tfrecord:{record_file}", out)
  assert result.returncode == 0, result.stderr[-3000:]
  _same_outputs(str(out), str(tmp_path / "ref"), names)
  (failure,) = _lines(out / "failed.jsonl")
  assert "no tf.train.Example with image/encoded" in failure["reason"]


@pytest.mark.slow
def test_file_and_per_image_masks(tiny_export, tmp_path):
  names = _inputs(str(tmp_path / "in"), count=3, bad=())
  hole = np.full((20, 24, 1), 255, np.uint8)
  hole[5:15, 6:18] = 0
  write_image(str(tmp_path / "hole.png"), hole)
  spec = f"file:{tmp_path / 'hole.png'}"
  _reference(
    tiny_export[1], str(tmp_path / "in"), str(tmp_path / "ref"), masks=(spec,)
  )
  result = _bulk(
    tiny_export[1], tmp_path / "in", tmp_path / "out", f"--mask={spec}"
  )
  assert result.returncode == 0, result.stderr[-3000:]
  _same_outputs(str(tmp_path / "out"), str(tmp_path / "ref"), names)

  # dir: the same hole per image, except one mask of the wrong size.
  for name in names:
    os.makedirs(os.path.dirname(tmp_path / "masks" / name), exist_ok=True)
    write_image(
      str(tmp_path / "masks" / (name + ".png")),
      hole if name != names[1] else hole[:10],
    )
  out = tmp_path / "per_image"
  result = _bulk(
    tiny_export[1], tmp_path / "in", out, f"--mask=dir:{tmp_path / 'masks'}"
  )
  assert result.returncode == 0, result.stderr[-3000:]
  _same_outputs(str(out), str(tmp_path / "ref"), [names[0], names[2]])
  (failure,) = _lines(out / "failed.jsonl")
  assert failure["name"] == names[1]
  assert "the mask is 24x10 pixels, its image 24x20" in failure["reason"]


@pytest.mark.slow
def test_nothing_completed_exits_2(tiny_export, tmp_path):
  _inputs(str(tmp_path / "in"), count=0)
  result = _bulk(tiny_export[1], tmp_path / "in", tmp_path / "out")
  assert result.returncode == 2
  assert (
    result.stderr.strip()
    .splitlines()[-1]
    .startswith("dcgan-complete-bulk: error: --images=")
  )
  assert "no image could be completed" in result.stderr
  assert len(_lines(tmp_path / "out" / "failed.jsonl")) == 2


def test_listing_keeps_dcgan_complete_names(tmp_path):
  _inputs(str(tmp_path / "in"), count=4, bad=())
  found = image_io.find_image_files(str(tmp_path / "in"))
  os.makedirs(tmp_path / "out")
  path = bulk_job.list_inputs(found, str(tmp_path / "out"))
  assert [r["name"] for r in _lines(path)] == [f.name for f in found.files]


def test_out_dir_rules_and_the_manifest(tmp_path):
  out = tmp_path / "out"
  bulk_job.check_out_dir(str(out), None)  # new
  os.makedirs(out / bulk_job.DONE_DIR / "sub")
  bulk_job.check_out_dir(str(out), None)  # an earlier run's
  (out / "notes.txt").write_text("mine")
  with pytest.raises(
    InputError, match="holds notes.txt that no dcgan-complete-bulk run wrote"
  ):
    bulk_job.check_out_dir(str(out), None)
  os.remove(out / "notes.txt")
  for name, folder in (
    ("sub/a", bulk_job.DONE_DIR),
    ("b", bulk_job.DONE_DIR),
    ("b", bulk_job.FAILED_DIR),
    ("c", bulk_job.FAILED_DIR),
  ):
    path = out / folder / (name + ".json")
    os.makedirs(path.parent, exist_ok=True)
    path.write_text(json.dumps({"name": name}))
  assert bulk_job.gather(str(out)) == {"completed": 2, "failed": 1}
  assert [r["name"] for r in _lines(out / "manifest.jsonl")] == ["b", "sub/a"]
  # b failed once, then was completed: only c is still failed.
  assert [r["name"] for r in _lines(out / "failed.jsonl")] == ["c"]
  before = _snapshot(out)
  bulk_job.gather(str(out))
  assert _snapshot(out) == before
