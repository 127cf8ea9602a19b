"""Which events in a calendar are syncd's own, and the session each stands for.

syncd's state is a cache of the calendar, not its master: when the state is lost, rebuilt
or shared with a second writer, syncd must recognise the events it wrote instead of adding
copies. An event is syncd's only when all of these hold:

* its UID has syncd's pattern (``syncd-…@syncd``), and
* it carries ``X-SYNCD-SESSION``, a syncd session UID whose base the event's UID starts
  with, and ``X-SYNCD-HASH``, the managed-field hash as written (32 hex digits), and
* it carries ``X-SYNCD-KIND``, the session's kind.

The UID alone is never enough: anyone can write a look-alike UID, and such an event is
never touched. The VCALENDAR's PRODID is not required: a calendar app that saves a user's
edit rewrites it with its own, while it keeps the event's X- properties (RFC 5545 §3.8.8.2).

``X-SYNCD-HASH`` also tells who changed an event: if the managed fields still hash to what
was written, no user edited them (another syncd writer, or the server re-serialising);
otherwise the user did, and the event is theirs (pinned) where they put it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from syncd.model import Session, SessionKind, SessionStatus
from syncd.planner.uids import UID_DOMAIN, is_syncd_uid
from syncd.sinks.events import HASH_MARK, SESSION_MARK, event_hash
from syncd.sinks.sync_items import event_times

_HASH = re.compile(r"[0-9a-f]{32}")
DONE_MARK = "✓ "  # events.summary() puts it before a done session's title


@dataclass(frozen=True)
class Claim:
    """A syncd event as read from the calendar."""

    event_uid: str
    session: Session  # restored as far as the event tells: the planner's published input
    written: str  # X-SYNCD-HASH: the managed-field hash when syncd wrote it
    now_hash: str | None  # the managed-field hash as the event stands
    sequence: int

    @property
    def edited(self) -> bool:
        """The user changed a field syncd manages (time, title, description, status)."""
        return self.now_hash != self.written


def claim(text: str, tz: ZoneInfo) -> Claim | None:
    """The syncd event in ``text``, or None when it is not (provably) syncd's."""
    from icalendar import Calendar

    try:
        events = list(Calendar.from_ical(text).walk("VEVENT"))
    except (ValueError, IndexError, KeyError):
        return None
    if len(events) != 1:
        return None  # syncd writes one VEVENT per object, never a recurrence set
    ev = events[0]
    uid = str(ev.get("UID", ""))
    session_uid = str(ev.get(SESSION_MARK, ""))
    written = str(ev.get(HASH_MARK, ""))
    if not (is_syncd_uid(uid) and is_syncd_uid(session_uid) and _HASH.fullmatch(written)):
        return None
    if not uid.startswith(session_uid.removesuffix(UID_DOMAIN)):
        return None
    try:
        kind = SessionKind(str(ev.get("X-SYNCD-KIND", "")))
    except ValueError:
        return None
    start, end = event_times(ev, tz)
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    now_hash = event_hash(ev)  # type: ignore[arg-type]
    title = str(ev.get("SUMMARY", ""))
    if now_hash != written:
        status = SessionStatus.PINNED
    elif title.startswith(DONE_MARK):
        status = SessionStatus.DONE
    else:
        status = SessionStatus.PLANNED
    rules = tuple(r for r in str(ev.get("X-SYNCD-RULES", "")).split(",") if r)
    why = next((line.removeprefix("Why here: ") for line in
                str(ev.get("DESCRIPTION", "")).splitlines() if line.startswith("Why here: ")),
               "")
    try:
        sequence = int(str(ev.get("SEQUENCE", 0)))
    except ValueError:
        sequence = 0
    # Read from a calendar anyone can write: bounded before it reaches the planner.
    session = Session(uid=session_uid[:200], kind=kind, start=start, end=end, status=status,
                      title=title.removeprefix(DONE_MARK)[:200], rules=rules[:20],
                      explanation=why[:1000])
    return Claim(uid, session, written, now_hash, sequence)
