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
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar

from syncd.errors import SyncdError
from syncd.model import Session, SessionStatus
from syncd.planner.uids import is_syncd_uid
from syncd.sinks.base import Action, Op, SinkReport, UserChange
from syncd.sinks.caldav_store import Gone, Poll, PreconditionFailed, Refused, Unanswered
from syncd.sinks.events import event_hash, session_hash, to_event
from syncd.sinks.sync_items import Item, Records, event_times, parse_event
from syncd.sinks.vtimezone import add_timezones
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


class SyncEngine:
    def __init__(self, name: str, store: Store, state: State, tz_name: str,
                 alarm_minutes: int | None = None) -> None:
        self.name = name
        self.store = store
        self.state = state
        self.tz = ZoneInfo(tz_name)
        self.alarm_minutes = alarm_minutes
        self.records = Records(name, state)
        self._token: str | None = None
        self._frozen = False
        self.replaced = False  # set by the sink when the calendar's URL had vanished

    # -- records ---------------------------------------------------------------------------

    def items(self) -> dict[str, Item]:
        return self.records.items()

    def _save(self, it: Item) -> None:
        self.records.save(it)

    def _forget(self, uid: str) -> None:
        self.records.forget(uid)

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
        vanished = poll.complete and bool(live) and not any(it.href in poll.changed
                                                            for it in live)
        if vanished and (self.replaced or (poll.reset and len(live) >= EMPTY_GUARD)):
            self._refill(report, len(live))
            return report
        self.replaced = False
        if vanished and len(live) >= EMPTY_GUARD:
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

    def _refill(self, report: SinkReport, lost: int) -> None:
        """The calendar was deleted or replaced (its URL vanished, or the server forgot our
        token and lists none of our events): start again in it, with UIDs never used."""
        msg = (f"the calendar was deleted or replaced on the server ({lost} of syncd's events "
               "are gone with it): refilling it with the plan")
        log.warning("%s: %s", self.name, msg)
        report.warnings.append(msg)
        self.records.forget_all_but_declined()
        self.records.next_epoch()
        self.replaced = False

    def _resolve_changed(self, it: Item, etag: str, text: str, report: SinkReport) -> None:
        ev = parse_event(text, it.event_uid)
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
        start, end = event_times(ev, self.tz)
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
        wrote = False
        for op, s, it in self.plan_actions(sessions, now):
            summary = s.title if s else (it.uid if it else "")
            action = Action(op, (s.uid if s else it.uid if it else ""), summary,
                            s.start if s else it.starts() if it else None)
            if dry_run:
                report.actions.append(action)
                continue
            if stop is not None and stop():
                report.warnings.append("stopped before all writes: the rest next cycle")
                break
            try:
                done = self._apply(op, s, it, now, report)
            except PreconditionFailed:
                wrote = True  # a 412 may hide our own earlier write: do not move the token
                report.warnings.append(f"{summary}: changed on the server meanwhile; "
                                       "read again next cycle")
                continue
            except Refused as exc:
                wrote = True
                report.warnings.append(f"{summary}: not written: {exc}")
                continue
            wrote = True
            if done:
                report.actions.append(action)  # only writes that landed are listed
        if not dry_run:
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
               report: SinkReport) -> bool:
        """One write; True when it landed (a create found already there counts)."""
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
            self.records.retire(it.event_uid)
            self._forget(it.uid)
            return True
        assert s is not None
        if it is None or it.state == "creating":
            return self._create(s, it, now, report)
        seq = it.sequence + 1
        ics = self._render(s, seq, now, it.event_uid)
        h = session_hash(s)
        it.state, it.pending, it.body, it.sequence = "updating", h, ics, seq
        it.start = s.start.isoformat()
        self._save(it)
        try:
            etag = self.store.update(it.href, it.etag or "", ics)
        except Gone:
            it.state, it.pending = "declined", None
            self._save(it)
            report.changes.append(UserChange(it.uid, pinned=False))
            report.actions.append(Action(Op.DECLINE, it.uid, s.title, s.start,
                                         "you deleted it: not put back"))
            return False
        except (PreconditionFailed, Refused):
            it.state, it.pending = "synced", None
            self._save(it)
            raise
        it.state, it.etag, it.hash, it.pending = "synced", etag, h, None
        self._save(it)
        return True

    def _create(self, s: Session, it: Item | None, now: datetime, report: SinkReport) -> bool:
        seq = 0 if it is None else it.sequence
        h = session_hash(s)
        uid = it.event_uid if it is not None else self.records.event_uid(s.uid)
        for attempt in range(2):
            ics = self._render(s, seq, now, uid)
            # The resource name is not the UID (as on iCloud): a name of its own, never
            # derived from the UID and never read back as one.
            href = self.store.href_for(f"syncd-{secrets.token_hex(8)}")
            rec = it or Item(s.uid, href, None, None, seq, "creating", h, ics)
            if attempt or rec.state != "creating" or not rec.href:
                rec.href = href
            rec.remote_uid = None if uid == s.uid else uid
            rec.state, rec.pending, rec.body, rec.sequence = "creating", h, ics, seq
            rec.start = s.start.isoformat()
            self._save(rec)  # the intent, before anything is sent
            it = rec
            try:
                etag = self.store.create(rec.href, ics)
            except Unanswered:
                raise  # it may have landed: the next pull asks the server
            except PreconditionFailed:
                # Something is at our href already: our own earlier write, or not ours.
                got = self.store.fetch([rec.href]).get(rec.href)
                ev = parse_event(got[1], uid) if got else None
                if not (got and ev is not None and event_hash(ev) == h):
                    report.warnings.append(f"{s.uid}: another event holds its place on the "
                                           "server; left alone")
                    rec.state = "declined"
                    self._save(rec)
                    return False
                etag = got[0]
            except Refused as exc:
                if attempt == 0 and _uid_taken(exc):
                    # Nextcloud's trash bin, or the UID in another calendar (Cyrus, iCloud):
                    # the same session under a UID that was never used.
                    log.info("%s: create of %s refused (%s): trying a fresh UID", self.name,
                             uid, exc.status)
                    self.records.retire(uid)
                    uid = self.records.event_uid(s.uid, fresh=True)
                    continue
                self._forget(rec.uid)
                raise
            except SyncdError:
                self._forget(rec.uid)  # answered with a refusal, or never sent: not there
                raise
            rec.state, rec.etag, rec.hash, rec.pending = "synced", etag, h, None
            self._save(rec)
            return True
        return False  # pragma: no cover  (the loop returns or raises)

    def _render(self, s: Session, sequence: int, now: datetime, uid: str) -> str:
        """The object as stored: one VEVENT with its time zones, no METHOD and no attendees
        (a stored object with those is a scheduling message: servers would send invites)."""
        cal = Calendar()
        cal.add("PRODID", "-//syncd//syncd//EN")
        cal.add("VERSION", "2.0")
        cal.add_component(to_event(replace(s, uid=uid), self.tz, sequence=sequence, stamp=now,
                                   alarm_minutes=self.alarm_minutes))
        add_timezones(cal)  # the RRULE form, valid past 2038 (syncd.sinks.vtimezone)
        return str(cal.to_ical().decode())


def _uid_taken(exc: Refused) -> bool:
    """A create refused because of its UID, not its content or our rights."""
    if exc.status not in (400, 403, 409):
        return False
    names = exc.names()
    if names & {"no-uid-conflict", "unique-scheduling-object-resource"}:
        return True
    body = exc.body.lower()
    return "uid" in body and any(w in body for w in ("exist", "conflict", "trash", "unique",
                                                     "already", "deleted"))


__all__ = ["Item", "Store", "SyncEngine", "SyncdError"]
