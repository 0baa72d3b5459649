"""celeba64: the paper's network on CelebA faces (run with
--dataset=tfds:celeb_a, and --tfds_data_dir where it is prepared)."""

from models.config import CELEBA64
from training import config


def get_config() -> config.TrainConfig:
  # No Fréchet distance: its feature classifier knows digits, not faces.
  return config.TrainConfig(
    model=CELEBA64,
    dataset="tfds:celeb_a",
    batch_size=128,
    max_steps=50_000,
    log_every=100,
    sample_every=1000,
    checkpoint_every=2000,
    frechet_every=0,
    encoder_steps=5000,
    # R1 was measured on mnist32's network only.
    r1_weight=0.0,
  )
