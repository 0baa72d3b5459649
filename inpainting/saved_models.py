"""Loads the exported generator and discriminator SavedModels.

The `serving_default` signatures are the ones TensorFlow Serving runs;
gradients flow through them with tf.GradientTape. The generator's
`features` and `from_features` signatures (its split before the output
layer, export/signatures.py) are loaded where the export has them.
"""

import dataclasses
import numbers
import os
from typing import Callable, List, Optional, Sequence, Union

import tensorflow as tf

from common.errors import InputError
from inpainting.completion_flags import model_dirs
from inpainting.search_config import SEARCH_SIGNATURES


@dataclasses.dataclass
class ExportedGan:
  generate: Callable  # z [N, z_dim] -> images [N, S, S, C]
  discriminate: Callable  # images -> logits [N, 1]
  z_dim: int
  image_size: int
  channels: int
  version: int
  # (images, masks) -> z: the export's mask-aware encoder; None for exports
  # without one.
  encode: Optional[Callable] = None
  # z -> features_k and features_k -> images: the generator split before
  # its output layer (SearchConfig.search="ilo"); None for exports that
  # predate the split.
  features: Optional[Callable] = None
  from_features: Optional[Callable] = None
  # (features_k, kernel_delta, bias_delta) -> images: the output layer with
  # each image's own weights (SearchConfig.search="dgp"), and the shape of
  # its kernel; None for exports that predate it.
  from_features_tuned: Optional[Callable] = None
  output_kernel_shape: Optional[List[int]] = None


def check_search(gan: ExportedGan, search: str):
  """Refuses a SearchConfig.search that the export cannot run.

  Raises:
    InputError: "--search=NAME: ..." when it needs signatures of the
      generator that the export predates.
  """
  # An unknown name is SearchConfig's to refuse; it needs nothing here.
  needed = SEARCH_SIGNATURES.get(search, ())
  missing = [name for name in needed if getattr(gan, name) is None]
  if missing:
    raise InputError(
      f"--search={search}: version {gan.version} of this export has no "
      f"{'/'.join(missing)} signature(s) on its generator (it is older "
      "than the search); export it again, or use --search=z"
    )


# What one export writes: a version exists for readers only once every one
# of these holds it (export/exporter.py writes them).
EXPORTED_MODELS = ("generator", "discriminator", "completer")
# Written by exports of runs that trained one, moved into place before the
# models above, so a complete version that has one has all of it.
OPTIONAL_MODELS = ("encoder",)
SAVED_MODEL_FILE = "saved_model.pb"


def _version_dirs(model_base: str) -> List[int]:
  if not tf.io.gfile.isdir(model_base):
    return []
  # gfile lists sub-directories with a trailing slash on some file systems.
  return [
    int(name.rstrip("/"))
    for name in tf.io.gfile.listdir(model_base)
    if name.rstrip("/").isdigit()
  ]


def complete_versions(
  export_dir: str, names: Sequence[str] = EXPORTED_MODELS
) -> List[int]:
  """Sorted versions N that every model holds: E/<name>/N/saved_model.pb.

  An export moves its models into place one at a time, so a version that
  some models lack is being written, or was left by a killed export; no
  reader may use it.
  """
  candidates = set(_version_dirs(os.path.join(export_dir, names[0])))
  for name in names[1:]:
    candidates &= set(_version_dirs(os.path.join(export_dir, name)))
  return sorted(
    v
    for v in candidates
    if all(
      tf.io.gfile.exists(
        os.path.join(export_dir, name, str(v), SAVED_MODEL_FILE)
      )
      for name in names
    )
  )


def _missing_models(model_dir: str, version: int) -> List[str]:
  return [
    name
    for name in EXPORTED_MODELS
    if not tf.io.gfile.exists(
      os.path.join(model_dir, name, str(version), SAVED_MODEL_FILE)
    )
  ]


def resolve_version(model_dir: str, version: Optional[int] = None) -> int:
  """`version` if it is complete, else InputError; None: the latest complete.

  Raises:
    InputError: naming --version or --model_dir.
  """
  if version is not None and (
    isinstance(version, bool)
    or not isinstance(version, numbers.Integral)
    or version < 1
  ):
    raise InputError(f"--version={version} must be an integer >= 1")
  complete = complete_versions(model_dir)
  if version is None:
    if not complete:
      partial = sorted(
        set().union(
          *(
            _version_dirs(os.path.join(model_dir, name))
            for name in EXPORTED_MODELS
          )
        )
      )
      detail = (
        f" (only incomplete ones: {', '.join(map(str, partial))})"
        if partial
        else ""
      )
      raise InputError(
        f"--model_dir: {model_dir} holds no exported version{detail}"
      )
    return complete[-1]
  if version not in complete:
    missing = _missing_models(model_dir, version)
    what = (
      f"has no version {version}"
      if len(missing) == len(EXPORTED_MODELS)
      else f"holds only part of version {version} (no {', '.join(missing)})"
    )
    have = ", ".join(map(str, complete)) or "none"
    raise InputError(
      f"--version={version}: {model_dir} {what}; complete versions: {have}"
    )
  return version


def _load_signature(path: str):
  if not tf.io.gfile.exists(os.path.join(path, SAVED_MODEL_FILE)):
    raise InputError(f"--model_dir: {path} is not a SavedModel")
  try:
    loaded = tf.saved_model.load(path)
    signature = loaded.signatures["serving_default"]
  # A damaged SavedModel fails in many ways (IndexError on a truncated
  # variables file, FileNotFoundError, OpError, DecodeError, KeyError): all
  # of them mean the same thing to the user.
  except Exception as error:
    detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
    raise InputError(
      f"--model_dir: {path} is damaged and cannot be loaded "
      f"({type(error).__name__}: {detail[:200]}); export it "
      "again"
    ) from error
  return loaded, signature


def load_exported_gan(
  model_dir: str, version: Optional[int] = None
) -> ExportedGan:
  """Loads `model_dir/{generator,discriminator}/<version>`, and
  `encoder/<version>` where the export has one.

  Args:
    model_dir: An export dir (dcgan-export's --export_dir).
    version: A complete version (see `complete_versions`); None: the latest
      complete one, so a version an export is still writing, or one a
      killed export left half-written, is never loaded.

  Raises:
    InputError: no such dir, no complete version, or `version` is not
      complete or not >= 1.
  """
  if not tf.io.gfile.isdir(model_dir):
    raise InputError(f"--model_dir={model_dir}: no such directory")
  version = resolve_version(model_dir, version)
  g_module, g_sig = _load_signature(
    os.path.join(model_dir, "generator", str(version))
  )
  d_module, d_sig = _load_signature(
    os.path.join(model_dir, "discriminator", str(version))
  )
  z_dim = g_sig.structured_input_signature[1]["z"].shape[1]
  image_shape = d_sig.structured_input_signature[1]["images"].shape

  def generate(z):
    return g_sig(z=z)["images"]

  def discriminate(images):
    return d_sig(images=images)["logits"]

  gan = ExportedGan(
    generate,
    discriminate,
    int(z_dim),
    int(image_shape[1]),
    int(image_shape[3]),
    version,
  )
  if {"features", "from_features"} <= set(g_module.signatures.keys()):
    f_sig = g_module.signatures["features"]
    i_sig = g_module.signatures["from_features"]
    gan.features = lambda z: f_sig(z=z)["features"]
    gan.from_features = lambda x: i_sig(features=x)["images"]
  if "from_features_tuned" in g_module.signatures.keys():
    t_sig = g_module.signatures["from_features_tuned"]
    gan.from_features_tuned = lambda x, kernel, bias: t_sig(
      features=x, kernel_delta=kernel, bias_delta=bias
    )["images"]
    kernel_spec = t_sig.structured_input_signature[1]["kernel_delta"]
    gan.output_kernel_shape = [int(d) for d in kernel_spec.shape[1:]]
  modules = [g_module, d_module]
  encoder_path = os.path.join(model_dir, "encoder", str(version))
  if tf.io.gfile.exists(os.path.join(encoder_path, SAVED_MODEL_FILE)):
    e_module, e_sig = _load_signature(encoder_path)
    modules.append(e_module)
    gan.encode = lambda images, masks: e_sig(images=images, masks=masks)["z"]
  # The signatures hold their modules' variables only weakly.
  gan._modules = tuple(modules)
  return gan


def load_exports(
  model_dir: str, version: Union[None, int, Sequence[int]] = None
) -> List[ExportedGan]:
  """The exports that --model_dir names: one, or an ensemble's members
  (comma-separated), each loaded by `load_exported_gan`.

  Args:
    model_dir: --model_dir.
    version: None (each member's latest complete version), one version for
      every member (--version), or one per member (what a launcher resolved
      and its workers must load).

  Raises:
    InputError: a member that does not load, or members that do not
      complete the same images alike: another image size or channel count,
      or an encoder in some and not in others (their search defaults would
      differ).
  """
  dirs = model_dirs(model_dir)
  if version is None or isinstance(version, numbers.Integral):
    versions = [version] * len(dirs)
  else:
    versions = list(version)
    if len(versions) != len(dirs):
      raise InputError(
        f"--model_dir={model_dir}: {len(dirs)} exports but "
        f"{len(versions)} versions"
      )
  gans = [load_exported_gan(d, v) for d, v in zip(dirs, versions)]
  first = gans[0]
  for path, gan in zip(dirs[1:], gans[1:]):
    for what, mine, theirs in (
      ("image size", gan.image_size, first.image_size),
      ("channel count", gan.channels, first.channels),
      ("encoder", gan.encode is not None, first.encode is not None),
    ):
      if mine != theirs:
        raise InputError(
          f"--model_dir: {path} differs from {dirs[0]} in its {what} "
          f"({mine} against {theirs}); an ensemble's members must "
          "complete the same images alike"
        )
  return gans


def pinned_versions(gans: Sequence[ExportedGan]) -> Union[int, List[int]]:
  """What loaded `gans` pins, as `load_exports` takes it back and reports
  record it: one export's version, or an ensemble's list, one per member
  in --model_dir's order."""
  return gans[0].version if len(gans) == 1 else [g.version for g in gans]
