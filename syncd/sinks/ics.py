"""Write the sessions to an .ics file that calendar apps import or subscribe to.

The file is replaced atomically (temporary file in the same folder, fsync, rename), so a
reader never sees half a calendar and a crash leaves the old file. Each event keeps its UID,
DTSTAMP and SEQUENCE while its content is unchanged; a changed session gets SEQUENCE + 1.
Past sessions stay in the file (up to ``KEEP_PAST``) so the calendar keeps its history.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Event

from syncd.config.loader import IcsSettings
from syncd.errors import SyncdError
from syncd.model import Session, SessionStatus
from syncd.sinks.base import Action, Op, SinkReport
from syncd.sinks.events import new_calendar, session_hash, to_event
from syncd.state import State

log = logging.getLogger(__name__)
KEEP_PAST = timedelta(weeks=8)


class IcsFileSink:
    def __init__(self, settings: IcsSettings, state: State, tz_name: str) -> None:
        self.name = "ics"
        self.settings = settings
        self.state = state
        self.tz_name = tz_name

    def pull(self, now: datetime) -> SinkReport:
        # A file syncd owns has no user edits to learn from.
        return SinkReport(self.name)

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        del stop  # one atomic write: nothing to interrupt
        report = SinkReport(self.name)
        tz = ZoneInfo(self.tz_name)
        rows = {r["uid"]: r for r in self.state.db.execute(
            "SELECT uid, hash, sequence, dtstamp, body FROM sink_items WHERE sink=?",
            (self.name,))}
        wanted = {s.uid: s for s in sessions if s.status is not SessionStatus.DECLINED}
        bodies: dict[str, tuple[str, str, int, str]] = {}
        for uid, s in wanted.items():
            h = session_hash(s)
            row = rows.get(uid)
            if s.status is SessionStatus.MISSED and row is not None:
                bodies[uid] = (row["body"], row["hash"], row["sequence"], row["dtstamp"])
                continue
            if row is not None and row["hash"] == h:
                bodies[uid] = (row["body"], h, row["sequence"], row["dtstamp"])
                continue
            seq = 0 if row is None else row["sequence"] + 1
            ev = to_event(s, tz, sequence=seq, stamp=now,
                          alarm_minutes=self.settings.alarm_minutes)
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
        text = self._render(bodies)
        path = self.settings.path
        unchanged = path.exists() and path.read_bytes() == text
        if not unchanged and not report.actions:
            how = "was changed by something else" if path.exists() else "was missing"
            report.warnings.append(f"{path} {how}; {'would rewrite' if dry_run else 'rewrote'}"
                                   f" it with its {len(bodies)} events")
        if dry_run or (unchanged and not report.actions):
            return report
        _atomic_write(path, text)
        report.written = True
        with self.state.transaction():
            self.state.db.execute("DELETE FROM sink_items WHERE sink=?", (self.name,))
            self.state.db.executemany(
                "INSERT INTO sink_items (sink, uid, hash, sequence, dtstamp, state, body) "
                "VALUES (?,?,?,?,?,?,?)",
                [(self.name, uid, h, seq, stamp, "synced", body)
                 for uid, (body, h, seq, stamp) in bodies.items()])
        return report

    def _render(self, bodies: dict[str, tuple[str, str, int, str]]) -> bytes:
        cal = new_calendar(self.settings.name, self.tz_name)
        events = [Event.from_ical(body) for body, _, _, _ in bodies.values()]
        events.sort(key=lambda e: (e.decoded("DTSTART"), str(e["UID"])))
        for ev in events:
            cal.add_component(ev)
        cal.add_missing_timezones()
        return bytes(cal.to_ical())


def _atomic_write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SyncdError(f"{path}: cannot write the calendar file: {exc.strerror}; check "
                         "ics.path and that its folder is writable") from None
