"""What makes an event syncd's (markers, not the UID alone), and updates that keep what the
user added: pure functions, on events rendered the way the sink renders them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Alarm, Calendar

from syncd.model import SessionStatus
from syncd.sinks.event_merge import merge
from syncd.sinks.events import to_event
from syncd.sinks.ownership import claim
from tests.integration.caldav_helpers import NOW, sessions

TZ = ZoneInfo("Europe/Berlin")
EVENT_UID = "syncd-20261120-1-0badcafe@syncd"


def rendered(shift: int = 0, alarm: int | None = None) -> str:
    cal = Calendar()
    cal.add("PRODID", "-//syncd//syncd//EN")
    cal.add("VERSION", "2.0")
    cal.add_component(to_event(sessions(1, shift_min=shift)[0], TZ, sequence=0, stamp=NOW,
                               alarm_minutes=alarm, event_uid=EVENT_UID))
    return cal.to_ical().decode()


def edit(text: str, fn) -> str:  # type: ignore[no-untyped-def]
    cal = Calendar.from_ical(text)
    fn(next(iter(cal.walk("VEVENT"))))
    return cal.to_ical().decode()


def test_an_unchanged_syncd_event_is_claimed_as_planned_with_its_session():
    c = claim(rendered(), TZ)
    assert c is not None and not c.edited
    s = sessions(1)[0]
    assert (c.session.uid, c.session.start, c.session.kind) == (s.uid, s.start, s.kind)
    assert c.session.status is SessionStatus.PLANNED and c.event_uid == EVENT_UID


def test_a_moved_one_is_claimed_as_pinned_where_the_user_put_it():
    def move(ev):  # type: ignore[no-untyped-def]
        for k in ("DTSTART", "DTEND"):
            v = ev.decoded(k) + timedelta(hours=2)
            del ev[k]
            ev.add(k, v)

    c = claim(edit(rendered(), move), TZ)
    assert c is not None and c.edited and c.session.status is SessionStatus.PINNED
    assert c.session.start == sessions(1)[0].start + timedelta(hours=2)


@pytest.mark.parametrize("spoil", ["no session mark", "no hash mark", "foreign uid",
                                   "uid of another session", "bad hash", "no kind"])
def test_look_alikes_are_never_claimed(spoil):
    def change(ev):  # type: ignore[no-untyped-def]
        if spoil == "no session mark":
            del ev["X-SYNCD-SESSION"]
        elif spoil == "no hash mark":
            del ev["X-SYNCD-HASH"]
        elif spoil == "foreign uid":
            ev["UID"] = "dentist-42@example.org"
        elif spoil == "uid of another session":
            ev["X-SYNCD-SESSION"] = "syncd-20261201-1@syncd"
        elif spoil == "bad hash":
            ev["X-SYNCD-HASH"] = "not-a-hash"
        else:
            del ev["X-SYNCD-KIND"]

    assert claim(edit(rendered(), change), TZ) is None


def test_an_update_keeps_the_users_location_alarm_and_attendee_and_replaces_syncds_own():
    def add(ev):  # type: ignore[no-untyped-def]
        ev.add("LOCATION", "Gym on Main St")
        ev.add("ATTENDEE", "mailto:sam@example.org")
        ev.add_component(Alarm.new_display("Pack the bag", trigger=timedelta(hours=-3)))

    current = edit(rendered(alarm=30), add)
    out = merge(rendered(shift=45, alarm=30), current, EVENT_UID)
    ev = next(iter(Calendar.from_ical(out).walk("VEVENT")))
    assert ev.decoded("DTSTART") == sessions(1, shift_min=45)[0].start
    assert str(ev["LOCATION"]) == "Gym on Main St"
    assert "sam@example.org" in str(ev["ATTENDEE"])
    alarms = sorted(str(a["DESCRIPTION"]) for a in ev.walk("VALARM"))
    assert alarms == sorted(["Pack the bag", str(ev["SUMMARY"])]), "one of ours, one theirs"
    c = claim(out, TZ)
    assert c is not None and not c.edited, "the markers match what was written"


def test_an_update_of_an_event_nobody_touched_is_the_new_rendering():
    new = rendered(shift=45)
    assert merge(new, rendered(), EVENT_UID) == new
