"""Write the sessions to an .ics file that calendar apps import or subscribe to.

The file is replaced atomically (temporary file in the same folder, fsync, rename), so a
reader never sees half a calendar and a crash leaves the old file. Each event keeps its UID,
DTSTAMP and SEQUENCE while its content is unchanged; a changed session gets SEQUENCE + 1.
Past sessions stay in the file (up to ``KEEP_PAST``) so the calendar keeps its history.

The state is a cache of what was published, not the truth: when it has nothing for this
calendar (lost, moved away, rebuilt) while the published file is there, syncd's own events
are adopted back from the file (``syncd.sinks.ics_adopt``), so its past sessions stay and an
unchanged future session keeps its DTSTAMP and SEQUENCE.

``PublishedCalendar`` holds that bookkeeping for every read-only copy of the plan (this file
and the live feed in ``syncd.sinks.feed``); each subclass only says where the bytes go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from icalendar import Event

from syncd.atomic import atomic_write
from syncd.config.loader import IcsSettings
from syncd.errors import SyncdError
from syncd.model import Session, SessionStatus
from syncd.sinks.base import Action, Op, SinkReport
from syncd.sinks.events import new_calendar, session_hash, to_event
from syncd.sinks.ics_adopt import adopt_published
from syncd.sinks.vtimezone import add_timezones
from syncd.state import State

log = logging.getLogger(__name__)
KEEP_PAST = timedelta(weeks=8)
# uid → (body, hash, sequence, dtstamp) of each event a published calendar holds
Bodies = dict[str, tuple[str, str, int, str]]
Row = dict[str, Any]  # a sink_items row: uid, hash, sequence, dtstamp, body


class PublishedCalendar:
    """A calendar syncd rewrites whole and its readers only read: no user edits come back,
    so its events never promise that an edit is kept (issue 16)."""

    def __init__(self, name: str, state: State, tz_name: str,
                 alarm_minutes: int | None) -> None:
        self.name = name
        self.state = state
        self.tz_name = tz_name
        self.alarm_minutes = alarm_minutes

    def pull(self, now: datetime) -> SinkReport:
        # A calendar syncd owns has no user edits to learn from.
        return SinkReport(self.name)

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        del stop  # one atomic write: nothing to interrupt
        report = SinkReport(self.name)
        rows = self._rows()
        adopted = not rows and self._adopt(rows, report)
        bodies = self._bodies(rows, sessions, now, report)
        stale = [(path, data) for path, data in self.outputs(bodies)
                 if not (path.exists() and path.read_bytes() == data)]
        if stale and not report.actions:
            for path, data in stale:
                if path.exists() and _events_part(path.read_bytes()) == _events_part(data):
                    # Same events, another syncd version's header or time zone definition.
                    log.info("%s: rewriting %s in this version's format", self.name, path)
                    continue
                how = "was changed by something else" if path.exists() else "was missing"
                report.warnings.append(f"{path} {how}; {'would rewrite' if dry_run else 'rewrote'}"
                                       f" it with its {len(bodies)} events")
        if dry_run or not (stale or report.actions or adopted):
            return report
        for path, data in stale:
            self.write(path, data)
        report.written = bool(stale)
        with self.state.transaction():
            self.state.db.execute("DELETE FROM sink_items WHERE sink=?", (self.name,))
            self.state.db.executemany(
                "INSERT INTO sink_items (sink, uid, hash, sequence, dtstamp, state, body) "
                "VALUES (?,?,?,?,?,?,?)",
                [(self.name, uid, h, seq, stamp, "synced", body)
                 for uid, (body, h, seq, stamp) in bodies.items()])
        return report

    def outputs(self, bodies: Bodies) -> list[tuple[Path, bytes]]:
        """Each file this calendar is published as, with the bytes it should hold."""
        raise NotImplementedError

    def write(self, path: Path, data: bytes) -> None:
        raise NotImplementedError

    def published(self) -> Path:
        """The file whose events are syncd's own, read back when the state has none."""
        raise NotImplementedError

    def _rows(self) -> dict[str, Row]:
        return {r["uid"]: dict(r) for r in self.state.db.execute(
            "SELECT uid, hash, sequence, dtstamp, body FROM sink_items WHERE sink=?",
            (self.name,))}

    def _adopt(self, rows: dict[str, Row], report: SinkReport) -> bool:
        path = self.published()
        found = adopt_published(path, report.warnings)
        for uid, (body, h, seq, stamp) in found.items():
            rows[uid] = {"uid": uid, "hash": h, "sequence": seq, "dtstamp": stamp,
                         "body": body}
        if found:
            log.info("%s: the state had no events for it; adopted syncd's %d from %s",
                     self.name, len(found), path)
        return bool(found)

    def _bodies(self, rows: dict[str, Row], sessions: Sequence[Session], now: datetime,
                report: SinkReport) -> Bodies:
        tz = ZoneInfo(self.tz_name)
        wanted = {s.uid: s for s in sessions if s.status is not SessionStatus.DECLINED}
        bodies: Bodies = {}
        for uid, s in wanted.items():
            h = session_hash(s, editable=False)
            row = rows.get(uid)
            if row is not None and (s.status is SessionStatus.MISSED or row["hash"] == h):
                bodies[uid] = (row["body"], row["hash"], row["sequence"], row["dtstamp"])
                continue
            seq = 0 if row is None else row["sequence"] + 1
            ev = to_event(s, tz, sequence=seq, stamp=now, alarm_minutes=self.alarm_minutes,
                          editable=False)
            bodies[uid] = (ev.to_ical().decode(), h, seq, now.isoformat())
            report.actions.append(Action(Op.CREATE if row is None else Op.UPDATE, uid,
                                         ev.get("SUMMARY", ""), s.start))
        for uid, row in rows.items():
            if uid in wanted:
                continue
            old = Event.from_ical(row["body"])
            start = old.decoded("DTSTART")
            if isinstance(start, datetime) and now - KEEP_PAST <= start <= now:
                bodies[uid] = (row["body"], row["hash"], row["sequence"], row["dtstamp"])
            else:
                report.actions.append(Action(Op.DELETE, uid, str(old.get("SUMMARY", "")),
                                             start if isinstance(start, datetime) else None))
        return bodies


def _events_part(data: bytes) -> bytes:
    """The events of a rendered calendar, without its header and VTIMEZONEs."""
    return data[data.find(b"BEGIN:VEVENT"):data.rfind(b"END:VEVENT")]


def events_of(bodies: Bodies) -> list[Event]:
    """The stored events in calendar order: by start, then UID (byte-stable output)."""
    events = [cast(Event, Event.from_ical(body)) for body, _, _, _ in bodies.values()]
    events.sort(key=lambda e: (e.decoded("DTSTART"), str(e["UID"])))
    return events


def render(name: str, tz_name: str, events: Iterable[Event],
           refresh: timedelta = timedelta(hours=1)) -> bytes:
    cal = new_calendar(name, tz_name, refresh)
    for ev in events:
        cal.add_component(ev)
    add_timezones(cal)
    return bytes(cal.to_ical())


class IcsFileSink(PublishedCalendar):
    def __init__(self, settings: IcsSettings, state: State, tz_name: str) -> None:
        super().__init__("ics", state, tz_name, settings.alarm_minutes)
        self.settings = settings

    def outputs(self, bodies: Bodies) -> list[tuple[Path, bytes]]:
        return [(self.settings.path, render(self.settings.name, self.tz_name, events_of(bodies)))]

    def published(self) -> Path:
        return self.settings.path

    def write(self, path: Path, data: bytes) -> None:
        _atomic_write(path, data)


def _atomic_write(path: Path, data: bytes) -> None:
    try:
        # The mode of the file it replaces, or the umask's (issue 20); at most its own folder.
        atomic_write(path, data, None, parents=False)
    except FileNotFoundError:
        raise SyncdError(f"ics.path: the folder {path.parent.parent} does not exist, so "
                         f"{path} cannot be written; check ics.path") from None
    except OSError as exc:
        raise SyncdError(f"{path}: cannot write the calendar file: {exc.strerror}; check "
                         "ics.path and that its folder is writable") from None
