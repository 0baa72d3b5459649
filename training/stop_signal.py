"""Turns SIGTERM and SIGINT into a request to checkpoint and stop."""

import os
import signal
import threading

from absl import logging


class StopSignal:
  """Context manager: while active, SIGTERM/SIGINT set `received` instead of
  killing the process, so the loop can finish its step, save a checkpoint and
  exit cleanly. A second SIGINT interrupts at once (KeyboardInterrupt).
  """

  def __init__(self, signals=(signal.SIGTERM, signal.SIGINT)):
    self.signals = signals
    self.received = None
    self._previous = {}

  def _handle(self, signum, frame):
    del frame
    if self.received is not None and signum == signal.SIGINT:
      raise KeyboardInterrupt
    self.received = signal.Signals(signum).name

  def __enter__(self):
    # Handlers can only be installed from the main thread; elsewhere (a
    # notebook worker thread) signals keep their usual effect.
    if threading.current_thread() is not threading.main_thread():
      return self
    for signum in self.signals:
      self._previous[signum] = signal.signal(signum, self._handle)
    return self

  def __exit__(self, *exc_info):
    for signum, handler in self._previous.items():
      signal.signal(signum, handler)
    return False


class SigintAsSigterm(StopSignal):
  """Context manager: while active, SIGINT (Ctrl-C) is re-sent to this
  process as SIGTERM and gets whatever handling SIGTERM has.

  In a multi-worker job SIGTERM belongs to TensorFlow's
  PreemptionCheckpointHandler, which makes every worker checkpoint at the
  same step and exit; a worker that stopped on its own instead would leave
  the others waiting in a collective until it times out. `received` stays
  None: the stop is the handler's. Where SIGTERM has no Python handler it
  falls back to StopSignal's behaviour. A second SIGINT interrupts at once.
  """

  def __init__(self):
    super().__init__(signals=(signal.SIGINT,))
    self.forwarded = False

  def _handle(self, signum, frame):
    if self.forwarded or self.received:
      raise KeyboardInterrupt
    if not callable(signal.getsignal(signal.SIGTERM)):
      # No Python SIGTERM handler (PreemptionCheckpointHandler on GCE
      # watches maintenance events instead): a SIGTERM would kill this
      # worker unsaved, so stop this worker alone, as StopSignal does.
      super()._handle(signum, frame)
      return
    self.forwarded = True
    logging.info(
      "SIGINT received: stopping all workers as for SIGTERM "
      "(checkpoint at one step, exit 42)"
    )
    os.kill(os.getpid(), signal.SIGTERM)
