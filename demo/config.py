"""DemoConfig and the demo's workdir check: pure Python, no TensorFlow.

`dcgan-demo` builds its flags from DemoConfig and refuses a bad value or
workdir before `demo.run` brings TensorFlow in.
"""

import dataclasses
import os
from typing import Sequence

from common import config_checks as checks
from common.config_checks import field
from common.errors import ConfigError
from inpainting.search_config import SearchConfig
from training import config as train_config

MASK_SPECS = {
  "center": "center",
  "random": "random:0.8",
  "half": "half:left",
  "irregular": "irregular:4",
}
# The held-out split keeps 50 images of each digit.
MAX_IMAGES_PER_DIGIT = 50
# The preset the demo trains; its GAN step count is the demo's default.
MNIST32 = train_config.PRESETS["mnist32"]
# What the demo creates under its workdir.
WORKDIR_PARTS = ("train", "export", "report")


@dataclasses.dataclass(frozen=True)
class DemoConfig:
  """What the demo trains and completes; the mnist32 preset otherwise."""

  train_steps: int = field(MNIST32.max_steps, "Training steps of mnist32.")
  # Half the mnist32 preset's batch: the same 1,500 updates in about half
  # the time, which keeps `make demo` within 10 minutes on a 2-core CPU, at
  # no cost in hole PSNR (see docs/benchmarks.md).
  batch_size: int = field(32, "Images per training step.")
  # A quarter of the preset's 2,000: the other 1,500 would add about 3.5
  # minutes, taking `make demo` past 10 minutes on a 2-core CPU, for about
  # 0.1 dB on the digits (docs/benchmarks.md#encoder-steps). 0 starts
  # each search from a pool of random z.
  encoder_steps: int = field(500, "Encoder steps after training; 0: none.")
  images_per_digit: int = field(
    10, f"Held-out images per digit to complete, <= {MAX_IMAGES_PER_DIGIT}."
  )
  # The completion's defaults: the encoder's start, then a short search
  # (SearchConfig checks them; steps 0 leaves the start as it is).
  search: SearchConfig = SearchConfig()
  mask_types: Sequence[str] = field(
    tuple(MASK_SPECS), f"Masks to complete under: {', '.join(MASK_SPECS)}."
  )
  seed: int = field(0, "Seeds training and the masks.")

  def __post_init__(self):
    checks.integer("train_steps", self.train_steps, low=1)
    checks.positive_int("batch_size", self.batch_size)
    checks.integer("encoder_steps", self.encoder_steps, low=0)
    checks.integer(
      "images_per_digit", self.images_per_digit, 1, MAX_IMAGES_PER_DIGIT
    )
    for mask_type in self.mask_types:
      checks.one_of("mask_types", mask_type, tuple(MASK_SPECS))
    # TrainConfig's seed range: keras.utils.set_random_seed's.
    checks.integer("seed", self.seed, 0, 2**32 - 1)


def check_workdir(workdir: str) -> None:
  """Fails unless the demo can create its folders under `workdir`."""
  if not workdir:
    raise ConfigError("--workdir is required")
  for path in [workdir] + [os.path.join(workdir, p) for p in WORKDIR_PARTS]:
    if os.path.lexists(path) and not os.path.isdir(path):
      raise ConfigError(
        f"--workdir={workdir}: {path} exists and is not a directory"
      )
  ancestor = os.path.abspath(workdir)
  while not os.path.lexists(ancestor):
    ancestor = os.path.dirname(ancestor)
  if not os.path.isdir(ancestor):
    raise ConfigError(f"--workdir={workdir}: {ancestor} is not a directory")
