"""A training run's workdir: the names training writes and export reads.

  config.json           the resolved TrainConfig (written once the run starts)
  trainer.lock          the running trainer's host and PID (one per workdir)
  checkpoints/          the networks, their optimizers, the step counters
                        and the z generator's state; damaged/ holds
                        checkpoints that failed to restore
  train/events.out.tfevents*  TensorBoard scalars, sample grids and hparams
                        (run "train" of `tensorboard --logdir WORKDIR`)
  samples/step_N.png    sample grids from a fixed z

Pure Python for a local workdir (`common.files` reads a URL with
tf.io.gfile), so a command refuses a workdir before TensorFlow loads.
"""

import json
import os
from typing import Any, Dict, Optional

from common import files
from common.errors import WorkdirError

CONFIG_FILE = "config.json"
CHECKPOINT_DIR = "checkpoints"
# TensorBoard's run directory inside the workdir (the tf-models layout): a
# logdir's root is no run of its own, and the HParams tab finds a run's
# metrics only in a run directory.
SUMMARY_DIR = "train"
SAMPLES_DIR = "samples"


def config_path(workdir: str) -> str:
  return os.path.join(workdir, CONFIG_FILE)


def checkpoint_dir(workdir: str) -> str:
  return os.path.join(workdir, CHECKPOINT_DIR)


def read_run_config(workdir: str) -> Optional[Dict[str, Any]]:
  """The run's config.json as a dict with a "model" dict; None if absent.

  Raises:
    WorkdirError: The workdir is a file or cannot be read, or its
      config.json is not JSON or has no "model" section; names the path.
  """
  path = config_path(workdir)
  try:
    if files.exists(workdir) and not files.isdir(workdir):
      raise WorkdirError(f"--workdir={workdir}: exists and is not a directory")
    if not files.exists(path):
      return None
    values = json.loads(files.read(path))
  except (UnicodeDecodeError, json.JSONDecodeError) as e:
    raise WorkdirError(
      f"{path}: unreadable, not valid JSON ({e}); it "
      "records the run in this workdir: restore it, or use "
      "another --workdir"
    ) from None
  except OSError as e:
    raise WorkdirError(f"{path}: cannot read it ({e.strerror or e})") from None
  if not isinstance(values, dict) or not isinstance(values.get("model"), dict):
    raise WorkdirError(
      f'{path}: has no "model" section; restore it, or use another --workdir'
    )
  return values
