"""Bulk completion as an Apache Beam pipeline (`dcgan-complete-bulk`).

The same completion as `dcgan-complete` (`complete.Completer` on the loaded
SavedModels, an image's random draws keyed by its name), run by Beam on any
runner: the DirectRunner here, Dataflow, Flink or Spark through Beam's own
flags. Each instance of the completing DoFn loads the export once
(`DoFn.setup`): one per worker process on the DirectRunner; Dataflow may
run one per worker thread.

Under --out, per image NAME (the input's relative path, as dcgan-complete
names it): blended/, completed/, uncertainty/ (and full_resolution/)
NAME.png, and .done/NAME.json, written last, which makes the image done.
At the end the launcher gathers the records into manifest.jsonl and the
failures into failed.jsonl. Every file is written whole (temporary name,
rename) and never rewritten: a rerun completes only the images without a
record, so a killed job loses at most the images in flight.
"""

# Workers import this module first (the DoFn's pickle names it): TensorFlow's
# console set-up must come before TensorFlow.
from common import tf_env  # noqa: F401

# isort: split

import hashlib
import json
import os
import time
from typing import Dict, Iterator, List, Optional

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from common import files, image_files, pixels
from common import masks as masks_lib
from common.errors import InputError
from inpainting import image_io
from inpainting.bulk_job import (
  FAILED_DIR,
  FULL_RESOLUTION_DIR,
  MASK_DIR_PREFIX,
  TFRECORD_PREFIX,
  BulkJob,
  done_path,
)


def _tfrecord_element(record: bytes) -> Dict:
  """A TFRecord record -> an element named by its tf.train.Example's
  image/filename, else by the record's hash; a record that is no such
  Example is named by its hash and fails in the DoFn (failed.jsonl)."""
  import tensorflow as tf
  from google.protobuf.message import DecodeError

  name, data = None, None
  try:
    feature = tf.train.Example.FromString(record).features.feature
    data = feature["image/encoded"].bytes_list.value[0]
    filename = feature["image/filename"].bytes_list.value
    if filename:
      name = os.path.splitext(filename[0].decode("utf-8"))[0]
  except (DecodeError, IndexError, UnicodeDecodeError):
    pass
  return {
    "index": None,
    "path": None,
    "name": name or hashlib.sha1(record).hexdigest()[:16],
    "data": data,
  }


def _check_name(name: str) -> None:
  """An output name stays inside --out (a TFRecord's image/filename is
  the user's data: "../x" or "/x" would not)."""
  parts = name.split("/")
  if not name or name.startswith("/") or ".." in parts or "" in parts:
    raise InputError(f"{name!r}: not a usable output name")


def read_inputs(pipeline, images: str, input_list: Optional[str]):
  """The input elements: {index, path, name, data (TFRecord only)}.

  Args:
    images: --images; a `tfrecord:GLOB` is read by Beam.
    input_list: For files, the launcher's listing (`bulk_job.list_inputs`).
  """
  if images.startswith(TFRECORD_PREFIX):
    return (
      pipeline
      | "ReadTFRecords"
      >> beam.io.ReadFromTFRecord(images[len(TFRECORD_PREFIX) :])
      | "Parse" >> beam.Map(_tfrecord_element)
    )
  return (
    pipeline
    | "ReadList" >> beam.io.ReadFromText(input_list)
    | "ParseList" >> beam.Map(json.loads)
    # One file reads as one bundle: spread it over the workers.
    | "Spread" >> beam.Reshuffle()
  )


class CompleteBatch(beam.DoFn):
  """Completes a batch of elements, writes their outputs and records.

  Yields the record of each completed image; failures go to the `failed`
  output as {input, reason}. A batch that fails as a whole is retried one
  image at a time, so one bad image never sinks the others.
  """

  def __init__(self, job: BulkJob):
    self.job = job
    self.completed = Metrics.counter("dcgan_bulk", "images_completed")
    self.failed = Metrics.counter("dcgan_bulk", "images_failed")
    self.batch_ms = Metrics.distribution("dcgan_bulk", "batch_ms")

  def setup(self):
    from common import tf_env as env
    from inpainting import complete, saved_models

    env.grow_gpu_memory()
    from inpainting.search_config import default_config

    gans = saved_models.load_exports(self.job.model_dir, self.job.version)
    self.gan = gans[0]
    config = default_config(self.gan.encode is not None, **self.job.search)
    self.completer = complete.Completer(gans, config, self.job.batch_size)
    self.specs = (
      None
      if self.job.mask_specs[0].startswith(MASK_DIR_PREFIX)
      else masks_lib.parse_specs(self.job.mask_specs)
    )
    self.image_key = complete.image_key

  def _prepare(self, element):
    """(image, mask, original pixels) of one element; InputError if bad."""
    label = element["path"] or element["name"]
    _check_name(element["name"])
    if element["path"] is None and element["data"] is None:
      raise InputError(
        f"{label}: a TFRecord record that is no tf.train.Example with "
        "image/encoded"
      )
    try:
      data = (
        element["data"]
        if element["path"] is None
        else files.read(element["path"], "rb")
      )
    except OSError as e:
      raise InputError(f"{label}: cannot read it ({e.strerror or e})") from None
    # Decoded at the model's channels, as dcgan-complete reads a file; the
    # full-resolution output keeps the file's own channels.
    image = pixels.to_model_image(
      _decode(data, label, self.gan.channels),
      self.gan.image_size,
      self.gan.channels,
    ).numpy()
    # The file at its own size only where it is needed: big photos would
    # otherwise sit in memory for the whole batch.
    original = None
    if self.job.full_resolution or self.specs is None:
      original = _decode(data, label, 0).numpy()
    return image, self._mask(element, original), original

  def _mask(self, element, original) -> np.ndarray:
    size, name = self.gan.image_size, element["name"]
    if self.specs is None:
      folder = self.job.mask_specs[0][len(MASK_DIR_PREFIX) :]
      path = os.path.join(folder, *name.split("/")) + ".png"
      if not files.exists(path):
        raise InputError(f"{path}: no mask file for {name}")
      shape = tuple(image_files.read_pixels(path, 1).shape[:2])
      image_shape = original.shape[:2]
      if shape != tuple(image_shape):
        raise InputError(
          f"{path}: the mask is {shape[1]}x{shape[0]} "
          f"pixels, its image {image_shape[1]}x"
          f"{image_shape[0]}"
        )
      mask = masks_lib.from_file(path, size)
      masks_lib.check_mask(mask, path)
      return mask
    key = self.image_key(name)
    # Specs cycle over the listing as in dcgan-complete; TFRecord inputs
    # have no listing, so their key picks the spec.
    index = key if element["index"] is None else element["index"]
    spec = self.specs[index % len(self.specs)]
    return masks_lib.make_masks(
      [spec], 1, size, seed=self.completer.config.seed, keys=[key]
    )[0]

  def process(self, batch: List[Dict]) -> Iterator:
    started = time.perf_counter()
    ready, recorded = [], set()
    for element in batch:
      try:
        ready.append((element, *self._prepare(element)))
      except Exception as e:  # one image's file, mask or name: dead letter
        yield self._failure(element, e)
    groups = [ready] if ready else []
    while groups:
      group = groups.pop()
      try:
        yield from self._complete(group, started, recorded)
      except Exception as e:
        if len(group) == 1:  # One image the export refuses: dead letter.
          yield self._failure(group[0][0], e)
        else:
          groups += [[item] for item in group]
    self.batch_ms.update(int(1000 * (time.perf_counter() - started)))

  def _complete(self, group, started: float, recorded: set) -> Iterator[Dict]:
    """Completes a group and writes each image's files and record;
    `recorded` (names) grows as records are written, so a group retried
    after a later image failed skips the ones already done."""
    elements, images, masks, originals = zip(*group)
    keys = [self.image_key(e["name"]) for e in elements]
    result = self.completer(np.stack(images), np.stack(masks), keys)
    seconds = (time.perf_counter() - started) / len(group)
    for i, element in enumerate(elements):
      name = element["name"]
      if name in recorded:
        continue
      outputs = self._write(name, result, i, masks[i], originals[i])
      record = {
        "input": element["path"] or name,
        "name": name,
        "outputs": outputs,
        "loss": float(result.loss[i]),
        "steps_run": int(self.completer.config.steps),
        "views_used": int(result.views_used[i]),
        "seconds": round(seconds, 4),
      }
      path = done_path(self.job.out, name)
      files.makedirs(os.path.dirname(path))
      files.atomic_write(path, json.dumps(record, sort_keys=True))
      recorded.add(name)
      self.completed.inc()
      yield record

  def _write(self, name, result, i, mask, original) -> List[str]:
    """Writes an image's PNGs (a finished one is never rewritten)."""
    parts = name.split("/")
    planned = {
      "blended": lambda: result.blended[i],
      "completed": lambda: result.completed[i],
      "uncertainty": lambda: pixels.spread_as_image(result.uncertainty[i]),
    }
    if self.job.full_resolution:
      planned[FULL_RESOLUTION_DIR] = lambda: image_io.write_back(
        original, result.blended[i], mask
      )
    written = []
    for kind, make in planned.items():
      path = os.path.join(self.job.out, kind, *parts) + ".png"
      if not files.exists(path):
        image_files.write_png(path, make())
      written.append(path)
    return written

  def _failure(self, element, error: Exception) -> beam.pvalue.TaggedOutput:
    self.failed.inc()
    reason = " ".join(str(error).split())[:300] or type(error).__name__
    return beam.pvalue.TaggedOutput(
      "failed",
      {
        "input": element["path"] or element["name"],
        "name": element["name"],
        "reason": reason,
      },
    )


def _decode(data: bytes, label: str, channels: int):
  import tensorflow as tf

  try:
    return pixels.decode(tf.constant(data), channels)
  except tf.errors.OpError:
    raise InputError(f"{label}: not a readable PNG/JPEG image") from None


class _SkipDone(beam.DoFn):
  """Drops the images a previous run completed (their record exists)."""

  def __init__(self, out: str):
    self.out = out

  def process(self, element):
    if not files.exists(done_path(self.out, element["name"])):
      yield element


def _write_failure(failure: Dict, out: str):
  """Records a failure (a rerun retries the image; the same failure again
  leaves the record as it was)."""
  path = os.path.join(out, FAILED_DIR, *failure["name"].split("/")) + ".json"
  text = json.dumps(failure, sort_keys=True)
  if files.exists(path) and files.read(path) == text:
    return
  files.makedirs(os.path.dirname(path))
  files.atomic_write(path, text)


def build(
  pipeline, job: BulkJob, images: str, input_list: Optional[str] = None
):
  """Adds the completion to `pipeline`; returns the completed records."""
  elements = read_inputs(
    pipeline, images, input_list
  ) | "SkipDone" >> beam.ParDo(_SkipDone(job.out))
  results = (
    elements
    # Fixed batches (the last one smaller): Beam's adaptive sizes
    # start at 1, and an image's result is the same in any batch.
    | "Batch"
    >> beam.BatchElements(
      min_batch_size=job.batch_size, max_batch_size=job.batch_size
    )
    | "Complete"
    >> beam.ParDo(CompleteBatch(job)).with_outputs("failed", main="completed")
  )
  _ = results.failed | "WriteFailures" >> beam.Map(_write_failure, job.out)
  return results.completed
