"""mnist32, the default: the embedded digits, 4,500 to train on, padded to
32x32, 1,500 steps of 64, then 2,000 encoder steps (a 2-core CPU trains it
in about 15 minutes)."""

from training import config


def get_config() -> config.TrainConfig:
  # TrainConfig's defaults are this preset (models.config.MNIST32 inside).
  return config.TrainConfig()
