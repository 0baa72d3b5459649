"""export_models(workdir, export_dir): checkpoint -> versioned SavedModels.

Layout (TensorFlow Serving's):
  E/generator/N/       serving_default: z -> images
  E/discriminator/N/   serving_default: images -> logits
  E/completer/N/       images + masks -> completed images (export/completer.py),
                       with TF Serving warm-up requests in assets.extra/
  E/models.config      model_config_list for `tensorflow_model_server`
"""

import dataclasses
import json
import os
import shutil
import tempfile
from typing import Dict, Optional

from absl import logging
import tensorflow as tf

from export import signatures, versions, warmup
from export.completer import CompleterModule
from export.versions import ExportError
from models.config import ModelConfig
from inpainting.search import SearchConfig
from models.networks import build_networks

MODEL_NAMES = ("generator", "discriminator", "completer")
CONFIG_FILE = "models.config"
# Where `docker run -v E:/models tensorflow/serving` sees the export dir.
DEFAULT_SERVING_BASE = "/models"


@dataclasses.dataclass
class ExportResult:
  version: int
  paths: Dict[str, str]  # model name -> E/name/N
  step: int  # training step of the exported checkpoint
  serving_config: str


def _load_model_config(workdir: str) -> ModelConfig:
  path = os.path.join(workdir, "config.json")
  if not os.path.exists(path):
    raise ExportError(f"{path}: not found; --workdir must be a training "
                      "workdir")
  with open(path) as f:
    return ModelConfig.from_dict(json.load(f)["model"])


def _checkpoint_path(workdir: str, checkpoint: Optional[str]) -> str:
  if checkpoint:
    if not tf.io.gfile.exists(checkpoint + ".index"):
      raise ExportError(f"--checkpoint={checkpoint}: not found")
    return checkpoint
  latest = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
  if not latest:
    raise ExportError(f"{workdir}/checkpoints: no checkpoint to export")
  return latest


def restore_networks(workdir: str, checkpoint: Optional[str] = None):
  """Returns (generator, discriminator, step) restored from a checkpoint."""
  config = _load_model_config(workdir)
  path = _checkpoint_path(workdir, checkpoint)
  # float32 whatever the global policy: a float16 policy would otherwise leak
  # into the exported signatures (checkpoints hold float32 variables under
  # every policy).
  generator, discriminator = build_networks(config, dtype_policy="float32")
  step = tf.Variable(0, dtype=tf.int64)
  # Only the networks: optimizer slots and the z generator stay behind.
  tf.train.Checkpoint(generator=generator, discriminator=discriminator,
                      step=step).restore(path).expect_partial(
                      ).assert_existing_objects_matched()
  logging.info("Restored %s (step %d)", path, int(step))
  return generator, discriminator, int(step)


def serving_config(base_path: str) -> str:
  """models.config text for `tensorflow_model_server --model_config_file`."""
  entries = "".join(
      f"  config {{\n    name: \"{name}\"\n"
      f"    base_path: \"{base_path.rstrip('/')}/{name}\"\n"
      f"    model_platform: \"tensorflow\"\n  }}\n"
      for name in MODEL_NAMES)
  return f"model_config_list {{\n{entries}}}\n"


def _write_text_atomically(path: str, text: str):
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    f.write(text)
  os.replace(tmp, path)


def export_models(workdir: str, export_dir: str, version: Optional[int] = None,
                  checkpoint: Optional[str] = None,
                  serving_base: str = DEFAULT_SERVING_BASE,
                  search_config: SearchConfig = SearchConfig()
                  ) -> ExportResult:
  """Exports a training run as version `version` (or the next one).

  The generator, the discriminator, and the completer (which runs the latent
  search with `search_config` as its defaults).

  Every SavedModel is written under a temporary name inside export_dir and
  renamed into place only when all of them are complete, so TensorFlow
  Serving never loads a half-written version and a failed export leaves
  nothing behind. An existing version is never overwritten.
  """
  generator, discriminator, step = restore_networks(workdir, checkpoint)
  os.makedirs(export_dir, exist_ok=True)
  if version is None:
    version = versions.next_version(export_dir, MODEL_NAMES)
  versions.check_version_is_free(export_dir, MODEL_NAMES, version)

  modules = {"generator": signatures.GeneratorModule(generator),
             "discriminator": signatures.DiscriminatorModule(discriminator),
             "completer": CompleterModule(generator, discriminator,
                                          search_config)}
  staging = tempfile.mkdtemp(prefix=".export-", dir=export_dir)
  try:
    for name, module in modules.items():
      tf.saved_model.save(module, os.path.join(staging, name),
                          signatures=module.signatures())
    warmup.write_warmup_file(os.path.join(staging, "completer"), "completer",
                             generator.image_size, generator.channels)
    paths = {}
    for name in modules:
      target = os.path.join(export_dir, name, str(version))
      os.makedirs(os.path.dirname(target), exist_ok=True)
      os.rename(os.path.join(staging, name), target)
      paths[name] = target
  finally:
    shutil.rmtree(staging, ignore_errors=True)

  config_text = serving_config(serving_base)
  _write_text_atomically(os.path.join(export_dir, CONFIG_FILE), config_text)
  logging.info("Exported step %d as version %d to %s", step, version,
               export_dir)
  return ExportResult(version, paths, step, config_text)
