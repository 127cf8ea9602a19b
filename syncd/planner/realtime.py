"""Real elapsed time, and wall-clock readings that name exactly one instant.

Python subtracts, adds to and compares two datetimes that share a ``ZoneInfo`` as wall-clock
readings: in Berlin, Fri 18:45 → Sun 07:00 across the March change reads 36.25 h but is
35.25 h, and 01:30 + 45 min in New York on the November night reads 02:15 but is 105 real
minutes on. So the planner turns every instant it is given into UTC (``utc``) and computes
only on UTC datetimes, where wall time is real time. Local time is for two things only:
which calendar day an instant falls on, and building instants from the athlete's wall-clock
settings (availability windows, preferred time), which ``wall`` and ``window_bounds`` do
explicitly: a reading skipped by a spring-forward gap names no instant, one repeated by a
fall-back names two, and a session never starts or ends on either (``unique_reading``),
since a calendar event written in local time could not say which instant it means.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)


def utc(dt: datetime) -> datetime:
    """The same instant with UTC as its zone (refuses naive datetimes)."""
    if dt.tzinfo is UTC:
        return dt
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: every instant needs a zone")
    return dt.astimezone(UTC)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time from ``start`` to ``end``, whatever zones they carry."""
    return utc(end) - utc(start)


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def later(dt: datetime, delta: timedelta) -> datetime:
    """The instant ``delta`` of real time after ``dt`` (in UTC)."""
    return utc(dt) + delta


def local_day(dt: datetime, tz: ZoneInfo) -> date:
    return dt.astimezone(tz).date()


@functools.lru_cache(maxsize=16384)
def instants(d: date, t: time, tz: ZoneInfo) -> tuple[datetime, ...]:
    """Every UTC instant whose reading in ``tz`` is ``d`` ``t``: none in a gap, two in a fold."""
    naive = datetime.combine(d, t)
    found: list[datetime] = []
    for fold in (0, 1):
        u = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if u.astimezone(tz).replace(tzinfo=None) == naive and u not in found:
            found.append(u)
    return tuple(sorted(found))


def unique_reading(u: datetime, tz: ZoneInfo) -> bool:
    """Whether the wall-clock reading of instant ``u`` in ``tz`` happens exactly once."""
    reading = u.astimezone(tz)
    if steady(reading.date(), tz):
        return True
    return len(instants(reading.date(), reading.time().replace(tzinfo=None), tz)) == 1


@functools.lru_cache(maxsize=4096)
def steady(d: date, tz: ZoneInfo) -> bool:
    """Whether the offset of ``tz`` holds from the day before ``d`` to the day after: then
    every reading on ``d`` names one instant. (Probes every 3 hours: no zone changes its
    offset and back within 3 hours.)"""
    start = datetime.combine(d - timedelta(days=1), time(0), UTC)
    offsets = {(start + timedelta(hours=3 * i)).astimezone(tz).utcoffset() for i in range(25)}
    return len(offsets) == 1


@functools.lru_cache(maxsize=4096)
def wall(d: date, t: time, tz: ZoneInfo) -> datetime:
    """The first instant at which the clock in ``tz`` shows ``d`` ``t`` or later.

    A reading repeated by a fall-back gives its first occurrence; one skipped by a gap gives
    the moment the clock jumps past it (03:00 for 02:30 in Berlin in March).
    """
    found = instants(d, t, tz)
    if found:
        return found[0]
    # In a gap: the reading with the offset after the change lies before the gap, the
    # one with the offset before it after the gap; the jump sits between, on a whole minute.
    naive = datetime.combine(d, t)
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    lo, hi = min(lo, hi), max(lo, hi)
    while hi - lo > MINUTE:
        mid = lo + (hi - lo) // 2
        mid -= timedelta(seconds=mid.second, microseconds=mid.microsecond)
        if mid <= lo:
            break
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def window_bounds(d: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local window ``start``–``end`` on day ``d`` as a real interval: from the first
    moment the clock shows ``start`` to the first moment it shows ``end``."""
    return wall(d, start, tz), wall(d, end, tz)


def in_zone(dt: datetime, tz: ZoneInfo) -> datetime:
    """The instant as a reading in ``tz``, with the right fold (for output and display)."""
    return utc(dt).astimezone(tz)
