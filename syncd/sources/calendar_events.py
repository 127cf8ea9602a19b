"""Events of a calendar in a time window, recurrences expanded, as plain values.

Shared by the busy-time source (R10) and the planned-runs source, whether the calendar
comes from a CalDAV server, an ICS URL or an ICS file. The calendar is often written by
someone else (a coach, Runna, a work calendar), so reading it must cost bounded time and
memory whatever it holds, and one bad event must cost that event only:

- the text is read in chunks and split into events with a regular expression; an event
  that cannot touch the window (its start after it, its end before it) is dropped after a
  glance at its DTSTART/DTEND lines, without parsing it, so a feed of 100,000 events of
  history costs one pass over its text;
- the events near the window are parsed here, reading only the properties syncd uses (a
  general iCalendar library decodes every property into objects, ~170 µs an event);
- repeating events are expanded inside the window only, at most ``MAX_INSTANCES`` each
  (``syncd.sources.recurrence``); at most ``MAX_EVENTS`` events are kept from one calendar;
- an event without a readable start is skipped with a warning naming its UID and summary;
  an unknown TZID is read in the calendar's zone and the warning says which.

Every warning is returned, so the cycle shows it once: in `run --once`, the daemon's log and
``syncd status``.
"""

from __future__ import annotations

import codecs
import logging
import re
import warnings as py_warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import BinaryIO
from zoneinfo import ZoneInfo

from syncd.sources.ics_props import UNFOLD, Event, Prop, parse_block
from syncd.sources.recurrence import BadRule, expand_rule, rule_parts, wall

log = logging.getLogger(__name__)
MAX_EVENTS = 5000  # events (instances included) kept from one calendar
MAX_INSTANCES = 500  # instances of one repeating event inside the window
MAX_BYTES = 64 * 2**20  # read from one file or URL
MAX_BLOCK = 4 * 2**20  # one event's text
CHUNK = 2**20

BLOCK = re.compile(r"^BEGIN:(VEVENT|VTIMEZONE)\r?$(.*?)^END:\1\r?$", re.M | re.S)
START_DAY = re.compile(r"^DTSTART[^\r\n:]*:(\d{8})", re.M)
END_DAY = re.compile(r"^DTEND[^\r\n:]*:(\d{8})", re.M)
RECURS = re.compile(r"^(?:RRULE|RDATE|RECURRENCE-ID)[;:]", re.M)
DURATION_DAYS = re.compile(r"^DURATION[^\r\n:]*:[+-]?P(?:(\d+)W)?(?:(\d+)D)?", re.M)


@dataclass(frozen=True)
class CalEvent:
    uid: str
    start: datetime
    end: datetime
    all_day: bool
    title: str
    description: str
    transparent: bool


class Unknown(Exception):
    """A TZID no zone is known for yet (its VTIMEZONE may come later in the text)."""


class Reader:
    """Reads one calendar, fed in chunks, into the events overlapping [start, end)."""

    def __init__(self, start: datetime, end: datetime, tz: ZoneInfo, warnings: list[str],
                 where: str = "calendar") -> None:
        self.start, self.end, self.tz, self.where = start, end, tz, where
        self.default: tzinfo = tz
        self.lo_day = (start.astimezone(UTC) - timedelta(days=1)).strftime("%Y%m%d")
        self.hi_day = (end.astimezone(UTC) + timedelta(days=1)).strftime("%Y%m%d")
        self.warnings = warnings
        self.rest = ""
        self.header = True
        self.parsed = 0
        self.dropped = 0  # near the window but over MAX_EVENTS
        # Events waiting for a VTIMEZONE later in the text, with their series' overrides.
        self.pending: list[tuple[Event, list[Event] | None]] = []
        self.events: dict[str, list[Event]] = {}  # by UID: the series and its overrides
        self.singles: list[Event] = []
        self.zones: dict[str, tzinfo] = {}
        self.assumed: set[str] = set()

    def warn(self, text: str) -> None:
        # Logged at info: the cycle shows the returned warnings (once) wherever it reports.
        log.info("%s: %s", self.where, text)
        self.warnings.append(f"{self.where}: {text}")

    # -- splitting ---------------------------------------------------------------------------

    def feed(self, chunk: str) -> None:
        buf = self.rest + chunk if self.rest else chunk
        if self.header:
            self._read_header(buf)
        last = 0
        for m in BLOCK.finditer(buf):
            last = m.end()
            if m.group(1) == "VTIMEZONE":
                self._timezone(m.group(2))
            else:
                self._glance(m.group(2))
        tail = buf[last:]
        cut = max(tail.rfind("BEGIN:VEVENT"), tail.rfind("BEGIN:VTIMEZONE"))
        self.rest = tail[cut:] if cut >= 0 else tail[-20:]
        if len(self.rest) > MAX_BLOCK:
            self.warn(f"skipped an event of over {MAX_BLOCK // 2**20} MiB")
            self.rest = ""

    def _read_header(self, buf: str) -> None:
        head_end = buf.find("BEGIN:V", buf.find("BEGIN:VCALENDAR") + 1)
        if head_end < 0:
            return
        self.header = False
        m = re.search(r"^X-WR-TIMEZONE:([^\r\n]+)", buf[:head_end], re.M)
        if m:
            try:
                self.default = ZoneInfo(m.group(1).strip())
            except (ValueError, OSError, KeyError):
                self.warn(f"unknown calendar time zone '{m.group(1).strip()}' "
                          f"(X-WR-TIMEZONE); assumed {self.tz.key}")

    def _timezone(self, body: str) -> None:
        try:
            from icalendar import Component

            # Parsing a VTIMEZONE registers its zone with icalendar for TZID lookups.
            Component.from_ical(f"BEGIN:VTIMEZONE\r\n{UNFOLD.sub('', body)}END:VTIMEZONE\r\n")
        except Exception as exc:  # a broken zone definition costs the zone, no more
            self.warn(f"skipped an unreadable time zone definition ({exc})")
        self.zones.clear()

    def _glance(self, body: str) -> None:
        """Drop an event that cannot touch the window without parsing it."""
        m = START_DAY.search(body)
        if m is not None and RECURS.search(body) is None:
            if m.group(1) > self.hi_day:
                return
            e = END_DAY.search(body)
            if e is not None:
                last = e.group(1)
            elif (d := DURATION_DAYS.search(body)) is not None:
                days = 7 * int(d.group(1) or 0) + int(d.group(2) or 0) + 1
                last = (datetime.strptime(m.group(1), "%Y%m%d")
                        + timedelta(days=days)).strftime("%Y%m%d")
            else:
                last = m.group(1)
            if last < self.lo_day:
                return
        elif m is not None and m.group(1) > self.hi_day and "RECURRENCE-ID" not in body:
            return
        if self.parsed >= MAX_EVENTS:
            self.dropped += 1
            return
        self.parsed += 1
        ev = parse_block(body)
        if ev.first("RECURRENCE-ID") is not None or ev.first("RRULE") or ev.first("RDATE"):
            self.events.setdefault(ev.text("UID"), []).append(ev)
        else:
            self.singles.append(ev)

    # -- values ------------------------------------------------------------------------------

    def zone(self, tzid: str, ev: Event, final: bool) -> tzinfo:
        found = self.zones.get(tzid)
        if found is not None:
            return found
        zone: tzinfo | None = None
        try:
            zone = ZoneInfo(tzid.strip("/"))
        except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            from icalendar.timezone import tzp

            with py_warnings.catch_warnings():
                py_warnings.simplefilter("ignore")
                zone = tzp.timezone(tzid)  # Windows names, VTIMEZONEs of this calendar
        if zone is None:
            if not final:
                raise Unknown(tzid)
            if tzid not in self.assumed:
                self.assumed.add(tzid)
                self.warn(f"{ev.label()}: unknown time zone '{tzid}'; assumed "
                          f"{getattr(self.default, 'key', str(self.default))}")
            zone = self.default
        self.zones[tzid] = zone
        return zone

    def value(self, p: Prop, ev: Event, final: bool, raw: str | None = None) -> date | datetime:
        text = (p.value if raw is None else raw).strip()
        if p.params.get("VALUE", "").upper() == "DATE" or len(text) == 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if len(text) < 15 or text[8] not in "Tt":
            raise ValueError(f"'{text}' is not a date-time")
        naive = datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                         int(text[11:13]), min(59, int(text[13:15])))
        if text.endswith(("Z", "z")):
            return naive.replace(tzinfo=UTC)
        tzid = p.params.get("TZID")
        return naive.replace(tzinfo=self.zone(tzid, ev, final) if tzid else self.default)

    def aware(self, value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            return value
        return datetime.combine(value, time(0), self.tz)

    # -- events ------------------------------------------------------------------------------

    def finish(self) -> list[CalEvent]:
        if self.rest.strip() and "BEGIN:VEVENT" in self.rest:
            self.warn("the calendar ends inside an event; that event was skipped")
        work: list[tuple[Event, list[Event] | None]] = [(ev, None) for ev in self.singles]
        for series in self.events.values():
            moved = [e for e in series if e.first("RECURRENCE-ID") is not None]
            work += [(ev, None if ev.first("RECURRENCE-ID") is not None else moved)
                     for ev in series]
        out: list[CalEvent] = []
        for ev, overrides in work:
            out += self._occurrences(ev, overrides, False)
        for ev, overrides in self.pending:
            out += self._occurrences(ev, overrides, True)
        if self.dropped or len(out) > MAX_EVENTS:
            self.warn(f"more than {MAX_EVENTS} events between {self.start:%Y-%m-%d} and "
                      f"{self.end:%Y-%m-%d}; only the first {MAX_EVENTS} were used")
        out.sort(key=lambda e: (e.start, e.uid))
        return out[:MAX_EVENTS]

    def _occurrences(self, ev: Event, moved: list[Event] | None, final: bool
                     ) -> list[CalEvent]:
        """The instances of one event inside the window; [] with a warning if unreadable."""
        start_prop = ev.first("DTSTART")
        if start_prop is None:
            self.warn(f"skipped {ev.label()}: it has no start (DTSTART)")
            return []
        try:
            raw_start = self.value(start_prop, ev, final)
            all_day = not isinstance(raw_start, datetime)
            start = self.aware(raw_start)
            length = self._length(ev, raw_start, start, final)
            starts = self._starts(ev, start, length, moved, final)
        except Unknown:
            self.pending.append((ev, moved))
            return []
        except (ValueError, IndexError, OverflowError) as exc:
            self.warn(f"skipped {ev.label()}: unreadable start '{start_prop.value}' ({exc})")
            return []
        base = CalEvent(uid=ev.text("UID"), start=start, end=start + length, all_day=all_day,
                        title=ev.text("SUMMARY"), description=ev.text("DESCRIPTION"),
                        transparent=ev.text("TRANSP").upper() == "TRANSPARENT")
        return [CalEvent(base.uid, s, s + length, all_day, base.title, base.description,
                         base.transparent) for s in starts
                if s < self.end and s + length > self.start]

    def _length(self, ev: Event, raw_start: date | datetime, start: datetime,
                final: bool) -> timedelta:
        all_day = not isinstance(raw_start, datetime)
        length = timedelta(days=1) if all_day else timedelta(0)
        try:
            if (p := ev.first("DTEND")) is not None:
                length = self.aware(self.value(p, ev, final)) - start
            elif (p := ev.first("DURATION")) is not None:
                from icalendar.prop import vDuration

                length = vDuration.from_ical(p.value.strip())
        except (ValueError, IndexError, OverflowError):
            length = timedelta(days=1) if all_day else timedelta(hours=1)
        if length <= timedelta(0):
            length = timedelta(days=1) if all_day else timedelta(minutes=1)
        return length

    def _starts(self, ev: Event, start: datetime, length: timedelta,
                moved: list[Event] | None, final: bool) -> list[datetime]:
        if moved is None or not (ev.first("RRULE") or ev.first("RDATE")):
            return [start]
        zone = start.tzinfo or self.tz
        lo = wall(self.start.astimezone(zone)) - length - timedelta(days=1)
        hi = wall(self.end.astimezone(zone)) + timedelta(days=1)
        first = wall(start)
        def inside(when: datetime) -> bool:
            at = when.replace(tzinfo=zone)
            return at < self.end and at + length > self.start

        found: set[datetime] = {first} if inside(first) else set()
        for p in ev.props.get("RRULE", []):
            try:
                parts = rule_parts(p.value)
                until = self._until(parts, ev, zone, final)
                got = expand_rule(parts, first, until, lo, hi, MAX_INSTANCES, inside)
            except BadRule as exc:
                self.warn(f"{ev.label()}: unreadable repeat rule '{p.value}' ({exc}); "
                          "only its first time was used")
                continue
            found.update(got.starts)
            if got.capped:
                self.warn(f"{ev.label()} repeats more than {MAX_INSTANCES} times between "
                          f"{self.start:%Y-%m-%d} and {self.end:%Y-%m-%d} (RRULE:{p.value}); "
                          f"only the first {MAX_INSTANCES} were used")
            if got.exhausted:
                self.warn(f"{ev.label()}: its repeat rule (RRULE:{p.value}) needs too many "
                          "steps to reach the window; its repeats were skipped")
        for when in self._dates(ev, "RDATE", zone, final):
            if inside(when):
                found.add(when)
        found -= set(self._dates(ev, "EXDATE", zone, final))
        for m in moved:
            rid = m.first("RECURRENCE-ID")
            if rid is not None:
                found.discard(wall(self._in(self.value(rid, m, final), zone)))
        return [w.replace(tzinfo=zone) for w in sorted(found)[:MAX_INSTANCES]]

    def _in(self, value: date | datetime, zone: tzinfo) -> date | datetime:
        return value.astimezone(zone) if isinstance(value, datetime) else value

    def _until(self, parts: dict[str, str], ev: Event, zone: tzinfo,
               final: bool) -> datetime | None:
        raw = parts.get("UNTIL")
        if raw is None:
            return None
        try:
            value = self.value(Prop({}, raw), ev, final)
        except (ValueError, IndexError) as exc:
            raise BadRule(f"UNTIL {raw}: {exc}") from None
        if isinstance(value, datetime):
            return wall(value.astimezone(zone))
        return datetime.combine(value, time(23, 59, 59))

    def _dates(self, ev: Event, name: str, zone: tzinfo, final: bool) -> Iterator[datetime]:
        for p in ev.props.get(name, []):
            for raw in p.value.split(","):
                try:
                    yield wall(self._in(self.value(p, ev, final, raw.split("/")[0]), zone))
                except (ValueError, IndexError):
                    self.warn(f"{ev.label()}: ignored an unreadable {name} '{raw}'")


def read_calendar(chunks: Iterable[str], start: datetime, end: datetime, tz: ZoneInfo,
                  warnings: list[str], where: str = "calendar") -> list[CalEvent]:
    """Every event (recurrences expanded) overlapping [start, end) in one calendar's text."""
    reader = Reader(start, end, tz, warnings, where)
    for chunk in chunks:
        reader.feed(chunk)
    return reader.finish()


def events_in_window(texts: Iterable[str], start: datetime, end: datetime, tz: ZoneInfo,
                     warnings: list[str] | None = None) -> list[CalEvent]:
    """Every event overlapping [start, end) in these iCalendar texts, sorted by start."""
    sink: list[str] = [] if warnings is None else warnings
    out: list[CalEvent] = []
    for text in texts:
        out += read_calendar([text], start, end, tz, sink)
    out.sort(key=lambda e: (e.start, e.uid))
    return out


def file_chunks(f: BinaryIO, where: str, warnings: list[str],
                limit: int = MAX_BYTES) -> Iterator[str]:
    """A file's text in chunks, at most ``limit`` bytes of it (with a warning past that)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    read = 0
    while read < limit:
        data = f.read(min(CHUNK, limit - read))
        if not data:
            yield decoder.decode(b"", final=True)
            return
        read += len(data)
        yield decoder.decode(data)
    if f.read(1):
        text = (f"{where} is larger than {limit // 2**20} MiB; only its first "
                f"{limit // 2**20} MiB were read")
        log.info("%s", text)
        warnings.append(text)
    yield decoder.decode(b"", final=True)
