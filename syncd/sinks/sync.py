"""Two-way sync of syncd's sessions with a calendar store: plan, then apply, safely.

The safety rails live here, once, for any store (CalDAV today):

* Ownership: only events syncd recorded in its state, or recognised by their markers as its
  own (``ownership``: a lost, fresh or shared state adopts them instead of adding copies),
  are ever written; anything else in the calendar is never edited or deleted.
* Unknown outcomes: a write answered without saying whether it was stored (5xx, an HTML
  page, no ETag, no answer) is settled by reading the server before anything is written
  again, and a create is never retried under a fresh UID while the first may stand.
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
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from syncd.errors import SyncdError
from syncd.model import Session, SessionStatus
from syncd.planner.uids import is_syncd_uid
from syncd.sinks.base import Action, Op, SinkReport, UserChange
from syncd.sinks.caldav_store import Gone, InDoubt, Poll, PreconditionFailed, Refused
from syncd.sinks.event_merge import merge
from syncd.sinks.events import SESSION_MARK, event_hash, session_hash
from syncd.sinks.ownership import claim
from syncd.sinks.sync_adopt import adopt, strangers
from syncd.sinks.sync_create import Creates
from syncd.sinks.sync_items import Item, Records, event_times, parse_event
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


class SyncEngine(Creates):
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
        self._rehome()
        items = self.items()
        live = [it for it in items.values() if it.state in ("synced", "updating", "deleting")]
        vanished = poll.complete and bool(live) and not any(it.href in poll.changed
                                                            for it in live)
        if vanished and (self.replaced or (poll.reset and len(live) >= EMPTY_GUARD)):
            self._refill(report, len(live))
            items = self.items()  # what is in the calendar now may still be ours: adopted
        elif vanished and len(live) >= EMPTY_GUARD:
            self._frozen = True
            report.warnings.append(
                f"the calendar lists none of syncd's {len(live)} events: taken as a server "
                "problem, nothing is written or declined this cycle")
            return report
        self.replaced = False
        by_href = {it.href: it for it in items.values()}
        # An ETag of "" is one the server did not give: the event must be read to know.
        changed = {h: e for h, e in poll.changed.items() if h in by_href
                   and by_href[h].state not in ("declined",) and (not e or by_href[h].etag != e)}
        # A create whose outcome is unknown (the process died, or the answer never came) is
        # settled by asking the server: a token diff may not mention an event that was
        # created and deleted since, so the poll alone cannot tell.
        unknown = {it.href for it in items.values() if it.state in ("creating", "doubt")}
        others = strangers(self.records, poll, by_href)
        ask = sorted(set(changed) | unknown | set(others))
        fetched = self.store.fetch(ask) if ask else {}
        for href in sorted(set(changed) | unknown):
            it = by_href[href]
            got = fetched.get(href)
            if got is not None:
                self._resolve_changed(it, got[0], got[1], report)
            elif it.state == "creating":
                self._resolve_gone(it, report)
            # else: gone between the two requests (the next poll says so), or a create in
            # doubt that was not stored: written again, at the same place, by push
        adopt(self.records, others, fetched, self.tz, report)
        gone = set(poll.deleted)
        if poll.complete:
            gone |= {it.href for it in items.values() if it.href not in poll.changed}
        for href in sorted(gone - unknown):
            missing = by_href.get(href)
            if missing is not None:
                self._resolve_gone(missing, report)
        return report

    def _rehome(self) -> None:
        """The store followed a redirect of the whole calendar: our hrefs move with it."""
        moved = getattr(self.store, "moved", None)
        if moved:
            self.records.rehome(*moved)
            self.store.moved = None  # type: ignore[attr-defined]

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
        it.body = text  # the server's copy: an update edits it, keeping what the user added
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
        mark = claim(text, self.tz)
        if mark is not None and mark.session.uid == it.uid and not mark.edited:
            # Written by another syncd (a second writer on this calendar), not edited since.
            it.state, it.hash, it.etag, it.pending = "synced", mark.written, etag, None
            it.sequence, it.start = max(it.sequence, mark.sequence), mark.session.start.isoformat()
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
            elif it.state in ("creating", "doubt"):
                # doubt: not there when read back; creating: only when pull was skipped
                out.append((Op.CREATE, s, it))
            elif it.hash != session_hash(s) or it.state == "updating" or self._unmarked(it):
                out.append((Op.UPDATE, s, it))
        for it in items.values():
            if it.uid in in_plan or it.state not in ("synced", "updating", "deleting"):
                continue
            start = it.starts()
            if start is None or start > now:
                out.append((Op.DELETE, None, it))
        return out

    def _unmarked(self, it: Item) -> bool:
        """An event written before syncd marked its events (X-SYNCD-SESSION): rewritten
        once (never again, should a server drop X- properties), so that a lost state can
        still recognise it as syncd's."""
        return (it.state == "synced" and it.body is not None and SESSION_MARK not in it.body
                and self.state.get(f"sink:{self.name}:marked", it.uid) is None)

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        report = SinkReport(self.name)
        if self._frozen:
            report.warnings.append("nothing written: see the warning above")
            return report
        wrote = False
        if not dry_run:
            in_plan = {s.uid for s in sessions}
            for rec in self.items().values():
                if rec.state == "doubt" and rec.uid not in in_plan:
                    self._forget(rec.uid)  # never stored (pull read it back), not wanted
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
        if it is None or it.state in ("creating", "doubt"):
            return self._create(s, it, now, report)
        if not it.etag:
            report.warnings.append(f"{s.title}: the server gives no ETag for it, so it "
                                   "cannot be changed safely; left as it is")
            return False
        if self._unmarked(it):
            with self.state.transaction():
                self.state.put(f"sink:{self.name}:marked", it.uid, "1")
        seq = it.sequence + 1
        # The server's copy edited, not replaced: what the user added to it is kept.
        ics = merge(self._render(s, seq, now, it.event_uid), it.body, it.event_uid)
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
        # Unanswered (no answer, a 5xx, an HTML page) leaves it "updating" with the hash
        # it would have: the next pull reads the server and settles it.
        if etag is None:
            etag = self._read_back(it.href, it.event_uid, h)
            if etag is None:
                raise InDoubt(f"{s.title}: the server took the update but does not show it; "
                              "read again next cycle")
        it.state, it.etag, it.hash, it.pending = "synced", etag, h, None
        self._save(it)
        return True


__all__ = ["Item", "Store", "SyncEngine", "SyncdError"]
