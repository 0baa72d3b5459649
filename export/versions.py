"""Version directories of an export dir, and what a killed export left.

A version N is complete when every model holds E/<name>/N/saved_model.pb
(`inpainting.saved_models.complete_versions`, the readers' definition). An
export moves its models into place one rename at a time, so a kill between
two renames leaves a partial version; readers skip it, and the next export
removes it if, and only if, our marker says a process that is gone wrote it.

Marker: every SavedModel we export carries `assets.extra/dcgan_export.json`
(the model, version, training step, the staging folder and its owner; the
completer's also its serving limits and search defaults). Anything without
it is not ours and is never deleted.
"""

import json
import os
from typing import Dict, List, Optional, Sequence

from absl import logging

from common import files, owners
from common.errors import UserError
from inpainting.saved_models import complete_versions

STAGING_PREFIX = ".export-"
MARKER_FILE = os.path.join("assets.extra", "dcgan_export.json")
MARKER_FORMAT = 1


class ExportError(UserError, ValueError):
  """An export that would overwrite or cannot find what it needs."""


def existing_versions(model_base: str) -> List[int]:
  """Sorted integer version directories under model_base (others ignored)."""
  if not files.isdir(model_base):
    return []
  return sorted(
    int(name)
    for name in files.listdir(model_base)
    if name.isdigit() and files.isdir(os.path.join(model_base, name))
  )


def all_versions(export_dir: str, model_names: Sequence[str]) -> List[int]:
  """Every version any of the models has, complete or not."""
  return sorted(
    {
      v
      for name in model_names
      for v in existing_versions(os.path.join(export_dir, name))
    }
  )


def next_version(export_dir: str, model_names: Sequence[str]) -> int:
  """One more than the highest version dir of any model (1 if none).

  Partial versions count too: their number may be taken by an export still
  moving its models into place, or by someone else's folder.
  """
  return max(all_versions(export_dir, model_names), default=0) + 1


def check_version_is_free(
  export_dir: str, model_names: Sequence[str], version: int
):
  if version < 1:
    raise ExportError(f"--version={version} must be an integer >= 1")
  for name in model_names:
    path = os.path.join(export_dir, name, str(version))
    if files.exists(path):
      raise ExportError(
        f"{path} already exists; exported versions are never "
        "overwritten (omit --version to take the next one)"
      )


def make_marker(
  model: str, version: int, step: int, staging: str, **extra
) -> Dict:
  """The marker of one exported model; `staging` is the staging dir."""
  return {
    "format": MARKER_FORMAT,
    "model": model,
    "version": version,
    "step": step,
    "staging": os.path.basename(staging),
    "owner": owners.Owner.this_process().to_dict(),
    **extra,
  }


def write_marker(saved_model_dir: str, marker: Dict) -> str:
  path = os.path.join(saved_model_dir, MARKER_FILE)
  files.makedirs(os.path.dirname(path))
  files.atomic_write(path, json.dumps(marker, indent=1, sort_keys=True) + "\n")
  return path


def read_marker(saved_model_dir: str) -> Optional[Dict]:
  """The marker of an exported model dir; None when it has none (not ours)."""
  try:
    marker = json.loads(files.read(os.path.join(saved_model_dir, MARKER_FILE)))
  except (OSError, ValueError):
    return None
  if not isinstance(marker, dict) or marker.get("format") != MARKER_FORMAT:
    return None
  return marker


def _dead_owner(marker: Dict) -> Optional[owners.Owner]:
  """The marker's owner if it is known to be gone; None otherwise."""
  owner = owners.Owner.from_json(json.dumps(marker.get("owner")))
  if owner is None or owner.is_alive() is not False:
    # Alive, on another host, or unreadable: it may still be exporting.
    return None
  return owner


def remove_abandoned(export_dir: str, model_names: Sequence[str]) -> List[str]:
  """Deletes what killed exports left in export_dir; returns the paths.

  - staging folders `.export-HOST.PID.START` whose process is gone;
  - model dirs of partial versions whose marker names a process that is
    gone. A complete version, a live export's dirs, and anything without
    our marker stay.
  """
  removed = owners.remove_abandoned(export_dir, STAGING_PREFIX)
  for path in removed:
    logging.info(
      "Removed %s, the staging folder of an export that was killed", path
    )
  # Complete by the readers' definition: the required models. A version
  # without the optional encoder is complete, never a leftover.
  complete = set(complete_versions(export_dir))
  for version in all_versions(export_dir, model_names):
    if version in complete:
      continue
    for name in model_names:
      path = os.path.join(export_dir, name, str(version))
      marker = read_marker(path) if files.isdir(path) else None
      # Only a marker that describes this very dir: a copy moved elsewhere
      # by hand is the user's.
      ours = marker and (marker.get("model"), marker.get("version")) == (
        name,
        version,
      )
      owner = _dead_owner(marker) if ours else None
      if owner is None:
        continue
      files.rmtree(path)
      removed.append(path)
      logging.warning(
        "Removed %s: version %d was left incomplete by an "
        "export that was killed (%s)",
        path,
        version,
        owner.describe(),
      )
  return removed
