"""Version directories of a TensorFlow Serving model base path."""

import os

from models.config import ConfigError


class ExportError(ValueError):
  """An export that would overwrite or cannot find what it needs."""


def existing_versions(model_base: str):
  """Sorted integer version directories under model_base (others ignored)."""
  if not os.path.isdir(model_base):
    return []
  return sorted(int(name) for name in os.listdir(model_base)
                if name.isdigit() and os.path.isdir(os.path.join(model_base,
                                                                 name)))


def next_version(export_dir: str, model_names) -> int:
  """One more than the highest version of any of the models (1 if none)."""
  versions = [v for name in model_names
              for v in existing_versions(os.path.join(export_dir, name))]
  return max(versions, default=0) + 1


def check_version_is_free(export_dir: str, model_names, version: int):
  if version < 1:
    raise ConfigError(f"--version={version} must be a positive integer")
  for name in model_names:
    path = os.path.join(export_dir, name, str(version))
    if os.path.exists(path):
      raise ExportError(f"{path} already exists; exported versions are never "
                        "overwritten (omit --version to take the next one)")
