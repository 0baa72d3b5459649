"""tiny, for tests: mnist32 shrunk to a few seconds per dozen steps on a CPU."""

from training import config
from training.configs import mnist32


def get_config() -> config.TrainConfig:
  # No encoder phase and no R1 (a second backward pass through D): tests
  # that want them set encoder_steps and r1_weight.
  return mnist32.get_config().replace(
    image_size=16,
    z_dim=8,
    gf=4,
    df=4,
    ef=4,
    encoder_steps=0,
    r1_weight=0.0,
    batch_size=8,
    max_steps=4,
    log_every=1,
    sample_every=2,
    checkpoint_every=2,
    num_samples=4,
    shuffle_buffer=64,
    frechet_every=0,
  )
