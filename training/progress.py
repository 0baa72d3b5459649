"""Progress of a training phase: images/s, ETA, when periodic work is due."""

import time
from typing import Tuple


def is_due(step: int, every: int, last: int) -> bool:
  """Whether work done every `every` steps (logs, samples, checkpoints) is
  due at `step`; the phase's `last` step always is."""
  return step % every == 0 or step == last


def format_eta(seconds: float) -> str:
  """H:MM:SS; negative durations read as 0."""
  seconds = int(max(seconds, 0))
  return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class RateWindow:
  """Images/s and the ETA over the steps since the last report.

  Args:
    images_per_step: Images one step consumes (the global batch; the
      encoder's step encodes two batches).
  """

  def __init__(self, images_per_step: int):
    self.images_per_step = images_per_step
    self._reset()

  def _reset(self):
    self.started, self.steps = time.perf_counter(), 0

  def tick(self):
    self.steps += 1

  def report(self, remaining_steps: int) -> Tuple[float, str]:
    """(images per second, ETA text), then starts a new window."""
    elapsed = max(time.perf_counter() - self.started, 1e-9)
    rate = self.steps * self.images_per_step / elapsed
    eta = format_eta(remaining_steps * elapsed / max(self.steps, 1))
    self._reset()
    return rate, eta
