"""export_models(workdir, export_dir): checkpoint -> versioned SavedModels.

Layout (TensorFlow Serving's):
  E/encoder/N/         serving_default: images, masks -> z (only for runs
                       that trained the encoder)
  E/generator/N/       serving_default: z -> images (the moving average of
                       the generator's weights, unless --raw_generator)
  E/discriminator/N/   serving_default: images -> logits
  E/completer/N/       images + masks -> completed images (export/completer.py),
                       with TF Serving warm-up requests in assets.extra/
  E/models.config      model_config_list for `tensorflow_model_server`,
                       pinned to the latest complete version
Each E/<name>/N/ also holds assets.extra/dcgan_export.json (export/versions.py).

A version appears whole: the SavedModels are written to a staging folder in
E, then renamed into place one by one. A kill between two renames leaves a
partial version that readers skip (`complete_versions`), that models.config
does not name, and that the next export removes along with the staging
folder.

The workdir and E may be any TensorFlow file system's (gs://, file://,
ram://): every access goes through common/files.py. On object stores
and ram:// a model's rename moves its files one by one (`files.rename_dir`),
top-level files last, so saved_model.pb, by which readers judge a version,
arrives after the variables it needs.
"""

import dataclasses
import os
from typing import Any, Dict, List, Mapping, Optional

import tensorflow as tf
from absl import logging
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from common import files, owners
from export import restore, signatures, versions, warmup
from export.completer import CompleterModule, ServingLimits
from export.versions import ExportError
from inpainting.saved_models import (
  EXPORTED_MODELS,
  OPTIONAL_MODELS,
  SAVED_MODEL_FILE,
  complete_versions,
)
from inpainting.search_config import SearchConfig, served_config

# In the order they are moved into place: the encoder, which a version may
# lack, first, so that once the required models are in place it is too.
MODEL_NAMES = OPTIONAL_MODELS + EXPORTED_MODELS
SERVING_CONFIG_FILE = "models.config"
# Where `docker run -v E:/models tensorflow/serving` sees the export dir.
DEFAULT_SERVING_BASE = "/models"


@dataclasses.dataclass
class ExportResult:
  version: int
  paths: Dict[str, str]  # model name -> E/name/N
  step: int  # training step of the exported checkpoint
  serving_config: str
  # The version models.config pins: the latest complete one (`version`
  # unless an explicit --version was below an existing one).
  serving_version: int = 0
  # What killed exports had left and this one removed.
  removed: List[str] = dataclasses.field(default_factory=list)


def serving_config(base_path: str, version: int, names=EXPORTED_MODELS) -> str:
  """models.config text for `tensorflow_model_server --model_config_file`.

  Every model in `names` is pinned to `version`: with the default policy
  (the latest version) the server would load a newer version of one model
  that a killed export left without the others.
  """
  config = model_server_config_pb2.ModelServerConfig()
  for name in names:
    entry = config.model_config_list.config.add(
      name=name,
      base_path=f"{base_path.rstrip('/')}/{name}",
      model_platform="tensorflow",
    )
    entry.model_version_policy.specific.versions.append(version)
  return text_format.MessageToString(config)


def _check_export_dir(export_dir: str):
  if files.exists(export_dir) and not files.isdir(export_dir):
    raise ExportError(f"--export_dir={export_dir}: not a directory")


def _make_export_dir(export_dir: str) -> bool:
  """Creates export_dir if needed; True if this call created it."""
  if files.isdir(export_dir):
    return False
  try:
    files.makedirs(export_dir)
  except OSError as e:
    raise ExportError(
      f"--export_dir={export_dir}: cannot create it ({e.strerror})"
    ) from None
  return True


def _save_all(
  staging: str,
  modules: Dict,
  version: int,
  step: int,
  limits: ServingLimits,
  search_config: SearchConfig,
  image_size: int,
  channels: int,
):
  """Writes every SavedModel, its marker and the warm-up file to staging."""
  for name, module in modules.items():
    tf.saved_model.save(
      module, os.path.join(staging, name), signatures=module.signatures()
    )
  warmup.write_warmup_file(
    os.path.join(staging, "completer"),
    "completer",
    image_size,
    channels,
    steps=min(warmup.WARMUP_STEPS, limits.max_steps),
  )
  for name in modules:
    extra = {}
    if name == "completer":
      extra = {
        "limits": dataclasses.asdict(limits),
        "search_defaults": dataclasses.asdict(search_config),
      }
    versions.write_marker(
      os.path.join(staging, name),
      versions.make_marker(name, version, step, staging, **extra),
    )


def _move_into_place(
  staging: str, export_dir: str, version: int, names: List[str]
) -> Dict[str, str]:
  """Renames staging/<name> to E/<name>/<version> for each of `names`, in
  turn.

  On an error the models already moved are taken back out (a version that
  some models lack is invisible to readers but would still hold its
  number), and so are the model dirs this call created.
  """
  paths, created = {}, []
  try:
    for name in names:
      target = os.path.join(export_dir, name, str(version))
      if not files.isdir(os.path.dirname(target)):
        files.makedirs(os.path.dirname(target))
        created.append(os.path.dirname(target))
      if files.exists(target):
        raise ExportError(
          f"{target} appeared while exporting (another "
          "export?); it is left as it is"
        )
      files.rename_dir(os.path.join(staging, name), target)
      paths[name] = target
  except BaseException:
    for path in list(paths.values()) + created:
      files.rmtree(path, ignore_errors=True)
    raise
  return paths


def export_models(
  workdir: str,
  export_dir: str,
  version: Optional[int] = None,
  checkpoint: Optional[str] = None,
  serving_base: str = DEFAULT_SERVING_BASE,
  search_config: Optional[SearchConfig] = None,
  limits: ServingLimits = ServingLimits(),
  raw_generator: bool = False,
  search_overrides: Optional[Mapping[str, Any]] = None,
) -> ExportResult:
  """Exports a training run as version `version` (or the next one).

  The generator (its moving average, or with `raw_generator` its last
  weights), the discriminator, the encoder if the run trained one for that
  generator, and the completer (which runs the latent search, from the
  encoder's start where there is one, with `search_config` as its defaults
  and refuses requests beyond `limits`; None: the served defaults for an
  export with or without an encoder, `served_config`, then
  `search_overrides` {field: value}, the fields dcgan-export's search flags
  set).

  Every SavedModel is written to a staging folder inside export_dir and
  renamed into place once all of them are complete; a version counts for
  readers and for models.config only once every model holds it, so neither
  TensorFlow Serving nor `load_exported_gan` ever uses a half-written
  version. An existing version is never overwritten. Staging folders and
  partial versions of exports that were killed are removed first (only
  ours: see export/versions.py).

  Raises:
    ExportError: a bad workdir, config.json, checkpoint, export dir or
      version; nothing is written then.
  """
  _check_export_dir(export_dir)
  if version is not None and version < 1:
    raise ExportError(f"--version={version} must be an integer >= 1")
  run = restore.restore_networks(workdir, checkpoint, raw_generator)
  generator, discriminator, step = run.generator, run.discriminator, run.step
  created = _make_export_dir(export_dir)
  removed = versions.remove_abandoned(export_dir, MODEL_NAMES)
  if version is None:
    version = versions.next_version(export_dir, MODEL_NAMES)
  staging = os.path.join(export_dir, owners.owned_name(versions.STAGING_PREFIX))
  try:
    versions.check_version_is_free(export_dir, MODEL_NAMES, version)
    if search_config is None and search_overrides:
      search_config = served_config(run.encoder is not None, **search_overrides)
    completer = CompleterModule(
      generator, discriminator, search_config, limits, encoder=run.encoder
    )
    modules = {}
    if run.encoder is not None:
      modules["encoder"] = signatures.EncoderModule(run.encoder)
    # --max_batch bounds the generator's `sample` count as well.
    modules.update(
      generator=signatures.GeneratorModule(
        generator, max_count=limits.max_batch
      ),
      discriminator=signatures.DiscriminatorModule(discriminator),
      completer=completer,
    )
    files.makedirs(staging)
    _save_all(
      staging,
      modules,
      version,
      step,
      limits,
      completer.config,
      generator.image_size,
      generator.channels,
    )
    paths = _move_into_place(
      staging, export_dir, version, [n for n in MODEL_NAMES if n in modules]
    )
  except BaseException:
    files.rmtree(staging, ignore_errors=True)
    if created:
      try:
        files.rmdir(export_dir)  # only if empty: what appeared is not ours
      except OSError:
        pass
    raise
  files.rmtree(staging, ignore_errors=True)  # empty by now

  serving_version = complete_versions(export_dir, EXPORTED_MODELS)[-1]
  served = [
    name
    for name in MODEL_NAMES
    if files.exists(
      os.path.join(export_dir, name, str(serving_version), SAVED_MODEL_FILE)
    )
  ]
  config_text = serving_config(serving_base, serving_version, served)
  files.atomic_write(os.path.join(export_dir, SERVING_CONFIG_FILE), config_text)
  logging.info(
    "Exported step %d as version %d to %s; models.config serves version %d",
    step,
    version,
    export_dir,
    serving_version,
  )
  return ExportResult(
    version, paths, step, config_text, serving_version, removed
  )
