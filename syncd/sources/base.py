"""The small interface every source implements, and the bundle of what sources report.

A new watch service or calendar is one new file with a class that has a ``name`` and a
``fetch(window)``; it fills whichever fields of ``Observations`` it knows about.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from syncd.model import BusyInterval, Race, Readiness, Run, StrengthActivity


@dataclass(frozen=True)
class FetchWindow:
    """What the cycle needs: history back to ``start``, plans up to ``end``."""

    now: datetime
    start: datetime
    end: datetime
    tz: ZoneInfo


@dataclass(frozen=True)
class Observations:
    completed_runs: tuple[Run, ...] = ()
    planned_runs: tuple[Run, ...] = ()
    strength: tuple[StrengthActivity, ...] = ()
    races: tuple[Race, ...] = ()
    busy: tuple[BusyInterval, ...] = ()
    readiness: tuple[Readiness, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def bounded(self) -> Observations:
        """Every title and name as text that cannot hurt an output: controls, escape
        sequences and bidi overrides removed, at most ``syncd.text.TITLE_MAX`` characters.
        The template and calendar sources clean where text enters; this holds for every
        source (an activity named on Garmin, Strava or intervals.icu, a busy event)."""
        from syncd.text import clean_title

        def runs(rs: tuple[Run, ...]) -> tuple[Run, ...]:
            return tuple(r if r.title == (t := clean_title(r.title)) else replace(r, title=t)
                         for r in rs)

        return replace(
            self, completed_runs=runs(self.completed_runs), planned_runs=runs(self.planned_runs),
            strength=tuple(replace(a, title=clean_title(a.title)) for a in self.strength),
            races=tuple(replace(r, name=clean_title(r.name)) for r in self.races),
            busy=tuple(replace(b, title=clean_title(b.title)) for b in self.busy))

    def summary(self) -> str:
        """One line for the log: what a source told (``-v``)."""
        parts = [(len(self.completed_runs), "runs done"), (len(self.planned_runs), "planned"),
                 (len(self.strength), "strength"), (len(self.races), "races"),
                 (len(self.busy), "busy"), (len(self.readiness), "readiness")]
        # Not "nothing" after reading eight files: nothing of them falls in the window.
        return (", ".join(f"{n} {what}" for n, what in parts if n)
                or "no runs, lifts or readiness in the window read (history and plan)")

    def merge(self, other: Observations) -> Observations:
        return Observations(
            self.completed_runs + other.completed_runs,
            self.planned_runs + other.planned_runs,
            self.strength + other.strength,
            self.races + other.races,
            self.busy + other.busy,
            self.readiness + other.readiness,
            self.notes + other.notes,
        )


class Source(Protocol):
    """``fetch`` raises a SyncdError when it cannot answer. A source that keeps a cache may
    also offer ``cached(window) -> Observations``, used while it fails or backs off."""

    name: str

    def fetch(self, window: FetchWindow) -> Observations: ...
