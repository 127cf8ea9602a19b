"""A progress bar for long first scans, drawn only when a person is watching.

On a terminal the bar redraws one line on stderr, at most ten times a second. Under systemd,
in a pipe or in tests nothing is drawn: the journal gets one summary line from the caller
instead, never a line per file.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Protocol, TextIO


class Progress(Protocol):
    def step(self, done: int, total: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    def step(self, done: int, total: int) -> None:
        pass

    def close(self) -> None:
        pass


class TerminalBar:
    def __init__(self, label: str, out: TextIO) -> None:
        self.label, self.out = label, out
        self.shown = 0.0
        self.drawn = False

    def step(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.shown < 0.1:
            return
        self.shown = now
        width = 30
        filled = width * done // max(1, total)
        self.out.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                       f"{done}/{total}")
        self.out.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.out.write("\n")
            self.out.flush()


def progress_for(label: str, total: int, minimum: int = 20,
                 out: TextIO | None = None) -> Progress:
    """A bar when stderr is a terminal (not the journal) and the work is worth showing."""
    stream = out or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if total < minimum or not tty or os.environ.get("JOURNAL_STREAM"):
        return NoProgress()
    return TerminalBar(label, stream)
