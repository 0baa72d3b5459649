"""A training run's workdir: its layout, its config.json, resume checks.

Pure Python for a local workdir (common.files reads a URL with
tf.io.gfile), so the entry point refuses a workdir before TensorFlow loads.
"""

import json
import os

from common import files
from training.config import TrainConfig
from training.errors import WorkdirError

# The resolved config of the run, written at its start (the flax layout).
CONFIG_FILE = "config.json"


# What a resumed run may not change (besides the model): its data and the
# optimization it has been doing. Everything else may change on resume:
# max_steps and encoder_steps (train further), logging and checkpoint
# intervals, and where and how it runs (strategy, precision, tfds_data_dir).
RUN_DEFINING_FIELDS = ("dataset", "batch_size", "learning_rate", "beta1",
                       "seed", "ema_decay", "encoder_learning_rate")


def check_workdir(config: TrainConfig, workdir: str):
  """Refuses a workdir that cannot hold this run; reads, never writes.

  Pure Python for a local workdir, so the entry point checks it before
  TensorFlow loads; a URL (gs://, file://, ...) is read with tf.io.gfile.

  Raises:
    WorkdirError: The workdir is a file, or its config.json is unreadable,
      describes a model of another shape or differs in a
      RUN_DEFINING_FIELDS field.
  """
  path = os.path.join(workdir, CONFIG_FILE)
  try:
    if files.exists(workdir) and not files.isdir(workdir):
      raise WorkdirError(
          f"--workdir={workdir}: exists and is not a directory")
    if not files.exists(path):
      return
  except OSError as e:
    raise WorkdirError(f"--workdir={workdir}: cannot read it "
                       f"({e.strerror or e})") from e
  try:
    saved = json.loads(files.read(path))
  except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
    raise WorkdirError(f"{path}: unreadable ({e}); it records the run in "
                       "this workdir: restore it, or use a new --workdir"
                       ) from e
  saved_model = saved.get("model") if isinstance(saved, dict) else None
  if not isinstance(saved_model, dict):
    raise WorkdirError(f"{path}: has no 'model' entry; restore it, or use a "
                       "new --workdir")
  # A field added since (the encoder's ef) is not held against the run.
  saved_model = {**config.model.to_dict(), **saved_model}
  if saved_model != config.model.to_dict():
    raise WorkdirError(
        f"{path}: the run in this workdir has model {saved_model}, "
        f"not {config.model.to_dict()}; use a new --workdir")
  # A resumed run must keep what it trains on and how: a rerun that forgot
  # --dataset would otherwise go on training on the default digits.
  current = config.to_dict()
  changed = [name for name in RUN_DEFINING_FIELDS
             if name in saved and saved[name] != current[name]]
  if changed:
    raise WorkdirError(
        f"{path}: the run in this workdir has "
        + ", ".join(f"{name}={saved[name]!r}" for name in changed)
        + ", not " + ", ".join(f"{name}={current[name]!r}"
                               for name in changed)
        + "; pass its values to resume it, or use a new --workdir")
