"""What to tell the user when syncd's own state file cannot be used, in one line with the fix.

A state file can be cut short (a crash on a full disk), overwritten, emptied, made unreadable
by a wrong chown, or sit on a volume with no room left. SQLite then raises a bare
``DatabaseError``; this module turns it into a ``StateUnusableError`` that names the file,
what is wrong with it and what to do, so no command says "internal error ... report it" and
the daemon can log it once instead of a traceback per cycle.

The advice for a damaged file is to move it away: the next run starts a fresh state and
adopts syncd's own events from the calendar (by their marker properties) rather than
writing copies of them. The damaged file is kept, never deleted, so nothing is lost.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from syncd.errors import StateUnusableError

MIN_FREE_BYTES = 1024 * 1024  # below this, or below MIN_FREE_SHARE, the volume is "full"
MIN_FREE_SHARE = 0.01


def free_space(directory: Path) -> tuple[int, int] | None:
    """(bytes free to us, bytes in all) on the volume holding ``directory`` (or the nearest
    folder above it that exists), None if it cannot be asked."""
    here = directory
    while not here.exists() and here != here.parent:
        here = here.parent
    try:
        st = os.statvfs(here)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize


def nearly_full(directory: Path) -> str | None:
    """"N KiB free of M" when the volume is full or nearly (< 1 MiB or < 1 %), else None."""
    space = free_space(directory)
    if space is None:
        return None
    free, total = space
    if free < MIN_FREE_BYTES or (total and free < total * MIN_FREE_SHARE):
        return f"{free // 1024} KiB free of {total // 1024} KiB"
    return None


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.Error) and "disk is full" in str(exc)


def unusable(path: Path, exc: BaseException) -> StateUnusableError:
    """The one line for ``exc`` met while using the state file ``path``."""
    directory = path.parent
    full = nearly_full(directory)
    if _is_full(exc) or (full and isinstance(exc, (sqlite3.OperationalError, OSError))):
        left = full or "no space left"
        return StateUnusableError(
            f"{path}: the disk holding the state is full ({left}): free space on that volume "
            "and run again; the state file is kept as it is")
    if isinstance(exc, PermissionError) or not _accessible(path):
        return StateUnusableError(
            f"{path}: cannot be read and written by uid {os.geteuid()}: chown it (and its "
            "folder) to the user syncd runs as and make it mode 0600")
    try:
        size = path.stat().st_size
    except OSError:
        size = -1
    what = "is empty (0 bytes)" if size == 0 else f"is damaged ({_reason(exc)})"
    return StateUnusableError(
        f"{path}: {what}: move it away (mv {path} {path}.damaged) and run `syncd run --once`; "
        "the fresh state adopts syncd's own events from the calendar instead of adding copies")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return "".join(c for c in text if c.isprintable())[:120]


def _accessible(path: Path) -> bool:
    if not path.exists():
        return os.access(path.parent, os.W_OK | os.X_OK)
    return os.access(path, os.R_OK | os.W_OK) if os.geteuid() else os.access(path, os.R_OK)
