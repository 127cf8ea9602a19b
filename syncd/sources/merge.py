"""One activity seen by several sources counts once.

Garmin Connect and the watch's own folder both report each run, a FIT file copied into
two folders is two files, and Strava and intervals.icu receive the same run from the watch
(or from Garmin). Two completed runs are the same activity when they start within two
minutes of each other and last about as long: within 3 minutes or 10 %. The services time a
run differently: Garmin's ``duration`` is the timer (auto-pause stops it), a FIT file's and
Strava's ``elapsed_time`` is the wall clock, Strava's and intervals.icu's ``moving_time`` is
their own reckoning of motion. So each copy offers every length it knows (``end - start``
and ``moving_s``), and any pair that agrees makes the match: a run with a 15-minute café stop
is one run on the timer of one service and the wall clock of another. The start times agree
to the second across services (all report UTC: Garmin's ``startTimeGMT``, Strava's
``start_date``), a watch's own clock a few seconds off. Of the copies the one with more
evidence for the classifier wins (``detail``), and its ``source`` says which source that was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from syncd.model import Run, StrengthActivity

START_SLACK = timedelta(minutes=2)
DURATION_SLACK = timedelta(minutes=3)
DURATION_SHARE = 0.10

def _lengths(x: Run | StrengthActivity) -> list[timedelta]:
    out = [x.end - x.start]
    moving = getattr(x, "moving_s", None)
    if moving is not None and moving > 0:
        out.append(timedelta(seconds=moving))
    return out


def _close(da: timedelta, db: timedelta) -> bool:
    return abs(da - db) <= max(DURATION_SLACK, max(da, db) * DURATION_SHARE)


def same_activity(a: Run | StrengthActivity, b: Run | StrengthActivity) -> bool:
    if abs(a.start - b.start) > START_SLACK:
        return False
    return any(_close(da, db) for da in _lengths(a) for db in _lengths(b))


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
