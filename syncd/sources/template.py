"""Planned runs from the weekly template in the config (``[[plan.week]]``).

Each row repeats every week over the fetch window. A row without a time gives a run whose
day is known but not its time (R3 then uses the latest window of that day).
"""

from __future__ import annotations

from datetime import time, timedelta

from syncd.config.loader import TemplateRun
from syncd.model import Run, RunStatus
from syncd.planner.realtime import in_zone, later, wall
from syncd.sources.base import FetchWindow, Observations
from syncd.text import clean_title

UNKNOWN_TIME_PLACEHOLDER = time(6, 0)


class WeeklyTemplateSource:
    name = "template"

    def __init__(self, rows: tuple[TemplateRun, ...]) -> None:
        self.rows = rows

    def fetch(self, window: FetchWindow) -> Observations:
        return Observations(planned_runs=tuple(expand(self.rows, window, self.name)))


def expand(rows: tuple[TemplateRun, ...], window: FetchWindow, source: str) -> list[Run]:
    tz = window.tz
    first = window.now.astimezone(tz).date()
    first -= timedelta(days=first.weekday())
    last = window.end.astimezone(tz).date()
    out = []
    monday = first
    while monday <= last:
        for i, row in enumerate(rows):
            day = monday + timedelta(days=row.day)
            if day > last:
                continue
            # A real instant (a time a DST gap skips: the moment the clock jumps past it)
            # and a real duration, so the run lasts its minutes on the night clocks change.
            start = in_zone(wall(day, row.time or UNKNOWN_TIME_PLACEHOLDER, tz), tz)
            out.append(Run(
                id=f"{source}:{day.isoformat()}:{i}", source=source, start=start,
                end=in_zone(later(start, timedelta(minutes=row.duration_min)), tz),
                kind=row.kind,
                status=RunStatus.PLANNED,
                title=clean_title(row.title) or f"{row.kind.value} run",
                reason=f"weekly plan says {row.kind.value}", time_known=row.time is not None))
        monday += timedelta(days=7)
    return out
