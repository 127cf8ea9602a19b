"""Events of a calendar in a time window, recurrences expanded, as plain values.

Shared by the busy-time source (R10) and the planned-runs source, whether the calendar
comes from a CalDAV server, an ICS URL or an ICS file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalEvent:
    uid: str
    start: datetime
    end: datetime
    all_day: bool
    title: str
    description: str
    transparent: bool


def _aware(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tz)


def from_component(ev: Any, tz: ZoneInfo) -> CalEvent | None:
    """One VEVENT as a CalEvent; None (and a log line) when it has no usable start."""
    try:
        raw_start = ev.decoded("DTSTART")
    except (KeyError, ValueError, TypeError):
        log.warning("skipped an event without a readable start (%s)", ev.get("UID", "?"))
        return None
    all_day = not isinstance(raw_start, datetime)
    try:
        if "DTEND" in ev:
            raw_end = ev.decoded("DTEND")
        elif "DURATION" in ev:
            raw_end = raw_start + ev.decoded("DURATION")
        else:
            raw_end = raw_start + (timedelta(days=1) if all_day else timedelta(0))
    except (KeyError, ValueError, TypeError):
        raw_end = raw_start + (timedelta(days=1) if all_day else timedelta(hours=1))
    start, end = _aware(raw_start, tz), _aware(raw_end, tz)
    if end <= start:
        end = start + (timedelta(days=1) if all_day else timedelta(minutes=1))
    return CalEvent(uid=str(ev.get("UID", "")), start=start, end=end, all_day=all_day,
                    title=str(ev.get("SUMMARY", "")), description=str(ev.get("DESCRIPTION", "")),
                    transparent=str(ev.get("TRANSP", "")).upper() == "TRANSPARENT")


def events_in_window(texts: Iterable[str], start: datetime, end: datetime,
                     tz: ZoneInfo) -> list[CalEvent]:
    """Every event (recurrences expanded) overlapping [start, end) in these iCalendar texts."""
    import recurring_ical_events

    out: list[CalEvent] = []
    for text in texts:
        try:
            cal = Calendar.from_ical(text)
            found = recurring_ical_events.of(cal).between(start, end)
        except Exception as exc:  # a broken feed must not stop the others
            log.warning("skipped a calendar that could not be read: %s", exc)
            continue
        for ev in found:
            item = from_component(ev, tz)
            if item is not None:
                out.append(item)
    out.sort(key=lambda e: (e.start, e.uid))
    return out
