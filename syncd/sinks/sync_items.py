"""What the sync engine remembers of each event it wrote, and the UIDs those events carry.

A session's UID is the planner's identity for it; the UID of the event on the server is the
sink's. They differ on purpose: the event's UID has a random part that belongs to this
installation (kept in the state), so two installations, or a fresh state after a reset,
never write the same UID. Servers refuse a UID that lives in another calendar of the account
(Cyrus, iCloud) or sits in the trash bin (Nextcloud), so a create refused for its UID, or a
calendar that was replaced, gets a UID never used before. Rows written before the event UID
was stored carry the session's UID, as they always did.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from icalendar import Calendar

from syncd.planner.uids import UID_DOMAIN
from syncd.state import State


@dataclass
class Item:
    uid: str
    href: str
    etag: str | None
    hash: str | None
    sequence: int
    # synced | creating | updating | deleting | user | declined, or doubt: a create that
    # was answered without saying whether it was stored, and was not there when read back
    state: str
    pending: str | None
    body: str | None
    start: str | None = None  # ISO start of the event as last written
    remote_uid: str | None = None  # the event's UID on the server; None: the session's

    def starts(self) -> datetime | None:
        """When the event starts; rows from before schema 3 fall back to parsing the body."""
        return datetime.fromisoformat(self.start) if self.start else _body_start(self.body)

    @property
    def event_uid(self) -> str:
        return self.remote_uid or self.uid


class Records:
    """The sink_items rows of one sink, and the installation's UID parts."""

    def __init__(self, name: str, state: State) -> None:
        self.name = name
        self.state = state

    def items(self) -> dict[str, Item]:
        rows = self.state.db.execute(
            "SELECT uid, href, etag, hash, sequence, state, pending, body, start, remote_uid "
            "FROM sink_items WHERE sink=?", (self.name,)).fetchall()
        return {r[0]: Item(*r) for r in rows}

    def save(self, it: Item) -> None:
        with self.state.transaction():
            self.state.db.execute(
                "INSERT INTO sink_items (sink, uid, href, etag, hash, sequence, state, pending, "
                "body, start, remote_uid) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(sink, uid) DO UPDATE "
                "SET href=excluded.href, etag=excluded.etag, hash=excluded.hash, "
                "sequence=excluded.sequence, state=excluded.state, pending=excluded.pending, "
                "body=excluded.body, start=excluded.start, remote_uid=excluded.remote_uid",
                (self.name, it.uid, it.href, it.etag, it.hash, it.sequence, it.state,
                 it.pending, it.body, it.start, it.remote_uid))

    def forget(self, uid: str) -> None:
        with self.state.transaction():
            self.state.db.execute("DELETE FROM sink_items WHERE sink=? AND uid=?",
                                  (self.name, uid))

    def forget_all_but_declined(self) -> int:
        with self.state.transaction():
            cur = self.state.db.execute(
                "DELETE FROM sink_items WHERE sink=? AND state != 'declined'", (self.name,))
        return int(cur.rowcount)

    def rehome(self, old: str, new: str) -> None:
        """The calendar moved (a redirect): its events' hrefs move with it."""
        with self.state.transaction():
            self.state.db.execute(
                "UPDATE sink_items SET href=? || substr(href, ?) "
                "WHERE sink=? AND substr(href, 1, ?)=?",
                (new, len(old) + 1, self.name, len(old), old))

    # -- events in the calendar that are not syncd's -----------------------------------------

    def foreign(self) -> dict[str, str]:
        """href -> ETag of events read once and found not to be syncd's: not read again
        until they change (a calendar shared with other events costs nothing per cycle)."""
        rows = self.state.db.execute("SELECT key, value FROM kv WHERE scope=?",
                                     (f"sink:{self.name}:foreign",)).fetchall()
        return {str(r[0]): str(r[1] or "") for r in rows}

    def mark_foreign(self, href: str, etag: str) -> None:
        with self.state.transaction():
            self.state.put(f"sink:{self.name}:foreign", href, etag)

    def prune_foreign(self, present: set[str]) -> None:
        gone = [h for h in self.foreign() if h not in present]
        if gone:
            with self.state.transaction():
                self.state.db.executemany("DELETE FROM kv WHERE scope=? AND key=?",
                                          [(f"sink:{self.name}:foreign", h) for h in gone])

    # -- event UIDs ------------------------------------------------------------------------

    def installation(self) -> str:
        """A random tag made once per state, so no two installations share an event UID."""
        tag = self.state.get("install", "uid_tag")
        if tag is None:
            tag = secrets.token_hex(4)
            with self.state.transaction():
                self.state.put("install", "uid_tag", tag)
        return tag

    def epoch(self) -> int:
        return int(self.state.get(f"sink:{self.name}", "uid_epoch") or 0)

    def next_epoch(self) -> None:
        """After a calendar was replaced: its old UIDs may sit in a trash bin."""
        with self.state.transaction():
            self.state.put(f"sink:{self.name}", "uid_epoch", str(self.epoch() + 1))

    def retire(self, event_uid: str) -> None:
        """An event UID deleted or refused: never written again (Nextcloud's trash bin)."""
        with self.state.transaction():
            self.state.put(f"sink:{self.name}:retired", event_uid, "1")

    def retired(self, event_uid: str) -> bool:
        return self.state.get(f"sink:{self.name}:retired", event_uid) is not None

    def event_uid(self, session_uid: str, fresh: bool = False) -> str:
        """The UID a new event for ``session_uid`` carries; ``fresh`` for one never used."""
        base = session_uid.removesuffix(UID_DOMAIN)
        tag = self.installation()
        epoch = self.epoch()
        uid = f"{base}-{tag}" + (f"-r{epoch}" if epoch else "") + UID_DOMAIN
        while fresh or self.retired(uid):
            fresh = False
            uid = f"{base}-{tag}" + (f"-r{epoch}" if epoch else "") + \
                f"-{secrets.token_hex(3)}{UID_DOMAIN}"
        return uid


def parse_event(text: str, uid: str):  # type: ignore[no-untyped-def]
    try:
        cal = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError):
        return None
    return next((e for e in cal.walk("VEVENT") if str(e.get("UID", "")) == uid), None)


def event_times(ev, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:  # type: ignore[no-untyped-def]
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
