"""The networks of a training checkpoint, restored for export.

Reads the run's config.json (`common.workdir_layout`) for the shapes, finds
the checkpoint (the latest, or --checkpoint) and restores the networks only:
the EMA generator (or the last weights), the discriminator, and the encoder
when it was trained against that generator.
"""

import dataclasses
import os
from typing import List, Optional

import tensorflow as tf
from absl import logging
from google.protobuf import text_format

from common import files, workdir_layout
from export.versions import ExportError
from models.checkpoint_parts import saved_parts
from models.config import ConfigError, ModelConfig
from models.networks import build_encoder, build_networks


def _load_model_config(workdir: str) -> ModelConfig:
  if not files.isdir(workdir):
    what = "not a directory" if files.exists(workdir) else "no such directory"
    raise ExportError(f"--workdir={workdir}: {what}")
  values = workdir_layout.read_run_config(workdir)
  path = workdir_layout.config_path(workdir)
  if values is None:
    raise ExportError(
      f"{path}: not found; --workdir must be a training workdir"
    )
  try:
    return ModelConfig.from_dict(values["model"])
  except (ConfigError, TypeError) as e:
    raise ExportError(f"{path}: model: {e}") from None


def _checkpoint_path(workdir: str, checkpoint: Optional[str]) -> str:
  if checkpoint:
    if not tf.io.gfile.exists(checkpoint + ".index"):
      raise ExportError(
        f"--checkpoint={checkpoint}: not found (no {checkpoint}.index)"
      )
    return checkpoint
  directory = workdir_layout.checkpoint_dir(workdir)
  try:
    latest = tf.train.latest_checkpoint(directory)
  except (tf.errors.OpError, ValueError, text_format.ParseError) as e:
    raise ExportError(
      f"{directory}/checkpoint: unreadable "
      f"({_first_line(e)}); name one with --checkpoint"
    ) from None
  if not latest:
    others = _checkpoints_in(directory)
    if others:
      # The state file is damaged or names a deleted checkpoint.
      raise ExportError(
        f"{directory}/checkpoint names no checkpoint; pick "
        f"one with --checkpoint (found: {', '.join(others)})"
      )
    raise ExportError(f"{directory}: no checkpoint to export")
  return latest


def _checkpoints_in(directory: str) -> List[str]:
  """Prefixes of the checkpoints in directory, newest (highest) first."""
  prefixes = [
    p[: -len(".index")]
    for p in tf.io.gfile.glob(os.path.join(directory, "*.index"))
  ]

  def number(prefix):
    tail = prefix.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else -1

  return sorted(prefixes, key=number, reverse=True)


def _first_line(error: BaseException, limit: int = 200) -> str:
  text = str(error).strip().splitlines()
  return text[0][:limit] if text else type(error).__name__


@dataclasses.dataclass
class RestoredRun:
  """The networks of one checkpoint, as export writes them."""

  generator: object  # the EMA generator unless raw (or none was saved)
  discriminator: object
  step: int
  encoder: Optional[object] = None  # None: none trained for this generator
  averaged: bool = False  # generator is the moving average


def restore_networks(
  workdir: str, checkpoint: Optional[str] = None, raw_generator: bool = False
) -> RestoredRun:
  """Restores the networks to export from a checkpoint.

  The generator is the moving average of its weights (training/ema.py)
  unless `raw_generator`, or the checkpoint predates the average. The
  encoder comes along when it was trained against that very generator:
  the EMA generator of the checkpoint's step.

  Raises:
    ExportError: naming the workdir, config.json or checkpoint that is
      missing, unreadable or of another model.
  """
  config = _load_model_config(workdir)
  path = _checkpoint_path(workdir, checkpoint)
  # float32 whatever the global policy: a float16 policy would otherwise leak
  # into the exported signatures (checkpoints hold float32 variables under
  # every policy).
  generator, discriminator = build_networks(config, dtype_policy="float32")
  encoder = None
  step = tf.Variable(0, dtype=tf.int64)
  encoder_step = tf.Variable(0, dtype=tf.int64)
  encoder_generator_step = tf.Variable(-1, dtype=tf.int64)
  try:
    saved = saved_parts(path)
    averaged = "ema_generator" in saved and not raw_generator
    parts = {
      "ema_generator" if averaged else "generator": generator,
      "discriminator": discriminator,
      "step": step,
    }
    if averaged and "encoder" in saved:
      encoder = build_encoder(config, dtype_policy="float32")
      parts.update(
        encoder=encoder,
        encoder_step=encoder_step,
        encoder_generator_step=encoder_generator_step,
      )
    # Only the networks: optimizer slots and the z generator stay behind.
    tf.train.Checkpoint(**parts).restore(
      path
    ).expect_partial().assert_existing_objects_matched()
  except Exception as e:
    # Only reading the user's file happens here; a damaged one fails in
    # many ways (OpError, IndexError "Read less bytes", ValueError on
    # shapes, AssertionError when nothing matches).
    flag = "--checkpoint=" if checkpoint else ""
    others = [p for p in _checkpoints_in(os.path.dirname(path)) if p != path]
    hint = (
      f"; other checkpoints, for --checkpoint: {', '.join(others)}"
      if others and not checkpoint
      else ""
    )
    raise ExportError(
      f"{flag}{path}: cannot restore the networks, damaged "
      f"or of another model ({_first_line(e)}){hint}"
    ) from None
  trained = int(encoder_step.numpy())
  against = int(encoder_generator_step.numpy())
  if raw_generator and "encoder" in saved:
    # It inverts the moving average, not these weights.
    encoder, encoder_note = None, "left out (it inverts the moving average)"
  elif encoder is None or trained == 0:
    encoder, encoder_note = None, "none trained"
  elif against != int(step.numpy()):
    # A checkpoint of a run trained further, from before its encoder phase
    # fine-tuned the encoder against the new generator.
    logging.warning(
      "The encoder was trained against the generator of step "
      "%d, not step %d's: left out of the export (the run's "
      "encoder phase fine-tunes it once the GAN reaches "
      "max_steps)",
      against,
      int(step.numpy()),
    )
    encoder, encoder_note = None, "left out"
  else:
    encoder_note = f"{trained} steps"
  logging.info(
    "Restored %s (step %d; generator: %s; encoder: %s)",
    path,
    int(step.numpy()),
    "moving average" if averaged else "last weights",
    encoder_note,
  )
  return RestoredRun(
    generator, discriminator, int(step.numpy()), encoder, averaged
  )
