"""An update that keeps what the user added: syncd's new event merged into the server's copy.

syncd owns a fixed set of an event's properties (those ``events.to_event`` writes) and its
own alarm (marked ``X-SYNCD-ALARM``). Everything else a user or their calendar app put on
the event — a LOCATION, their own VALARM, ATTENDEEs, app-private X- properties — belongs to
them, and an update must carry it over. So an update starts from the newly rendered event and
copies in every property and sub-component of the server's current copy that syncd does not
manage; the write is conditional on the ETag of that copy, so nothing read can be stale.
"""

from __future__ import annotations

from icalendar import Calendar, Component

from syncd.sinks.events import ALARM_MARK

# What syncd writes and therefore replaces; DURATION too, as the other form of DTEND.
MANAGED = frozenset({
    "UID", "SUMMARY", "DESCRIPTION", "DTSTART", "DTEND", "DURATION", "SEQUENCE", "DTSTAMP",
    "LAST-MODIFIED", "CATEGORIES", "STATUS", "TRANSP", "X-SYNCD-KIND", "X-SYNCD-RULES",
    "X-SYNCD-SESSION", "X-SYNCD-HASH",
})


def merge(new_ics: str, current: str | None, event_uid: str) -> str:
    """``new_ics`` with what the user added to ``current`` (the server's copy) kept."""
    if not current:
        return new_ics
    try:
        old_cal = Calendar.from_ical(current)
        new_cal = Calendar.from_ical(new_ics)
    except (ValueError, IndexError, KeyError):
        return new_ics
    old = next((e for e in old_cal.walk("VEVENT") if str(e.get("UID", "")) == event_uid), None)
    new = next(iter(new_cal.walk("VEVENT")), None)
    if old is None or new is None:
        return new_ics
    kept = False
    for name in list(old.keys()):
        if name.upper() in MANAGED or name in new:
            continue
        new[name] = old[name]  # as read: one property, or the list of a repeated one
        kept = True
    legacy = "X-SYNCD-HASH" not in old  # written before alarms were marked
    for sub in old.subcomponents:
        if sub.name == "VALARM" and (ALARM_MARK in sub or (legacy and _like_ours(sub, old))):
            continue  # syncd's own alarm: the new event has the current one
        new.add_component(sub)
        kept = True
    if not kept:
        return new_ics
    have = {str(tz.get("TZID")) for tz in new_cal.walk("VTIMEZONE")}
    for tz in old_cal.walk("VTIMEZONE"):  # a zone a kept property refers to
        if str(tz.get("TZID")) not in have:
            new_cal.add_component(tz)
    return str(new_cal.to_ical().decode())


def _like_ours(alarm: Component, event: Component) -> bool:
    """An unmarked alarm of an event syncd wrote before it marked its alarms: a DISPLAY
    alarm whose text is the event's title, as syncd wrote it."""
    get = alarm.get
    return (str(get("ACTION", "")).upper() == "DISPLAY"
            and str(get("DESCRIPTION", "")) == str(event.get("SUMMARY", "")))
