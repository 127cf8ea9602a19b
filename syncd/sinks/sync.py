"""Two-way sync of syncd's sessions with a calendar store: plan, then apply, safely.

The safety rails live here, once, for any store (CalDAV today):

* Ownership: only events whose UID syncd made *and* recorded in its state are ever written;
  anything else in the calendar is never read back as ours, edited or deleted.
* Conditional writes: create with If-None-Match, update and delete with If-Match.
* User edits: the ETag is the trigger, a hash of the fields syncd manages is the proof. An
  edited event is the user's (pinned) and never written again; a deleted one is declined.
  A 412 means read again and decide again, never overwrite.
* Crash safety: the intent of each write is recorded before it is sent and confirmed after
  the 2xx; the next pull resolves a write in flight by comparing hashes. The server's sync
  token is saved only after a whole cycle, so nothing it reported is lost.
* Empty-side guard: a calendar that suddenly lists none of syncd's events is taken as a
  server problem, and nothing is written or declined that cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar

from syncd.errors import SyncdError
from syncd.model import Session, SessionStatus
from syncd.planner.uids import is_syncd_uid
from syncd.sinks.base import Action, Op, SinkReport, UserChange
from syncd.sinks.caldav_store import Gone, Poll, PreconditionFailed, Unanswered
from syncd.sinks.events import event_hash, session_hash, to_event
from syncd.state import State

log = logging.getLogger(__name__)
EMPTY_GUARD = 3  # this many of our events vanishing at once looks like a broken server


class Store(Protocol):
    def href_for(self, uid: str) -> str: ...
    def poll(self, token: str | None) -> Poll: ...
    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str, str]]: ...
    def create(self, href: str, ics: str) -> str | None: ...
    def update(self, href: str, etag: str, ics: str) -> str | None: ...
    def delete(self, href: str, etag: str) -> None: ...


@dataclass
class Item:
    uid: str
    href: str
    etag: str | None
    hash: str | None
    sequence: int
    state: str  # synced | creating | updating | deleting | user | declined
    pending: str | None
    body: str | None
    start: str | None = None  # ISO start of the event as last written

    def starts(self) -> datetime | None:
        """When the event starts; rows from before schema 3 fall back to parsing the body."""
        return datetime.fromisoformat(self.start) if self.start else _body_start(self.body)


class SyncEngine:
    def __init__(self, name: str, store: Store, state: State, tz_name: str,
                 alarm_minutes: int | None = None) -> None:
        self.name = name
        self.store = store
        self.state = state
        self.tz = ZoneInfo(tz_name)
        self.alarm_minutes = alarm_minutes
        self._token: str | None = None
        self._frozen = False

    # -- records ---------------------------------------------------------------------------

    def items(self) -> dict[str, Item]:
        rows = self.state.db.execute(
            "SELECT uid, href, etag, hash, sequence, state, pending, body, start "
            "FROM sink_items WHERE sink=?", (self.name,)).fetchall()
        return {r[0]: Item(*r) for r in rows}

    def _save(self, it: Item) -> None:
        with self.state.transaction():
            self.state.db.execute(
                "INSERT INTO sink_items (sink, uid, href, etag, hash, sequence, state, pending, "
                "body, start) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(sink, uid) DO UPDATE "
                "SET href=excluded.href, etag=excluded.etag, hash=excluded.hash, "
                "sequence=excluded.sequence, state=excluded.state, pending=excluded.pending, "
                "body=excluded.body, start=excluded.start",
                (self.name, it.uid, it.href, it.etag, it.hash, it.sequence, it.state,
                 it.pending, it.body, it.start))

    def _forget(self, uid: str) -> None:
        with self.state.transaction():
            self.state.db.execute("DELETE FROM sink_items WHERE sink=? AND uid=?",
                                  (self.name, uid))

    # -- pull: what happened on the server ---------------------------------------------------

    def pull(self, now: datetime) -> SinkReport:
        report = SinkReport(self.name)
        self._frozen = False
        token = self.state.get(f"sink:{self.name}", "token")
        poll = self.store.poll(token)
        self._token = poll.token
        items = self.items()
        by_href = {it.href: it for it in items.values()}
        live = [it for it in items.values() if it.state in ("synced", "updating", "deleting")]
        if poll.complete and live and not any(it.href in poll.changed for it in live) and len(
                live) >= EMPTY_GUARD:
            self._frozen = True
            report.warnings.append(
                f"the calendar lists none of syncd's {len(live)} events: taken as a server "
                "problem, nothing is written or declined this cycle")
            return report
        changed = {h: e for h, e in poll.changed.items() if h in by_href
                   and by_href[h].state not in ("declined",) and by_href[h].etag != e}
        # A create whose outcome is unknown (the process died, or the answer never came) is
        # settled by asking the server: a token diff may not mention an event that was
        # created and deleted since, so the poll alone cannot tell.
        unknown = {it.href for it in items.values() if it.state == "creating"}
        ask = sorted(set(changed) | unknown)
        fetched = self.store.fetch(ask) if ask else {}
        for href in ask:
            it = by_href[href]
            got = fetched.get(href)
            if got is not None:
                self._resolve_changed(it, got[0], got[1], report)
            elif it.state == "creating":
                self._resolve_gone(it, report)
            # else: gone between the two requests; the next poll says so
        gone = set(poll.deleted)
        if poll.complete:
            gone |= {it.href for it in items.values() if it.href not in poll.changed}
        for href in sorted(gone - unknown):
            missing = by_href.get(href)
            if missing is not None:
                self._resolve_gone(missing, report)
        return report

    def _resolve_changed(self, it: Item, etag: str, text: str, report: SinkReport) -> None:
        ev = _parse_event(text, it.uid)
        if ev is None:
            report.warnings.append(f"{it.uid}: the server's copy is not a readable event; "
                                   "left alone")
            return
        remote = event_hash(ev)
        if it.state == "user":
            it.etag = etag
            self._save(it)
            return
        if it.pending is not None and remote == it.pending:
            it.state, it.hash, it.etag, it.pending = "synced", it.pending, etag, None
            self._save(it)  # our write in flight landed
            return
        if remote == it.hash:
            it.etag = etag  # the server re-serialised it, or a client touched an alarm
            if it.state in ("creating", "updating"):
                it.state, it.pending = "synced", None  # the write in flight did not land
            self._save(it)
            return
        start, end = _times(ev, self.tz)
        it.state, it.etag, it.pending = "user", etag, None
        self._save(it)
        report.changes.append(UserChange(it.uid, pinned=True, start=start, end=end))
        report.actions.append(Action(Op.PIN, it.uid, str(ev.get("SUMMARY", "")), start,
                                     "you edited it: kept as you left it"))

    def _resolve_gone(self, it: Item, report: SinkReport) -> None:
        if it.state == "deleting":
            self._forget(it.uid)  # our delete in flight landed
            return
        if it.state == "declined":
            return  # already known
        # A create that may have landed and is gone now was deleted by the user (between a
        # crash and the restart): putting it back would undo their delete. The cost of the
        # rare create that died before it was sent is one slot, which the planner refills.
        why = ("gone after an interrupted write: taken as deleted by you, not put back"
               if it.state == "creating" else "you deleted it: not put back")
        it.state, it.pending = "declined", None
        self._save(it)
        report.changes.append(UserChange(it.uid, pinned=False))
        report.actions.append(Action(Op.DECLINE, it.uid, "", it.starts(), why))

    # -- push: make the calendar match the plan ----------------------------------------------

    def plan_actions(self, sessions: Sequence[Session], now: datetime
                     ) -> list[tuple[Op, Session | None, Item | None]]:
        items = self.items()
        in_plan = {s.uid for s in sessions}
        out: list[tuple[Op, Session | None, Item | None]] = []
        for s in sessions:
            if not is_syncd_uid(s.uid) or s.status not in (SessionStatus.PLANNED,
                                                           SessionStatus.DONE):
                continue
            it = items.get(s.uid)
            if it is None:
                out.append((Op.CREATE, s, None))
            elif it.state in ("user", "declined", "deleting"):
                continue
            elif it.state == "creating":
                out.append((Op.CREATE, s, it))  # only when pull was skipped (tests, dry run)
            elif it.hash != session_hash(s) or it.state == "updating":
                out.append((Op.UPDATE, s, it))
        for it in items.values():
            if it.uid in in_plan or it.state not in ("synced", "updating", "deleting"):
                continue
            start = it.starts()
            if start is None or start > now:
                out.append((Op.DELETE, None, it))
        return out

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        report = SinkReport(self.name)
        if self._frozen:
            report.warnings.append("nothing written: see the warning above")
            return report
        for op, s, it in self.plan_actions(sessions, now):
            summary = s.title if s else (it.uid if it else "")
            report.actions.append(Action(op, (s.uid if s else it.uid if it else ""), summary,
                                         s.start if s else it.starts() if it else None))
            if dry_run:
                continue
            if stop is not None and stop():
                report.warnings.append("stopped before all writes: the rest next cycle")
                break
            try:
                self._apply(op, s, it, now, report)
            except PreconditionFailed:
                report.warnings.append(f"{summary}: changed on the server meanwhile; "
                                       "read again next cycle")
        if not dry_run:
            wrote = any(a.op in (Op.CREATE, Op.UPDATE, Op.DELETE) for a in report.actions)
            self.state.put(f"sink:{self.name}", "token", self._advance(wrote))
            report.written = wrote
        return report

    def _advance(self, wrote: bool) -> str | None:
        """The token to keep: past our own writes, but never past anyone else's.

        Some servers (Xandikos) diff their state against the token, so an event created and
        deleted since a token is not mentioned at all. To see a user delete one of the events
        we just wrote, the token must move past our writes; one more REPORT does it, and its
        token is kept only if everything it reports is our own doing."""
        if not wrote or self._token is None:
            return self._token
        try:
            after = self.store.poll(self._token)
        except SyncdError:
            return self._token
        items = {it.href: it for it in self.items().values()}
        ours = all(h in items and items[h].etag == e for h, e in after.changed.items())
        if after.complete:
            ours = ours and all(it.href in after.changed for it in items.values()
                                if it.state in ("synced", "user"))
        ours = ours and not any(h in items for h in after.deleted)
        return after.token if ours else self._token

    def _apply(self, op: Op, s: Session | None, it: Item | None, now: datetime,
               report: SinkReport) -> None:
        if op is Op.DELETE and it is not None:
            it.state = "deleting"
            self._save(it)
            try:
                self.store.delete(it.href, it.etag or "")
            except Gone:
                pass
            except PreconditionFailed:
                it.state = "synced"
                self._save(it)
                raise
            self._forget(it.uid)
            return
        assert s is not None
        seq = 0 if it is None else it.sequence + (1 if it.state != "creating" else 0)
        ics = self._render(s, seq, now)
        h = session_hash(s)
        if it is None or it.state == "creating":
            rec = it or Item(s.uid, self.store.href_for(s.uid), None, None, seq, "creating",
                             h, ics)
            rec.state, rec.pending, rec.body, rec.sequence = "creating", h, ics, seq
            rec.start = s.start.isoformat()
            self._save(rec)
            try:
                etag = self.store.create(rec.href, ics)
            except Unanswered:
                raise  # it may have landed: the next pull asks the server
            except PreconditionFailed:
                # Something is at our href already: our own earlier write, or not ours.
                got = self.store.fetch([rec.href]).get(rec.href)
                ev = _parse_event(got[1], s.uid) if got else None
                if got and ev is not None and event_hash(ev) == h:
                    etag = got[0]
                else:
                    report.warnings.append(f"{s.uid}: another event holds its place on the "
                                           "server; left alone")
                    rec.state = "declined"
                    self._save(rec)
                    return
            except SyncdError:
                self._forget(rec.uid)  # answered with a refusal, or never sent: not there
                raise
            rec.state, rec.etag, rec.hash, rec.pending = "synced", etag, h, None
            self._save(rec)
            return
        it.state, it.pending, it.body, it.sequence = "updating", h, ics, seq
        it.start = s.start.isoformat()
        self._save(it)
        try:
            etag = self.store.update(it.href, it.etag or "", ics)
        except Gone:
            it.state, it.pending = "declined", None
            self._save(it)
            report.changes.append(UserChange(it.uid, pinned=False))
            return
        except PreconditionFailed:
            it.state, it.pending = "synced", None
            self._save(it)
            raise
        it.state, it.etag, it.hash, it.pending = "synced", etag, h, None
        self._save(it)

    def _render(self, s: Session, sequence: int, now: datetime) -> str:
        cal = Calendar()
        cal.add("PRODID", "-//syncd//syncd//EN")
        cal.add("VERSION", "2.0")
        cal.add_component(to_event(s, self.tz, sequence=sequence, stamp=now,
                                   alarm_minutes=self.alarm_minutes))
        cal.add_missing_timezones()
        return str(cal.to_ical().decode())


def _parse_event(text: str, uid: str):  # type: ignore[no-untyped-def]
    try:
        cal = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError):
        return None
    return next((e for e in cal.walk("VEVENT") if str(e.get("UID", "")) == uid), None)


def _times(ev, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:  # type: ignore[no-untyped-def]
    try:
        start = ev.decoded("DTSTART")
        end = ev.decoded("DTEND") if "DTEND" in ev else start + ev.decoded("DURATION")
    except (KeyError, ValueError, TypeError):
        return None, None

    def aware(v: date | datetime) -> datetime:
        if isinstance(v, datetime):
            return v if v.tzinfo else v.replace(tzinfo=tz)
        return datetime.combine(v, time(0), tz)

    return aware(start), aware(end)


def _body_start(body: str | None) -> datetime | None:
    if not body:
        return None
    try:
        ev = next(iter(Calendar.from_ical(body).walk("VEVENT")), None)
        start = ev.decoded("DTSTART") if ev is not None else None
    except (ValueError, KeyError, IndexError):
        return None
    return start if isinstance(start, datetime) else None


__all__ = ["Item", "Store", "SyncEngine", "SyncdError"]
