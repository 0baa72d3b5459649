"""SIGINT/SIGTERM handling in-process (the job tests send them to real jobs)."""

import os
import signal
import time

import pytest

from training.stop_signal import SigintAsSigterm, StopSignal


def _send(signum):
  os.kill(os.getpid(), signum)
  time.sleep(0.05)  # Python runs the handler at the next bytecode boundary


@pytest.fixture
def sigterm_handler():
  """A Python SIGTERM handler that records calls, restored afterwards."""
  calls = []
  previous = signal.signal(signal.SIGTERM, lambda *_: calls.append("TERM"))
  yield calls
  signal.signal(signal.SIGTERM, previous)


def test_stop_signal_records_and_a_second_sigint_interrupts():
  with StopSignal() as stop:
    _send(signal.SIGINT)
    assert stop.received == "SIGINT"
    with pytest.raises(KeyboardInterrupt):
      _send(signal.SIGINT)


def test_sigint_is_handed_to_the_sigterm_handler(sigterm_handler):
  with SigintAsSigterm() as stop:
    _send(signal.SIGINT)
    time.sleep(0.05)  # the forwarded SIGTERM
    assert sigterm_handler == ["TERM"]
    assert stop.received is None and stop.forwarded
    with pytest.raises(KeyboardInterrupt):
      _send(signal.SIGINT)


def test_without_a_python_sigterm_handler_it_stops_like_stop_signal():
  previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
  try:
    with SigintAsSigterm() as stop:
      _send(signal.SIGINT)  # must not become a fatal SIGTERM
      assert stop.received == "SIGINT" and not stop.forwarded
  finally:
    signal.signal(signal.SIGTERM, previous)
