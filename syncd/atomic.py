"""Replace a file so that a reader sees the old bytes or the new ones, never half of each.

A temporary file in the same folder, fsync, rename: a crash at any point leaves the old
file. Used for every file syncd publishes (the ICS file, the feed) and its token.

The mode: a private file (a token, the feed) is given its mode exactly; a published file
(``mode=None``) keeps the mode of the file it replaces, so a user's ``chmod 600`` lasts,
and a new one is created as any program creates a file, through the umask.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


def atomic_write(path: Path, data: bytes, mode: int | None, dir_mode: int = 0o777, *,
                 parents: bool = True) -> None:
    """Write ``data`` to ``path``. With ``parents`` every missing folder is made; without,
    at most the file's own folder, and only when the folder above it exists (a mistyped
    path must not grow a tree of folders): else FileNotFoundError."""
    if parents:
        path.parent.mkdir(mode=dir_mode, parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        path.parent.mkdir(mode=dir_mode)
    keep = None
    if mode is None:
        with contextlib.suppress(FileNotFoundError):
            keep = stat.S_IMODE(os.stat(path).st_mode)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # 0o666 through the umask for a new published file; a private one is never wider.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                 0o666 if mode is None else mode & 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        final = mode if mode is not None else keep
        if final is not None:
            os.chmod(tmp, final)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
