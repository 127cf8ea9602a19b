"""A session as an iCalendar VEVENT, and the fingerprint of the fields syncd manages.

The same rendering feeds the ICS file and CalDAV, so what a user sees is the same in both.
DTSTAMP and SEQUENCE are passed in by the sink, which keeps them unchanged for an unchanged
session: the output is byte-stable, and calendar apps see no phantom updates.

Only CalDAV is two-way: there syncd reads the user's moves and deletions back. A file or a
feed is read-only to its subscribers and syncd never sees what they do with a copy, so its
events say so instead of promising that edits are kept (``editable=False``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vDuration

from syncd import __version__
from syncd.model import Session, SessionStatus
from syncd.planner.rule_names import RULE_NAMES

PRODID = f"-//syncd//syncd {__version__}//EN"
FOOTER = ("Planned by syncd around your runs. Move or edit this event and syncd keeps it "
          "where you put it; delete it and syncd will not put it back there.")
READ_ONLY_FOOTER = ("Planned by syncd around your runs. This calendar is a read-only copy that "
                    "syncd rewrites: edits here stay on your device and syncd never sees them. "
                    "To change when you train, change syncd's config (athlete.availability).")


def summary(s: Session) -> str:
    if s.status is SessionStatus.DONE:
        return f"✓ {s.title}"
    return s.title


def description(s: Session, editable: bool = True) -> str:
    lines = []
    if s.status is SessionStatus.DONE:
        lines += ["Done: your watch recorded this session.", ""]
    if s.warmup:
        lines += [s.warmup, ""]
    lines += [f"{i}. {e.describe()}" for i, e in enumerate(s.exercises, 1)]
    if s.exercises:
        lines.append("")
    if s.explanation:
        lines.append(f"Why here: {s.explanation}")
    if s.rules:
        # Words first, the contract's code after them (issue 22: codes alone say little).
        lines.append("Rules: " + "; ".join(
            f"{RULE_NAMES[r]} ({r})" if r in RULE_NAMES else r for r in s.rules))
    lines += ["", FOOTER if editable else READ_ONLY_FOOTER]
    return "\n".join(lines).strip()


def managed_hash(start: datetime, end: datetime, summary_text: str, description_text: str,
                 status: str) -> str:
    """Fingerprint of the fields syncd writes; a user edit changes it, a re-serialise does not."""
    parts = [start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat(),
             summary_text.strip(), _norm(description_text), status.upper()]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def session_hash(s: Session, editable: bool = True) -> str:
    return managed_hash(s.start, s.end, summary(s), description(s, editable), "CONFIRMED")


def event_hash(ev: Event) -> str | None:
    """The managed-field hash of an event read back from a calendar; None if unreadable."""
    try:
        start = ev.decoded("DTSTART")
        end = ev.decoded("DTEND") if "DTEND" in ev else start + ev.decoded("DURATION")
    except (KeyError, ValueError, TypeError):
        return None
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    if start.tzinfo is None or end.tzinfo is None:
        return None
    return managed_hash(start, end, str(ev.get("SUMMARY", "")), str(ev.get("DESCRIPTION", "")),
                        str(ev.get("STATUS", "")))


# Ownership markers (see syncd.sinks.ownership): the session an event stands for and the
# managed-field hash as written. With the UID pattern and PRODID they let a fresh state
# recognise syncd's own events, and tell a user's edit from another syncd writer's.
SESSION_MARK = "X-SYNCD-SESSION"
HASH_MARK = "X-SYNCD-HASH"
ALARM_MARK = "X-SYNCD-ALARM"  # on syncd's own VALARM, so a user's own alarm is kept apart


def to_event(s: Session, tz: ZoneInfo, *, sequence: int, stamp: datetime,
             alarm_minutes: int | None = None, editable: bool = True,
             event_uid: str | None = None) -> Event:
    """``event_uid``: the UID on the server when it differs from the session's."""
    ev = Event.new(
        uid=event_uid or s.uid, summary=summary(s), description=description(s, editable),
        start=s.start.astimezone(tz), end=s.end.astimezone(tz),
        sequence=sequence, stamp=stamp.astimezone(UTC), last_modified=stamp.astimezone(UTC),
        categories=["Strength", s.kind.value.capitalize()]
        + (["Done"] if s.status is SessionStatus.DONE else []),
    )
    ev.add("STATUS", "CONFIRMED")
    ev.add("TRANSP", "OPAQUE")
    ev.add("X-SYNCD-KIND", s.kind.value)
    if s.rules:
        ev.add("X-SYNCD-RULES", ",".join(s.rules))
    ev.add(SESSION_MARK, s.uid)
    ev.add(HASH_MARK, session_hash(s, editable))
    if alarm_minutes and s.status is not SessionStatus.DONE:
        alarm = Alarm.new_display(summary(s), trigger=timedelta(minutes=-alarm_minutes))
        alarm.add(ALARM_MARK, "1")
        ev.add_component(alarm)
    return ev


def new_calendar(name: str, tz_name: str, refresh: timedelta = timedelta(hours=1)) -> Calendar:
    """The VCALENDAR around the events; ``refresh`` is how often subscribers should poll."""
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.add("NAME", name)
    cal.add("X-WR-CALNAME", name)
    cal.add("X-WR-TIMEZONE", tz_name)
    cal.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(refresh).to_ical().decode())
    return cal
