"""Read a calendar with two independent parsers and insist they agree.

``icalendar`` is what syncd writes with; ``ical`` is the strict parser Home Assistant's
Remote Calendar uses, written by other people: a file both read the same way is one that
subscribers read the way we meant. Times come back in UTC so a test compares instants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar


class Seen(NamedTuple):
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str


def read_both(data: bytes) -> list[Seen]:
    """The events as both parsers see them (sorted by start, UID); they must be equal."""
    cal = Calendar.from_ical(data)
    cal.validate()
    ours = sorted(Seen(str(e["UID"]), e.decoded("DTSTART").astimezone(UTC),
                       e.decoded("DTEND").astimezone(UTC), str(e.get("SUMMARY", "")),
                       str(e.get("DESCRIPTION", "")).replace("\r\n", "\n"))
                  for e in cal.events)
    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    theirs = sorted(Seen(str(e.uid), _utc(e.dtstart), _utc(e.dtend), e.summary or "",
                         (e.description or "").replace("\r\n", "\n"))
                    for e in strict.events)
    assert ours == theirs, "icalendar and ical read the calendar differently"
    return sorted(ours, key=lambda s: (s.start, s.uid))


def _utc(value: object) -> datetime:
    assert isinstance(value, datetime) and value.tzinfo is not None, value
    return value.astimezone(UTC)
