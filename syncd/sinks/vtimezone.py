"""The VTIMEZONE that travels with syncd's events: the zone's current rule, as calendar apps
write it, derived from ``zoneinfo`` alone.

icalendar's ``add_missing_timezones`` writes every transition from 1970 to 2037 as an RDATE
list (~2 KB an event) and says in a COMMENT that it is wrong after 2038; a reader that
evaluates the VTIMEZONE (vobject, some phones) then puts a June session at winter time. Here
each zone gets what Apple Calendar and Thunderbird write: a STANDARD and a DAYLIGHT
sub-component, each with a yearly RRULE (``BYMONTH=3;BYDAY=-1SU``), or a single STANDARD for a
zone without daylight saving time. The rule is read off the zone's transitions in a reference
year and is kept only if it reproduces zoneinfo's transitions exactly for ``AHEAD`` years after
it; its DTSTART is the first year since 1970 from which the rule has held, so the text does not
depend on today's date and stays byte-stable. A zone whose transitions follow no yearly rule
(Africa/Casablanca's Ramadan changes) gets its transitions listed as RDATEs for the same span.
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

FIRST_YEAR = 1970
AHEAD = 40  # years after the reference year that a rule must reproduce (well past 2038)
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SECOND = timedelta(seconds=1)
STEP = timedelta(days=3)


@dataclass(frozen=True)
class Transition:
    at: datetime  # the instant, UTC
    before: timedelta
    after: timedelta
    name: str  # the abbreviation in force from then on (CEST, +0530)

    @property
    def onset(self) -> datetime:
        """The local wall time of the change, on the clock before it (RFC 5545 DTSTART)."""
        return (self.at + self.before).replace(tzinfo=None)


def _offset(zone: ZoneInfo, at: datetime) -> timedelta:
    offset = at.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def transitions(zone: ZoneInfo, year: int) -> list[Transition]:
    """Every offset change of ``zone`` in ``year`` (UTC), found by bisection to the second.

    Offsets are sampled every ``STEP``: a change and its undoing less than that apart would
    be missed, and no zone has had one."""
    return list(_transitions(zone.key, year))


@functools.lru_cache(maxsize=512)
def _transitions(key: str, year: int) -> tuple[Transition, ...]:
    zone = ZoneInfo(key)
    out = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = _offset(zone, t)
    while t < end:
        nxt = min(t + STEP, end)
        if _offset(zone, nxt) != offset:
            lo, hi = t, nxt
            while hi - lo > SECOND:
                mid = (lo + (hi - lo) / 2).replace(microsecond=0)
                if _offset(zone, mid) == offset:
                    lo = mid
                else:
                    hi = mid
            after = _offset(zone, hi)
            out.append(Transition(hi, offset, after, hi.astimezone(zone).tzname() or ""))
            offset = after
        t = nxt
    return tuple(out)


@dataclass(frozen=True)
class Rule:
    """One yearly change: in ``month``, on the weekday ``day`` that is the ``nth`` (-1 for
    the last) or that falls on one of ``monthdays``; or on a fixed day of the month."""

    month: int
    weekday: int | None
    nth: int | None = None
    monthdays: tuple[int, ...] = ()

    def day_in(self, year: int) -> int | None:
        last = calendar.monthrange(year, self.month)[1]
        if self.weekday is None:
            return self.monthdays[0] if self.monthdays[0] <= last else None
        days = [d for d in range(1, last + 1)
                if calendar.weekday(year, self.month, d) == self.weekday]
        if self.nth is not None:
            index = self.nth - 1 if self.nth > 0 else self.nth
            return days[index] if -len(days) <= index < len(days) else None
        hits = [d for d in days if d in self.monthdays]
        return hits[0] if len(hits) == 1 else None

    def rrule(self) -> dict[str, object]:
        parts: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": self.month}
        if self.weekday is None:
            parts["BYMONTHDAY"] = list(self.monthdays)
        elif self.nth is not None:
            parts["BYDAY"] = f"{self.nth}{DAYS[self.weekday]}"
        else:
            parts["BYMONTHDAY"] = list(self.monthdays)
            parts["BYDAY"] = DAYS[self.weekday]
        return parts


def candidates(onset: datetime) -> list[Rule]:
    """The ways a yearly rule could put a change on this day, most usual first."""
    m, d, wd = onset.month, onset.day, onset.weekday()
    last = calendar.monthrange(onset.year, m)[1]
    out = []
    if d + 7 > last:
        out.append(Rule(m, wd, nth=-1))
    if d <= 28:
        out.append(Rule(m, wd, nth=(d - 1) // 7 + 1))
    out += [Rule(m, wd, monthdays=tuple(range(lo, lo + 7)))
            for lo in range(max(1, d - 6), d + 1) if lo + 6 <= 31]
    out.append(Rule(m, None, monthdays=(d,)))
    return out


def _predicted(change: Transition, rule: Rule, year: int) -> Transition | None:
    day = rule.day_in(year)
    if day is None:
        return None
    onset = change.onset.replace(year=year, day=1).replace(day=day)
    return Transition((onset - change.before).replace(tzinfo=UTC), change.before,
                      change.after, change.name)


def _holds(zone: ZoneInfo, year: int, pairs: list[tuple[Transition, Rule]]) -> bool:
    want = sorted((p for c, r in pairs if (p := _predicted(c, r, year)) is not None),
                  key=lambda t: t.at)
    return len(want) == len(pairs) and want == transitions(zone, year)


def _rule_pairs(zone: ZoneInfo, changes: list[Transition], ref: int
                ) -> list[tuple[Transition, Rule]] | None:
    """A rule for each change of the reference year that holds for ``AHEAD`` years."""
    chosen: list[tuple[Transition, Rule]] = []
    for change in changes:
        for rule in candidates(change.onset):
            trial = [*chosen, (change, rule)]
            if all(len(_fits(zone, y, trial)) == len(trial) for y in range(ref, ref + AHEAD)):
                chosen = trial
                break
        else:
            return None
    return chosen if all(_holds(zone, y, chosen) for y in range(ref, ref + AHEAD)) else None


def _fits(zone: ZoneInfo, year: int, pairs: list[tuple[Transition, Rule]]) -> list[Transition]:
    """The predicted changes of ``pairs`` in ``year`` that zoneinfo also has."""
    actual = set(transitions(zone, year))
    return [p for c, r in pairs if (p := _predicted(c, r, year)) is not None and p in actual]


def vtimezone(key: str, ref: int) -> Timezone:
    """The VTIMEZONE for zone ``key``, from its rule in year ``ref`` (a fresh copy)."""
    return cast(Timezone, Timezone.from_ical(_vtimezone_text(key, ref)))


@functools.lru_cache(maxsize=16)
def _vtimezone_text(key: str, ref: int) -> bytes:
    return bytes(_build(key, ref).to_ical())


def _build(key: str, ref: int) -> Timezone:
    zone = ZoneInfo(key)
    tz = Timezone()
    tz.add("TZID", key)
    changes = transitions(zone, ref)
    if not changes:
        tz.add_component(_fixed(zone, ref))
        return tz
    pairs = _rule_pairs(zone, changes, ref)
    if pairs is None:
        for sub in _listed(zone, ref):
            tz.add_component(sub)
        return tz
    first = ref
    while first > FIRST_YEAR and _holds(zone, first - 1, pairs):
        first -= 1
    for change, rule in sorted(pairs, key=lambda p: p[1].month):
        start = _predicted(change, rule, first)
        assert start is not None
        sub = _sub(change, start.onset)
        sub.add("RRULE", rule.rrule())
        tz.add_component(sub)
    return tz


def _sub(change: Transition, onset: datetime) -> TimezoneStandard | TimezoneDaylight:
    sub = TimezoneDaylight() if change.after > change.before else TimezoneStandard()
    sub.add("TZNAME", change.name)
    sub.add("TZOFFSETFROM", change.before)
    sub.add("TZOFFSETTO", change.after)
    sub.add("DTSTART", onset)
    return sub


def _fixed(zone: ZoneInfo, ref: int) -> TimezoneStandard:
    """A zone with no change in ``ref``: one STANDARD from its last change since 1970."""
    for year in range(ref - 1, FIRST_YEAR - 1, -1):
        found = transitions(zone, year)
        if found:
            last = found[-1]
            return _standard(last.before, last.after, last.name, last.onset)
    now = datetime(ref, 7, 1, tzinfo=UTC)
    offset = _offset(zone, now)
    return _standard(offset, offset, now.astimezone(zone).tzname() or "",
                     datetime(FIRST_YEAR, 1, 1))


def _standard(before: timedelta, after: timedelta, name: str,
              onset: datetime) -> TimezoneStandard:
    sub = TimezoneStandard()
    sub.add("TZNAME", name)
    sub.add("TZOFFSETFROM", before)
    sub.add("TZOFFSETTO", after)
    sub.add("DTSTART", onset)
    return sub


def _listed(zone: ZoneInfo, ref: int) -> list[TimezoneStandard | TimezoneDaylight]:
    """Changes that follow no yearly rule: each kind of change with its dates as RDATEs."""
    groups: dict[tuple[timedelta, timedelta, str], list[Transition]] = {}
    for year in range(ref - 1, ref + AHEAD):
        for t in transitions(zone, year):
            groups.setdefault((t.before, t.after, t.name), []).append(t)
    subs = []
    for changes in groups.values():
        sub = _sub(changes[0], changes[0].onset)
        if len(changes) > 1:
            sub.add("RDATE", [c.onset for c in changes[1:]])
        subs.append(sub)
    return sorted(subs, key=lambda s: s.decoded("DTSTART"))


def add_timezones(cal: Calendar) -> None:
    """Add a VTIMEZONE for each TZID the calendar's events use that it does not define yet,
    before the events; the rule is the one in force in the year of the earliest event."""
    have = {str(c["TZID"]) for c in cal.walk("VTIMEZONE")}
    used: list[str] = []
    years = []
    for comp in cal.walk():
        if comp.name in ("VTIMEZONE", "STANDARD", "DAYLIGHT"):
            continue
        start = comp.get("DTSTART")
        if start is not None and hasattr(start, "dt"):
            years.append(start.dt.year)
        for value in comp.values():
            for v in value if isinstance(value, list) else [value]:
                tzid = getattr(v, "params", {}).get("TZID")
                if tzid and tzid not in have and tzid not in used:
                    used.append(str(tzid))
    ref = max(FIRST_YEAR + 1, min(years, default=FIRST_YEAR + 1))
    zones = []
    for key in used:
        try:
            zones.append(vtimezone(key, ref))
        except (KeyError, ValueError, OSError):  # not a zoneinfo name: leave it to readers
            continue
    at = next((i for i, c in enumerate(cal.subcomponents) if c.name != "VTIMEZONE"),
              len(cal.subcomponents))
    cal.subcomponents[at:at] = zones
