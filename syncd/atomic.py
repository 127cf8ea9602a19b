"""Replace a file so that a reader sees the old bytes or the new ones, never half of each.

A temporary file in the same folder, fsync, chmod, rename: a crash at any point leaves the
old file. Used for every file syncd publishes (the ICS file, the feed) and its token.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, mode: int, dir_mode: int = 0o777) -> None:
    path.parent.mkdir(mode=dir_mode, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
