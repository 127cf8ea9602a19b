"""A wake-up asked for while a cycle runs (the MQTT "sync now" button) is not lost."""

from __future__ import annotations

import threading
import time

from syncd.daemon import Flags, _sleep
from syncd.notify import Notifier


def test_a_wake_set_before_the_sleep_ends_it_at_once_and_is_used_up():
    flags = Flags()
    flags.wake.set()  # pressed while the cycle ran
    started = time.monotonic()
    _sleep(30, flags, Notifier({}))
    assert time.monotonic() - started < 2
    assert not flags.wake.is_set()
    started = time.monotonic()
    _sleep(0.3, flags, Notifier({}))  # the next sleep is a whole one again
    assert time.monotonic() - started >= 0.29


def test_a_wake_during_the_sleep_ends_it_early():
    flags = Flags()
    threading.Timer(0.2, flags.wake.set).start()
    started = time.monotonic()
    _sleep(30, flags, Notifier({}))
    assert time.monotonic() - started < 5
    assert not flags.wake.is_set()
