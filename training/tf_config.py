"""TF_CONFIG, the multi-worker cluster spec, checked before TensorFlow loads.

Pure Python, so a malformed cluster fails in a second, never as a silent
single-worker run.
"""

import json
import os

from common.errors import ConfigError


def check_tf_config(required: bool = True):
  """Raises ConfigError unless TF_CONFIG describes a cluster and this task.

  Pure Python, so a bad cluster fails before TensorFlow loads. With
  `required=False` an unset TF_CONFIG passes, but a set one must be valid:
  a malformed TF_CONFIG is an error, never a silent single-worker run.
  """
  raw = os.environ.get("TF_CONFIG")
  if not raw:
    if required:
      raise ConfigError(
        "--strategy=multi_worker needs the TF_CONFIG "
        "environment variable (cluster and task)"
      )
    return
  try:
    config = json.loads(raw)
  except json.JSONDecodeError as e:
    raise ConfigError(f"TF_CONFIG is not valid JSON: {e}") from e
  if (
    not isinstance(config, dict)
    or "cluster" not in config
    or ("task" not in config)
  ):
    raise ConfigError("TF_CONFIG must have 'cluster' and 'task' entries")
  cluster, task = config["cluster"], config["task"]
  if (
    not isinstance(cluster, dict)
    or not all(
      isinstance(v, list) and v and all(isinstance(a, str) for a in v)
      for v in cluster.values()
    )
    or not cluster
  ):
    raise ConfigError(
      "TF_CONFIG 'cluster' must map job names to non-empty "
      "lists of 'host:port' addresses"
    )
  task_type = task.get("type") if isinstance(task, dict) else None
  if task_type not in cluster:
    raise ConfigError(
      f"TF_CONFIG 'task' type {task_type!r} is not a job "
      f"of the cluster ({', '.join(cluster)})"
    )
  index = task.get("index", 0)
  if not isinstance(index, int) or not 0 <= index < len(cluster[task["type"]]):
    raise ConfigError(
      f"TF_CONFIG 'task' index {index!r} is not in [0, "
      f"{len(cluster[task['type']])}) for job "
      f"{task['type']!r}"
    )


def cluster_task_count() -> int:
  """Tasks named in TF_CONFIG (0 when unset); ConfigError if malformed."""
  check_tf_config(required=False)
  cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
  return sum(len(tasks) for tasks in cluster.values())
