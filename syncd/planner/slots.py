"""Candidate start times for one kind of session on one day.

Starts lie on a 15-minute grid of real time inside the athlete's availability windows (R10),
each window taken as the real interval between its two wall-clock readings on that day, so a
session's length is real minutes even across a DST change. A start or end whose reading a DST
change skips or repeats is refused: the calendar event could not say which instant it means.
Each start is checked against the slot rules; the ones that pass are ordered by preference:
the time a published session already has (G3), then closeness to the preferred time of day
(G6), in real time. The refused ones are kept, with their rule, for ``plan --explain``.
All instants here are UTC (see ``realtime``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from syncd.model import SessionKind
from syncd.planner.inputs import Rejection
from syncd.planner.realtime import steady, unique_reading, utc, wall, window_bounds
from syncd.planner.rules import World, run_label

GRID = timedelta(minutes=15)
PREFERRED = {"morning": time(7, 0), "midday": time(12, 0), "evening": time(18, 0)}


def duration_for(kind: SessionKind, session_minutes: int) -> timedelta:
    minutes = {
        SessionKind.HEAVY: session_minutes,
        SessionKind.LIGHT: max(30, session_minutes - 10),
        SessionKind.FOUNDATION: 30,
        SessionKind.CORE: 20,
    }[kind]
    return timedelta(minutes=minutes)


def preferred_time(value: str) -> time:
    if value in PREFERRED:
        return PREFERRED[value]
    hh, mm = value.split(":")
    return time(int(hh), int(mm))


@dataclass(frozen=True)
class Candidates:
    starts: tuple[datetime, ...]
    rejected: tuple[Rejection, ...]


def candidates(world: World, d: date, kind: SessionKind, keep: datetime | None) -> Candidates:
    """Valid starts for ``kind`` on day ``d``, most preferred first."""
    tz = world.tz
    length = duration_for(kind, world.athlete.session_minutes)
    windows = world.athlete.availability[d.weekday()]
    rejected: list[Rejection] = []
    if not windows:
        return Candidates((), (Rejection("R10", "no availability window on this day"),))
    unknown = world.unknown_time_runs(d) if kind.is_lifting else []
    if unknown:
        # R3 with an unknown run time: only the latest window of the day.
        windows = windows[-1:]
        rejected.append(Rejection("R3", f"the {run_label(unknown[0], tz)} has no time: "
                                        "only the latest window of the day"))
    good: list[datetime] = []
    keep = utc(keep) if keep is not None else None
    # Only on the few days around a clock change can a reading be repeated.
    check_readings = not steady(d, tz)
    for w in windows:
        t, close = window_bounds(d, w.start, w.end, tz)
        while t + length <= close:
            end = t + length
            if check_readings and not (unique_reading(t, tz) and unique_reading(end, tz)):
                rejected.append(Rejection(
                    "DST", "would start or end at a time the clock change repeats: the "
                           "calendar could not say which of the two is meant", t))
            else:
                why = world.slot_rejection(kind, t, end, published=t == keep)
                if why is None:
                    good.append(t)
                else:
                    rejected.append(why)
            t += GRID
    target = wall(d, preferred_time(world.athlete.preferred_time), tz)
    good.sort(key=lambda s: (s != keep, abs(s - target), s))  # all UTC: real time
    return Candidates(tuple(good), tuple(rejected))


def summarise_rejections(rejected: tuple[Rejection, ...], tz_name: str) -> list[str]:
    """Group consecutive refused starts with the same reason: '06:00–10:45: ... (R3)'."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    lines: list[str] = []
    run: list[Rejection] = []

    def flush() -> None:
        if not run:
            return
        first, last = run[0].start, run[-1].start
        assert first is not None and last is not None
        span = f"{first.astimezone(tz):%H:%M}" + (
            f"–{last.astimezone(tz):%H:%M}" if last != first else "")
        lines.append(f"{span}: {run[0].text()}")
        run.clear()

    for r in rejected:
        if r.start is None:
            flush()
            lines.append(r.text())
        elif run and (r.reason != run[-1].reason or r.rule != run[-1].rule):
            flush()
            run.append(r)
        else:
            run.append(r)
    flush()
    return lines
