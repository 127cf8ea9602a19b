"""Creating one event, and settling a write whose outcome the answer did not tell.

A create is the one write that can duplicate: sent twice under two UIDs, the calendar shows
the session twice. So a create records its intent before it is sent, and a create whose
answer does not say whether it was stored (no answer, a 5xx, an HTML page, a 2xx without
an ETag) is settled by reading the server before anything is written again: shown there,
it is done; not shown, it is written again later at the same href under the same UID
(If-None-Match makes a copy impossible), never under a fresh one while the first may stand.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from icalendar import Calendar

from syncd.errors import SyncdError
from syncd.model import Session
from syncd.sinks.base import SinkReport
from syncd.sinks.caldav_store import InDoubt, PreconditionFailed, Refused, Unanswered
from syncd.sinks.events import event_hash, session_hash, to_event
from syncd.sinks.ownership import claim
from syncd.sinks.sync_items import Item, Records, parse_event
from syncd.sinks.vtimezone import add_timezones

if TYPE_CHECKING:
    from syncd.sinks.sync import Store

log = logging.getLogger(__name__)


class Creates:
    """The create half of ``SyncEngine`` (kept apart to keep each file small)."""

    name: str
    store: Store
    tz: ZoneInfo
    alarm_minutes: int | None
    records: Records

    def _save(self, it: Item) -> None: ...
    def _forget(self, uid: str) -> None: ...

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
            if attempt or rec.state not in ("creating", "doubt") or not rec.href:
                rec.href = href
            rec.remote_uid = None if uid == s.uid else uid
            rec.state, rec.pending, rec.body, rec.sequence = "creating", h, ics, seq
            rec.start = s.start.isoformat()
            self._save(rec)  # the intent, before anything is sent
            it = rec
            try:
                etag = self.store.create(rec.href, ics)
            except Unanswered as exc:
                # It may have been stored: ask the server before anything else is written.
                rec.state = "doubt"
                self._save(rec)
                try:
                    etag = self._read_back(rec.href, uid, h)
                except SyncdError:
                    etag = None
                if etag is None:
                    raise exc from None  # not there (yet): settled by the next pull
            except PreconditionFailed:
                # Something is at our href already: our own earlier write, or not ours.
                got = self.store.fetch([rec.href]).get(rec.href)
                mark = claim(got[1], self.tz) if got else None
                if not (got and mark is not None and mark.session.uid == s.uid
                        and not mark.edited):
                    report.warnings.append(f"{s.uid}: another event holds its place on the "
                                           "server; left alone")
                    rec.state = "declined"
                    self._save(rec)
                    return False
                etag, h = got[0], mark.written  # ours; updated next cycle if it differs
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
            if etag is None:
                # A 2xx without an ETag: done only when the server shows it.
                etag = self._read_back(rec.href, uid, h)
                if etag is None:
                    rec.state = "doubt"
                    self._save(rec)
                    raise InDoubt(f"{s.title}: the server answered the create but does not "
                                  "show the event; read again next cycle")
            rec.state, rec.etag, rec.hash, rec.pending = "synced", etag, h, None
            self._save(rec)
            return True
        return False  # pragma: no cover  (the loop returns or raises)

    def _read_back(self, href: str, uid: str, h: str) -> str | None:
        """The event's ETag if the server shows it at ``href`` with hash ``h``, else None
        ("" when it shows it but gives no ETag)."""
        got = self.store.fetch([href]).get(href)
        ev = parse_event(got[1], uid) if got else None
        if got is None or ev is None or event_hash(ev) != h:
            return None
        return got[0]

    def _render(self, s: Session, sequence: int, now: datetime, uid: str) -> str:
        """The object as stored: one VEVENT with its time zones, no METHOD and no attendees
        (a stored object with those is a scheduling message: servers would send invites)."""
        cal = Calendar()
        cal.add("PRODID", "-//syncd//syncd//EN")
        cal.add("VERSION", "2.0")
        cal.add_component(to_event(s, self.tz, sequence=sequence, stamp=now,
                                   alarm_minutes=self.alarm_minutes, event_uid=uid))
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

