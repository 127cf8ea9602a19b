"""One writer per state dir, one daemon per state dir: advisory locks on files beside the state.

Two syncd writing one state at once (a timer's run and a manual one, two daemons) both plan
and both write, and the calendar gets each session twice. So whatever opens the state for
writing first takes ``writer.lock`` (``fcntl.flock``: the kernel releases it when the
process dies, even by ``kill -9``, so no stale lock survives a crash). The resident daemon
also holds ``daemon.lock`` for as long as it lives, so a second daemon on the same state
refuses to start, while a manual ``run --once`` may still slip in between two cycles.

Readers take no lock: ``status``, ``plan`` and ``--dry-run`` read the SQLite file, whose
write-ahead log lets them in while a writer works.

The holder writes who it is into the file (pid, since when, what command), so the one that
finds it taken can say so in one line. That text is a courtesy: the lock is the flock, and a
file we cannot write (a full disk) still locks.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from syncd.errors import StateBusyError

WRITER_LOCK = "writer.lock"
DAEMON_LOCK = "daemon.lock"
POLL_S = 0.2
MAX_HOLDER_TEXT = 200  # the file is ours, but read it bounded all the same


def command_name(argv: list[str] | None = None) -> str:
    """What this process is, for the holder line: ``run --once``, ``run`` (the daemon)..."""
    args = sys.argv[1:] if argv is None else argv
    words = [a for a in args if a in ("run", "--once", "login", "doctor", "rotate-token",
                                      "cycle")]
    return " ".join(words) or "syncd"


# Locks this process holds with ``per_process``: path → [descriptor, holders]. The lock keeps
# processes apart; inside one process (a cycle, a test that reopens the state as a restarted
# process would) every State on the same dir is the same writer.
_HELD: dict[str, list[int]] = {}


class FileLock:
    """An exclusive flock on ``directory/name``; ``acquire`` waits up to ``wait`` seconds.
    With ``per_process`` a second acquire in the same process shares the first's lock."""

    def __init__(self, directory: Path, name: str, what: str, hint: str,
                 per_process: bool = False) -> None:
        self.path = directory / name
        self.what = what  # "writes to", "daemon runs on": for the busy message
        self.hint = hint  # what to do about it
        self.per_process = per_process
        self.fd: int | None = None

    def acquire(self, *, wait: float, command: str | None = None,
                on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock or raise ``StateBusyError`` naming the holder. ``on_wait`` (a
        callable taking the holder text) is told once when the lock is busy and we wait."""
        key = os.path.realpath(self.path)
        if self.per_process and key in _HELD:
            _HELD[key][1] += 1
            self.fd = _HELD[key][0]
            return
        old = os.umask(0o077)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        finally:
            os.umask(old)
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise StateBusyError(self._busy(holder, wait)) from None
                if not told and on_wait is not None:
                    on_wait(_read_holder(fd) or "another syncd")
                    told = True
                time.sleep(POLL_S)
        self.fd = fd
        if self.per_process:
            _HELD[key] = [fd, 1]
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        text = f"pid {os.getpid()}, since {stamp}, `syncd {command or command_name()}`"
        with contextlib.suppress(OSError):  # a full disk: the flock holds without the text
            os.ftruncate(fd, 0)
            os.pwrite(fd, text.encode(), 0)

    def _busy(self, holder: str, wait: float) -> str:
        who = holder or "a process that did not say who it is"
        waited = f" (waited {wait:g} s)" if wait > 0 else ""
        return f"{self.path.parent}: another syncd {self.what} it ({who}){waited}: {self.hint}"

    def release(self) -> None:
        key = os.path.realpath(self.path)
        if self.fd is not None and self.per_process and key in _HELD:
            _HELD[key][1] -= 1
            if _HELD[key][1] > 0:
                self.fd = None
                return
            del _HELD[key]
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing the only descriptor releases the flock
            self.fd = None

    @property
    def held(self) -> bool:
        return self.fd is not None


def _read_holder(fd: int) -> str:
    try:
        raw = os.pread(fd, MAX_HOLDER_TEXT, 0)
    except OSError:
        return ""
    text = raw.decode("utf-8", "replace")
    return "".join(c for c in text if c.isprintable()).strip()


def writer_lock(directory: Path, per_process: bool = False) -> FileLock:
    return FileLock(directory, WRITER_LOCK, "writes to",
                    "run again when it is done, or give `run --once --wait SECONDS`",
                    per_process=per_process)


def daemon_lock(directory: Path) -> FileLock:
    return FileLock(directory, DAEMON_LOCK, "daemon runs on",
                    "stop that one first, or give this one another --state-dir")
