"""Architecture hyperparameters of the DCGAN generator and discriminator.

Pure Python (no TensorFlow import) so entry points can validate a config and
fail fast, before the multi-second TensorFlow import.
"""

import dataclasses
from typing import Any, Dict

from common import config_checks as checks
from common.config_checks import field
from common.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class ModelConfig:
  """Shape of one DCGAN (Radford et al. 2016, Figure 1).

  Each field's help (`metadata["help"]`) documents it and is its --help.
  """

  image_size: int = field(
    64,
    "Height and width of the square images, a power of two in "
    "[16, 128]. The generator starts at 4x4 and doubles it per layer.",
  )
  channels: int = field(3, "1 (grayscale) or 3 (RGB).")
  z_dim: int = field(100, "Length of the latent vector z ~ U(-1, 1).")
  gf: int = field(
    128,
    "Generator width. The first feature map is 4x4x(8*gf); each "
    "fractionally-strided convolution halves the width (never below gf).",
  )
  df: int = field(
    64,
    "Discriminator width of the first convolution; each further "
    "convolution doubles it.",
  )
  ef: int = field(
    64,
    "Encoder width (models/encoder.py), laid out as the "
    "discriminator's: the first convolution has ef filters, each further "
    "one twice as many.",
  )
  spectral_norm: bool = field(
    False,
    "Spectral normalization (Miyato et al. 2018, SN-GAN) of every "
    "convolution and the logit layer of the discriminator, one power "
    "iteration per training step; the discriminator then has no batch "
    "norm, as in SN-GAN. It changes the discriminator's variables, so a "
    "run cannot be resumed with it changed.",
  )

  def __post_init__(self):
    size = self.image_size
    if not checks.is_int(size) or not 16 <= size <= 128 or size & (size - 1):
      raise ConfigError(
        f"image_size={size!r} must be a power of two between 16 and 128"
      )
    checks.one_of("channels", self.channels, (1, 3))
    for name in ("z_dim", "gf", "df", "ef"):
      checks.positive_int(name, getattr(self, name))
    checks.one_of("spectral_norm", self.spectral_norm, (False, True))

  @property
  def num_upsamplings(self) -> int:
    """Stride-2 layers between 4x4 and the image size."""
    return self.image_size.bit_length() - 3  # log2(size / 4)

  def to_dict(self) -> Dict[str, Any]:
    return dataclasses.asdict(self)

  @classmethod
  def from_dict(cls, values: Dict[str, Any]) -> "ModelConfig":
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
      raise ConfigError(f"unknown model config fields: {', '.join(unknown)}")
    return cls(**values)


# The paper's network: z of 100 -> 4x4x1024 -> 8x8x512 -> 16x16x256 ->
# 32x32x128 -> 64x64x3.
CELEBA64 = ModelConfig(
  image_size=64, channels=3, z_dim=100, gf=128, df=64, ef=64
)
# MNIST digits padded to 32x32: G 4x4x256 -> 8x8x128 -> 16x16x64 -> 32x32x1,
# D 16x16x64 -> 8x8x128 -> 4x4x256.
# Narrower than the paper's so that a 2-core CPU trains it in minutes.
# The encoder mirrors D: 16x16x64 -> 8x8x128 -> 4x4x256 -> z.
MNIST32 = ModelConfig(image_size=32, channels=1, z_dim=100, gf=32, df=64, ef=64)
