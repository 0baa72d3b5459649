"""The PNG files of a request, checked before it is built: signature, chunks
and their CRCs, size and channels from the header. Pure Python: the client's
b64 format needs neither NumPy nor TensorFlow.
"""

import os
import struct
import zlib

from common.errors import UserError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# IHDR colour type -> colour channels, alpha aside (TensorFlow's decode_png
# drops alpha for channels=1 or 3). Palette images convert to either.
_COLOR_CHANNELS = {0: 1, 2: 3, 3: None, 4: 1, 6: 3}
_COLOR_NAMES = {
  0: "grayscale",
  2: "RGB",
  3: "palette",
  4: "grayscale with alpha",
  6: "RGBA",
}


class ClientError(UserError, ValueError):
  """A file or flag that cannot make a request; the message names it."""


def _read_bytes(path):
  with open(path, "rb") as f:
    return f.read()


def _check_chunks(data: bytes) -> str:
  """'' if the PNG's chunks are whole (lengths, CRCs, IEND), else why not."""
  pos = len(PNG_SIGNATURE)
  while pos + 12 <= len(data):
    length, kind = struct.unpack(">I4s", data[pos : pos + 8])
    end = pos + 8 + length
    if end + 4 > len(data):
      return f"{kind.decode('latin-1')} chunk cut short"
    if zlib.crc32(data[pos + 4 : end]) != int.from_bytes(
      data[end : end + 4], "big"
    ):
      return f"{kind.decode('latin-1')} chunk fails its CRC"
    if kind == b"IEND":
      return ""
    pos = end + 4
  return "no IEND chunk (truncated?)"


def png_info(data: bytes, flag: str, path: str):
  """(width, height, colour type) from a PNG's header; ClientError if it is
  no whole PNG."""
  if (
    len(data) < 33
    or not data.startswith(PNG_SIGNATURE)
    or data[12:16] != b"IHDR"
  ):
    raise ClientError(f"--{flag}={path}: not a PNG file")
  width, height = struct.unpack(">II", data[16:24])
  color_type = data[25]
  if color_type not in _COLOR_CHANNELS:
    raise ClientError(
      f"--{flag}={path}: damaged PNG (colour type {color_type})"
    )
  problem = _check_chunks(data)
  if problem:
    raise ClientError(f"--{flag}={path}: damaged PNG ({problem})")
  return width, height, color_type


def read_png(flag: str, path: str) -> bytes:
  """The bytes of the PNG file that --flag names; ClientError if unusable."""
  if not os.path.exists(path):
    raise ClientError(f"--{flag}={path}: no such file")
  if os.path.isdir(path):
    raise ClientError(f"--{flag}={path}: a directory, not a PNG file")
  try:
    data = _read_bytes(path)
  except OSError as e:
    raise ClientError(f"--{flag}={path}: cannot read ({e.strerror})") from None
  png_info(data, flag, path)
  return data


def check_pair(
  image_png: bytes,
  mask_png: bytes,
  image_path: str,
  mask_path: str,
  channels: int,
  size=None,
):
  """The image has `channels` (and `size`); the mask the image's size."""
  width, height, color_type = png_info(image_png, "image", image_path)
  has = _COLOR_CHANNELS[color_type]
  if has is not None and has != channels:
    raise ClientError(
      f"--image={image_path} is {_COLOR_NAMES[color_type]} "
      f"({has} channel{'s' if has > 1 else ''}); the model "
      f"takes --channels={channels}"
    )
  if size is not None and (width, height) != (size, size):
    raise ClientError(
      f"--image={image_path} is {width}x{height}; the model "
      f"takes --size={size} ({size}x{size})"
    )
  mask_width, mask_height, _ = png_info(mask_png, "mask", mask_path)
  if (mask_width, mask_height) != (width, height):
    raise ClientError(
      f"--mask={mask_path} is {mask_width}x{mask_height} but "
      f"--image is {width}x{height}"
    )
