"""One activity seen by several sources counts once.

Garmin Connect and the watch's own folder both report each run, and a FIT file copied into
two folders is two files. Two completed runs are the same activity when they start within
two minutes of each other and last about as long (pauses make a watch's elapsed time and
Garmin's timer differ a little); the copy with more evidence for the classifier wins, and
its ``source`` says which source that was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from syncd.model import Run, StrengthActivity

START_SLACK = timedelta(minutes=2)
DURATION_SLACK = timedelta(minutes=3)
DURATION_SHARE = 0.10

def same_activity(a: Run | StrengthActivity, b: Run | StrengthActivity) -> bool:
    if abs(a.start - b.start) > START_SLACK:
        return False
    da, db = a.end - a.start, b.end - b.start
    return abs(da - db) <= max(DURATION_SLACK, max(da, db) * DURATION_SHARE)


def _place[A: (Run, StrengthActivity)](kept: list[A], item: A,
                                       better: Callable[[A, A], bool]) -> None:
    """Add ``item`` to ``kept`` (sorted by start, ``item`` no earlier than any) unless a copy
    of it is there; of two copies the better one stays."""
    for i in range(len(kept) - 1, -1, -1):
        if item.start - kept[i].start > START_SLACK:
            break
        if same_activity(kept[i], item):
            if better(item, kept[i]):
                kept[i] = item
            return
    kept.append(item)


def _richer(new: Run, old: Run) -> bool:
    return new.detail > old.detail


def add_run(kept: list[Run], run: Run) -> None:
    """For a source building its runs oldest first: add one unless it is a copy."""
    _place(kept, run, _richer)


def merge_runs(runs: Iterable[Run]) -> list[Run]:
    """Each activity once (the richest copy), oldest first."""
    kept: list[Run] = []
    for r in sorted(runs, key=lambda r: r.start):
        _place(kept, r, _richer)
    return kept


def merge_strength(lifts: Iterable[StrengthActivity]) -> list[StrengthActivity]:
    kept: list[StrengthActivity] = []
    for s in sorted(lifts, key=lambda s: s.start):
        _place(kept, s, lambda new, old: len(new.sets) > len(old.sets))  # the one with sets
    return kept
