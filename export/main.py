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

from common import cli, config_flags
from export import preflight
from inpainting.search_config import BEYOND_Z_FIELDS, SERVED_VIEWS, SearchConfig

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
# Bounds are checked by export.preflight: absl's own error is several lines.
_LIMITS = [flags.DEFINE_integer(*flag) for flag in preflight.LIMIT_FLAGS]
# The served completer's search (what a request that names none runs).
_SEARCH = config_flags.define_flags(
  SearchConfig(views=SERVED_VIEWS),
  {name: name for name in ("views", "view_tolerance") + BEYOND_Z_FIELDS},
  note="Sets the served completer's default.",
)

PROG = "dcgan-export"


def main(argv):
  limits = {flag.name: flag.value for flag in _LIMITS}
  preflight.check_arguments(
    argv, _WORKDIR.value, _EXPORT_DIR.value, _VERSION.value, limits
  )
  _SEARCH.apply(SearchConfig())  # a bad value: one line, before TensorFlow
  from export import completer, exporter

  result = exporter.export_models(
    _WORKDIR.value,
    _EXPORT_DIR.value,
    _VERSION.value,
    _CHECKPOINT.value,
    _SERVING_BASE.value,
    limits=completer.ServingLimits(**limits),
    raw_generator=_RAW_GENERATOR.value,
    search_overrides=_SEARCH.overrides(),
  )
  for name, path in result.paths.items():
    print(f"{name}: {path}")


def run():
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
