r"""Trains a DCGAN; rerun the same command to resume from the last checkpoint.

  dcgan-train --config=mnist32 --workdir=/tmp/mnist32
  dcgan-train --config=celeba64 --workdir=W --dataset=tfds:celeb_a \
      --tfds_data_dir=~/tensorflow_datasets
  dcgan-train --config=mnist32 --workdir=W --dataset=folder:~/digits

  TF_CONFIG='{"cluster": {"worker": ["host1:2222", "host2:2222"]},
      "task": {"type": "worker", "index": 0}}' \
      dcgan-train --strategy=multi_worker --workdir=SHARED_DIR ...

Watch it with `tensorboard --logdir W`. SIGTERM or Ctrl-C saves a checkpoint
and exits 0; in a multi-worker job a SIGTERM or Ctrl-C to any worker makes all
of them checkpoint at the same step and exit with status 42 (restart and
resume).
"""

from inpainting import cpu_env  # noqa: F401  (must precede TensorFlow)

from absl import flags
from absl import logging

from inpainting import cli
from training import config as config_lib
from training import data_sources
from training import errors

_CONFIG = flags.DEFINE_string(
    "config", "mnist32",
    f"Preset: {', '.join(sorted(config_lib.PRESETS))}.")
_WORKDIR = flags.DEFINE_string(
    "workdir", None, "Checkpoints, TensorBoard events, config.json, samples.")
_DATASET = flags.DEFINE_string(
    "dataset", None, "embedded:mnist | tfds:NAME[:SPLIT] | folder:PATH "
    "(default: the preset's).")
_TFDS_DATA_DIR = flags.DEFINE_string(
    "tfds_data_dir", None, "Directory of prepared TFDS data sets.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", None, "Global batch size.")
_MAX_STEPS = flags.DEFINE_integer("max_steps", None, "Stop after this step.")
_CHECKPOINT_EVERY = flags.DEFINE_integer(
    "checkpoint_every", None, "Steps between checkpoints.")
_SAMPLE_EVERY = flags.DEFINE_integer(
    "sample_every", None, "Steps between sample grids.")
_LOG_EVERY = flags.DEFINE_integer(
    "log_every", None, "Steps between log lines and scalar summaries.")
_SEED = flags.DEFINE_integer("seed", None, "Random seed.")
_DETERMINISTIC = flags.DEFINE_bool(
    "deterministic", None, "Deterministic TensorFlow ops (reproducible runs).")
_LEARNING_RATE = flags.DEFINE_float("learning_rate", None, "Adam step size.")
# Strings, not enums: a bad value must give our one-line error, not absl's.
_MIXED_PRECISION = flags.DEFINE_string(
    "mixed_precision", None,
    f"{' | '.join(config_lib.PRECISION_POLICIES)}. Keras dtype policy; auto: "
    "mixed_float16 on GPU, mixed_bfloat16 on TPU, float32 on CPU "
    "(default: auto).")
_STRATEGY = flags.DEFINE_string(
    "strategy", None,
    f"{' | '.join(config_lib.STRATEGIES)}. tf.distribute strategy; auto: "
    "tpu if --tpu, multi_worker if TF_CONFIG names several tasks, mirrored "
    "if several GPUs, else default.")
_TPU = flags.DEFINE_string("tpu", None, "TPU name or grpc:// address.")
_COLLECTIVE_TIMEOUT_S = flags.DEFINE_float(
    "collective_timeout_s", None,
    "Multi-worker: seconds a collective op may wait for its peers before the "
    "job fails (default 600).")
_IMAGE_SIZE = flags.DEFINE_integer(
    "image_size", None, "Override the preset's image size (power of two).")
_CHANNELS = flags.DEFINE_integer(
    "channels", None, "Override the preset's channels (1 or 3).")

PROG = "dcgan-train"


def resolve_config() -> config_lib.TrainConfig:
  """Flags -> TrainConfig; raises ConfigError/DataError before TF loads."""
  if not _WORKDIR.value:
    raise config_lib.ConfigError("--workdir is required")
  config = config_lib.get_config(
      _CONFIG.value, dataset=_DATASET.value,
      tfds_data_dir=_TFDS_DATA_DIR.value, batch_size=_BATCH_SIZE.value,
      max_steps=_MAX_STEPS.value, checkpoint_every=_CHECKPOINT_EVERY.value,
      sample_every=_SAMPLE_EVERY.value, log_every=_LOG_EVERY.value,
      seed=_SEED.value, learning_rate=_LEARNING_RATE.value,
      image_size=_IMAGE_SIZE.value, channels=_CHANNELS.value,
      deterministic=_DETERMINISTIC.value,
      mixed_precision=_MIXED_PRECISION.value, strategy=_STRATEGY.value,
      tpu=_TPU.value, collective_timeout_s=_COLLECTIVE_TIMEOUT_S.value)
  data_sources.check_dataset_spec(config.dataset)
  # A malformed TF_CONFIG is an error whatever the strategy: `auto` would
  # otherwise quietly train alone.
  config_lib.check_tf_config(required=config.strategy == "multi_worker")
  config_lib.check_workdir(config, _WORKDIR.value)
  return config


def main(argv):
  if len(argv) > 1:
    fail(f"unexpected arguments: {' '.join(argv[1:])}")
  try:
    config = resolve_config()
    from training import train as train_lib  # pylint: disable=import-outside-toplevel
    result = train_lib.train(config, _WORKDIR.value)
  except errors.USER_ERRORS as e:
    fail(str(e))
  logging.info("Done at step %d; samples in %s/samples", result.step,
               _WORKDIR.value)


def fail(message: str):
  cli.fail(PROG, message)


def run():
  """Console-script entry point."""
  cli.run(PROG, main)


if __name__ == "__main__":
  run()
