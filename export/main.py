r"""Exports a training run's generator and discriminator as SavedModels.

  dcgan-export --workdir=/tmp/mnist32 --export_dir=/tmp/export
  docker run -p 8501:8501 -v /tmp/export:/models tensorflow/serving \
      --model_config_file=/models/models.config

Bad flags and files are one line `dcgan-export: error: ...` and exit 2,
with nothing written.
"""

from common import tf_env  # noqa: F401  (must precede TensorFlow)

# isort: split

from absl import flags

from common import cli
from export import preflight

_WORKDIR = flags.DEFINE_string(
  "workdir", None, "Required. The training run's --workdir."
)
_EXPORT_DIR = flags.DEFINE_string(
  "export_dir",
  None,
  "Required. Where to export: generator/, discriminator/, completer/ "
  "(and encoder/) versions and models.config.",
)
_VERSION = flags.DEFINE_integer(
  "version", None, "Version number (default: one more than the highest)."
)
_CHECKPOINT = flags.DEFINE_string(
  "checkpoint", None, "Checkpoint prefix (default: the latest)."
)
_RAW_GENERATOR = flags.DEFINE_boolean(
  "raw_generator",
  False,
  "Export the generator's last weights instead of their moving average "
  "(the encoder, trained against the average, is then left out).",
)
_SERVING_BASE = flags.DEFINE_string(
  "serving_base",
  "/models",
  "Path at which TensorFlow Serving sees --export_dir (models.config).",
)
# The served completer's limits per request (export/completer.py
# ServingLimits), checked by export.preflight.
_MAX_BATCH = flags.DEFINE_integer(
  "max_batch", 64, "Served completer: most images (or PNGs) per request."
)
_MAX_STEPS = flags.DEFINE_integer(
  "max_steps", 2000, "Served completer: largest `steps` of a request."
)
_MAX_RESTARTS = flags.DEFINE_integer(
  "max_restarts", 16, "Served completer: largest `restarts` of a request."
)
_MAX_PNG_BYTES = flags.DEFINE_integer(
  "max_png_bytes", 1 << 20, "Served completer: largest PNG, in bytes."
)
_LIMIT_FLAGS = (_MAX_BATCH, _MAX_STEPS, _MAX_RESTARTS, _MAX_PNG_BYTES)

PROG = "dcgan-export"


def main(argv):
  limits = {flag.name: flag.value for flag in _LIMIT_FLAGS}
  preflight.check_arguments(
    argv, _WORKDIR.value, _EXPORT_DIR.value, _VERSION.value, limits
  )
  from export import completer, exporter

  result = exporter.export_models(
    _WORKDIR.value,
    _EXPORT_DIR.value,
    _VERSION.value,
    _CHECKPOINT.value,
    _SERVING_BASE.value,
    limits=completer.ServingLimits(**limits),
    raw_generator=_RAW_GENERATOR.value,
  )
  for name, path in result.paths.items():
    print(f"{name}: {path}")


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
