"""What a served completion request may ask, and the in-graph checks.

`ServingLimits` are set by dcgan-export's flags and become constants of the
completer's graph; `assert_all` refuses a request with INVALID_ARGUMENT
naming the first condition that failed, before the search allocates
anything large.
"""

import dataclasses

import tensorflow as tf
from absl import logging

from export.versions import ExportError
from inpainting.search_config import SearchConfig

# Pixels may stray this far outside [-1, 1] (rounding in a client's
# scaling); they are clipped. Further out is 0..255 data or a bug.
PIXEL_TOLERANCE = 1e-3
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Signature (8), IHDR length (4) and type (4), width (4), height (4), the
# rest of IHDR (5) and its CRC (4): the shortest bytes that can be a PNG.
PNG_HEADER_BYTES = 33
_INT32_MAX = 2**31 - 1


@dataclasses.dataclass(frozen=True)
class ServingLimits:
  """What one request may ask of the served completer.

  Bounds the memory and time of a request (the search holds batch x
  restarts candidates for `steps` steps). dcgan-export's --max_batch,
  --max_steps, --max_restarts and --max_png_bytes set them; they become
  constants of the completer's graph.

  Attributes:
    max_batch: Images (or PNGs) per request.
    max_steps: Largest `steps` of complete_options.
    max_restarts: Largest `restarts` of complete_options.
    max_png_bytes: Largest PNG of complete_png, in bytes.
  """

  max_batch: int = 64
  max_steps: int = 2000
  max_restarts: int = 16
  max_png_bytes: int = 1 << 20

  def __post_init__(self):
    for field in dataclasses.fields(self):
      value = getattr(self, field.name)
      if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= _INT32_MAX
      ):
        raise ExportError(
          f"{field.name}={value!r} must be an integer "
          f"between 1 and {_INT32_MAX}"
        )


def first_false(ok):
  """Index of the first False in the vector `ok`; its length if none."""
  # Not argmin: which of several equal minima it returns is unspecified.
  n = tf.size(ok)
  return tf.reduce_min(tf.concat([tf.where(ok, n, tf.range(n)), [n]], 0))


def assert_all(conditions):
  """One Assert over (holds, message) pairs that reports the first failure.

  The conditions are computed on any input without failing themselves, so
  the message is ours, not an op's complaint about a shape.
  """
  holds = tf.stack([ok for ok, _ in conditions])
  # A trailing "" for first_false's "none failed".
  messages = tf.stack(
    [tf.convert_to_tensor(message, tf.string) for _, message in conditions]
    + [tf.constant("")]
  )
  return tf.debugging.Assert(
    tf.reduce_all(holds), [tf.gather(messages, first_false(holds))]
  )


def in_range(value, low, high):
  return tf.logical_and(value >= low, value <= high)


def png_conditions(field: str, pngs, size: int, limit: int):
  """(holds, message) pairs for one PNG input [N], from its header bytes
  only: byte size at most `limit`, a PNG signature and IHDR, and width and
  height `size`."""
  length = tf.strings.length(pngs)
  # One empty extra PNG and zero padding: every slice below exists, even
  # for an empty batch or a 3-byte "PNG" (those fail other conditions).
  padded = tf.strings.join(
    [tf.concat([pngs, [""]], 0), b"\0" * PNG_HEADER_BYTES]
  )
  is_png = tf.logical_and(
    tf.equal(tf.strings.substr(padded, 0, 8), PNG_SIGNATURE),
    tf.equal(tf.strings.substr(padded, 12, 4), b"IHDR"),
  )[:-1]
  is_png = tf.logical_and(is_png, length >= PNG_HEADER_BYTES)

  # IHDR: width and height, 4-byte unsigned big-endian integers (read as
  # int64 behind 4 zero bytes, since DecodeRaw has no uint32).
  def header_uint32(offset):
    return tf.io.decode_raw(
      tf.strings.join([b"\0" * 4, tf.strings.substr(padded, offset, 4)]),
      tf.int64,
      little_endian=False,
    )[:, 0]

  width, height = header_uint32(16), header_uint32(20)
  of_size = tf.logical_and(tf.equal(width, size), tf.equal(height, size))[:-1]
  small = length <= limit
  return [
    (
      tf.reduce_all(small),
      tf.strings.format(
        f"{field}[{{}}] is {{}} bytes; at most {limit} "
        "(dcgan-export --max_png_bytes)",
        (
          first_false(small),
          tf.gather(tf.concat([length, [0]], 0), first_false(small)),
        ),
      ),
    ),
    (
      tf.reduce_all(is_png),
      tf.strings.format(
        f"{field}[{{}}] is not a PNG (no PNG signature and IHDR header)",
        first_false(is_png),
      ),
    ),
    (
      tf.reduce_all(of_size),
      tf.strings.format(
        f"{field}[{{}}] is {{}}x{{}} pixels; the model completes {size}x{size}",
        (
          first_false(of_size),
          tf.gather(width, first_false(of_size)),
          tf.gather(height, first_false(of_size)),
        ),
      ),
    ),
  ]


def within_limits(config: SearchConfig, limits: ServingLimits) -> SearchConfig:
  """`config` with steps and restarts lowered to the limits, if above."""
  served = dataclasses.replace(
    config,
    steps=min(config.steps, limits.max_steps),
    restarts=min(config.restarts, limits.max_restarts),
  )
  if served != config:
    logging.info(
      "Served search defaults lowered to the limits: steps %d, restarts %d",
      served.steps,
      served.restarts,
    )
  return served
