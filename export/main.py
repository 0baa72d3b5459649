r"""Exports a training run's generator and discriminator as SavedModels.

  dcgan-export --workdir=/tmp/mnist32 --export_dir=/tmp/export
  docker run -p 8501:8501 -v /tmp/export:/models tensorflow/serving \
      --model_config_file=/models/models.config
"""

import sys

from inpainting import cpu_env  # noqa: F401  (must precede TensorFlow)

from absl import app
from absl import flags

from models.config import ConfigError

_WORKDIR = flags.DEFINE_string("workdir", None, "Training workdir.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", None, "Where to export.")
_VERSION = flags.DEFINE_integer(
    "version", None, "Version number (default: one more than the highest).")
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", None, "Checkpoint prefix (default: the latest).")
_SERVING_BASE = flags.DEFINE_string(
    "serving_base", "/models",
    "Path at which TensorFlow Serving sees --export_dir (models.config).")

PROG = "dcgan-export"


def main(argv):
  from export import exporter  # pylint: disable=import-outside-toplevel
  try:
    if len(argv) > 1:
      raise ConfigError(f"unexpected arguments: {' '.join(argv[1:])}")
    for flag in (_WORKDIR, _EXPORT_DIR):
      if not flag.value:
        raise ConfigError(f"--{flag.name} is required")
    result = exporter.export_models(_WORKDIR.value, _EXPORT_DIR.value,
                                    _VERSION.value, _CHECKPOINT.value,
                                    _SERVING_BASE.value)
  except (ConfigError, exporter.ExportError) as e:
    print(f"{PROG}: error: {e}", file=sys.stderr)
    sys.exit(2)
  for name, path in result.paths.items():
    print(f"{name}: {path}")


def run():
  app.run(main)


if __name__ == "__main__":
  run()
