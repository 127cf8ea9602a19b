"""The state dir's locks: exclusive, say who holds them, gone when the holder closes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from syncd.errors import ExitCode, StateBusyError
from syncd.lock import daemon_lock, writer_lock
from syncd.state import State


def test_a_held_lock_names_its_holder_and_frees_on_release(tmp_path):
    first = writer_lock(tmp_path)
    first.acquire(wait=0, command="run --once")
    with pytest.raises(StateBusyError) as info:
        writer_lock(tmp_path).acquire(wait=0)
    text = str(info.value)
    assert info.value.exit_code == ExitCode.BUSY == 4
    assert f"pid {os.getpid()}" in text and "`syncd run --once`" in text and "since 20" in text
    assert "\n" not in text
    first.release()
    second = writer_lock(tmp_path)
    second.acquire(wait=0)
    assert second.held
    second.release()


def test_the_writer_and_daemon_locks_are_apart(tmp_path):
    daemon = daemon_lock(tmp_path)
    daemon.acquire(wait=0)
    writer = writer_lock(tmp_path)
    writer.acquire(wait=0)  # a daemon's life does not stop a run between its cycles
    assert writer.held and daemon.held
    writer.release()
    daemon.release()


def test_a_wait_is_bounded_and_tells_once(tmp_path):
    held = writer_lock(tmp_path)
    held.acquire(wait=0, command="holder")
    told: list[str] = []
    t0 = time.monotonic()
    with pytest.raises(StateBusyError) as info:
        writer_lock(tmp_path).acquire(wait=0.6, on_wait=told.append)
    assert 0.5 <= time.monotonic() - t0 < 5
    assert len(told) == 1 and "`syncd holder`" in told[0]
    assert "(waited 0.6 s)" in str(info.value)
    held.release()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    code = ("import sys, time; from pathlib import Path; from syncd.lock import writer_lock; "
            "writer_lock(Path(sys.argv[1])).acquire(wait=0); print('held', flush=True); "
            "time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    with pytest.raises(StateBusyError):
        writer_lock(tmp_path).acquire(wait=0)
    proc.kill()
    proc.wait()
    lock = writer_lock(tmp_path)
    lock.acquire(wait=0)  # the kernel dropped it with the process
    lock.release()


def _second_writer(directory) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    code = ("import sys; from pathlib import Path; from syncd.state import State; "
            "State(Path(sys.argv[1])).close()")
    return subprocess.run([sys.executable, "-c", code, str(directory)], capture_output=True,
                          text=True, timeout=60)


def test_a_writable_state_holds_the_writer_lock_and_readers_do_not(tmp_path):
    State(tmp_path, wait=5).close()  # make it
    writer = State(tmp_path, command="test")
    try:
        other = _second_writer(tmp_path)
        assert other.returncode != 0 and "StateBusyError" in other.stderr
        assert "`syncd test`" in other.stderr
        State(tmp_path, readonly=True).close()
        State(tmp_path, scratch=True).close()
    finally:
        writer.close()
    assert _second_writer(tmp_path).returncode == 0  # free again


def test_states_of_one_process_share_its_lock_until_the_last_closes(tmp_path):
    """A process is one writer: a second State in it (a test's restart, a helper) shares
    the lock, and the lock is free for others only when the last of them closes."""
    first = State(tmp_path, command="test")
    second = State(tmp_path)
    first.close()
    assert _second_writer(tmp_path).returncode != 0, "still held by the second"
    second.close()
    assert _second_writer(tmp_path).returncode == 0
