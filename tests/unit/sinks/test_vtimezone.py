"""The VTIMEZONE syncd writes agrees with the zone's name on every instant (issue 19).

Two kinds of reader: vobject evaluates the VTIMEZONE text (its RRULEs), icalendar resolves the
TZID through zoneinfo. Each event is written at a real instant (every hour from a day before to
a day after each change) as local wall time with its TZID, then read back by both; they must
give the same instant, and that instant must be the one written (for the repeated hour, RFC
5545 says the wall time means its first occurrence).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Event

from syncd.sinks.vtimezone import add_timezones, transitions, vtimezone

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Sao_Paulo", "Australia/Sydney", "Pacific/Auckland", "America/Santiago",
         "Asia/Jerusalem", "Europe/Dublin", "Africa/Casablanca"]
YEARS = [2026, 2027, 2040]


def probe_instants(key: str, year: int) -> list[datetime]:
    """Every hour around each change of ``year``, or every 6 hours of two days in a zone
    without changes."""
    zone = ZoneInfo(key)
    centres = [t.at for t in transitions(zone, year)] or [datetime(year, 1, 15, tzinfo=UTC),
                                                          datetime(year, 7, 15, tzinfo=UTC)]
    out = set()
    for c in centres:
        base = c.replace(minute=0, second=0)
        out.update(base + timedelta(hours=h) for h in range(-26, 27))
        out.update(c + timedelta(minutes=m) for m in (-31, -30, -1, 0, 1, 30, 31))
    return sorted(out)


def calendar_text(key: str, instants: list[datetime]) -> bytes:
    zone = ZoneInfo(key)
    cal = Calendar()
    cal.add("PRODID", "-//syncd//test//EN")
    cal.add("VERSION", "2.0")
    for i, at in enumerate(instants):
        ev = Event()
        ev.add("UID", f"probe-{i}@test")
        ev.add("DTSTAMP", datetime(2026, 1, 1, tzinfo=UTC))
        ev.add("DTSTART", at.astimezone(zone))
        ev.add("SUMMARY", at.isoformat())
        cal.add_component(ev)
    add_timezones(cal)
    return bytes(cal.to_ical())


def first_occurrence(key: str, at: datetime) -> datetime:
    """What a wall-clock time means in iCalendar: its first occurrence (RFC 5545 3.3.5)."""
    wall = at.astimezone(ZoneInfo(key)).replace(tzinfo=None, fold=0)
    return wall.replace(tzinfo=ZoneInfo(key)).astimezone(UTC)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("key", ZONES)
def test_vtimezone_readers_agree_with_zoneinfo(key: str, year: int) -> None:
    instants = probe_instants(key, year)
    text = calendar_text(key, instants)
    assert text.count(b"BEGIN:VTIMEZONE") == 1
    assert b"COMMENT" not in text and b"2038-01-01" not in text
    readers = READERS if key != "Africa/Casablanca" else ("icalendar",)
    by_vtimezone = {name: read_by_vtimezone(text, key, year, name) for name in readers}
    by_uid_name = {}
    for ev in Calendar.from_ical(text.replace(b"BEGIN:VTIMEZONE", b"BEGIN:X-HIDDEN")
                                 .replace(b"END:VTIMEZONE", b"END:X-HIDDEN")).walk("VEVENT"):
        start = ev.decoded("DTSTART")
        assert isinstance(start.tzinfo, ZoneInfo) and start.tzinfo.key == key
        by_uid_name[str(ev["UID"])] = start.astimezone(UTC)
    for i, at in enumerate(instants):
        uid = f"probe-{i}@test"
        want = first_occurrence(key, at)
        assert by_uid_name[uid] == want, (uid, at)
        for name, got in by_vtimezone.items():
            assert got[uid] == want, (name, key, at, at.astimezone(ZoneInfo(key)))


READERS = ("vobject", "icalendar")
# Africa/Casablanca (Ramadan changes, no yearly rule: the RDATE fallback) is read by icalendar's
# VTIMEZONE reader only: vobject takes any zone whose offset was +00:00 around 2000 for UTC
# (its pickTzid/tzinfo_eq) and then drops the TZID, whatever the VTIMEZONE says.


def read_by_vtimezone(text: bytes, key: str, year: int, reader: str) -> dict[str, datetime]:
    """Each event's instant as a reader that has only the VTIMEZONE sees it: the TZID is
    renamed to one no library knows, so neither vobject (which would ask pytz for a known
    name, and caches zones by TZID for the whole process) nor icalendar (zoneinfo) can
    resolve it by name."""
    alias = f"Probe-{reader}-{key.replace('/', '-')}-{year}".encode()
    text = text.replace(f"TZID:{key}".encode(), b"TZID:" + alias)
    text = text.replace(f"TZID={key}".encode(), b"TZID=" + alias)
    out = {}
    if reader == "vobject":
        for ev in vobject.readOne(text.decode()).vevent_list:
            start = ev.dtstart.value
            assert type(start.tzinfo).__module__.startswith("dateutil"), start.tzinfo
            out[ev.uid.value] = start.astimezone(UTC)
        return out
    for ev in Calendar.from_ical(text).walk("VEVENT"):
        start = ev.decoded("DTSTART")
        assert start.tzinfo is not None and not isinstance(start.tzinfo, ZoneInfo)
        out[str(ev["UID"])] = start.astimezone(UTC)
    return out


def test_berlin_is_the_compact_rule_form() -> None:
    text = vtimezone("Europe/Berlin", 2026).to_ical().decode().replace("\r\n", "\n")
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    assert "RDATE" not in text and len(text) < 400


def test_zone_without_dst_is_one_standard() -> None:
    for key in ("Asia/Kolkata", "America/Sao_Paulo"):
        text = vtimezone(key, 2026).to_ical().decode()
        assert text.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in text
        assert "RRULE" not in text


def test_a_june_berlin_session_reads_as_summer_time_in_vobject() -> None:
    """The reported symptom: 18:00 Berlin in June read at UTC+1 by a VTIMEZONE reader."""
    for year in YEARS:
        at = datetime(year, 6, 20, 18, tzinfo=ZoneInfo("Europe/Berlin"))
        text = calendar_text("Europe/Berlin", [at.astimezone(UTC)]).decode()
        start = vobject.readOne(text).vevent.dtstart.value
        assert start.utcoffset() == timedelta(hours=2)
        assert start.astimezone(UTC).hour == 16


def test_unknown_tzid_is_left_alone() -> None:
    cal = Calendar()
    ev = Event()
    ev.add("DTSTART", datetime(2026, 1, 1, 9), parameters={"TZID": "Not/AZone"})
    cal.add_component(ev)
    add_timezones(cal)
    assert not cal.walk("VTIMEZONE")


@pytest.mark.slow
def test_every_zone_reads_alike_by_vtimezone_and_by_name() -> None:
    """Every zone zoneinfo knows (~600, ~40 s): icalendar's VTIMEZONE reader and zoneinfo
    agree two hours either side of each change of 2026, 2027 and 2040. Most zones get the
    RRULE form; the few whose changes follow no yearly rule (Cairo's "Friday after the last
    Thursday", Casablanca's and Gaza's Ramadan changes) the RDATE fallback."""
    import zoneinfo

    from icalendar import Timezone

    failures = []
    for key in sorted(zoneinfo.available_timezones()):
        if key.startswith(("posix/", "right/")) or key in ("Factory", "localtime"):
            continue
        text = vtimezone(key, 2026).to_ical().decode()
        assert "COMMENT" not in text
        tz = Timezone.from_ical(text.replace(f"TZID:{key}", f"TZID:Probe-all-{key}")).to_tz()
        zone = ZoneInfo(key)
        for year in YEARS:
            centres = [t.at for t in transitions(zone, year)] or [
                datetime(year, 1, 15, tzinfo=UTC), datetime(year, 7, 15, tzinfo=UTC)]
            for c in centres:
                for hours in (-2, -1, 0, 1, 2):
                    wall = (c + timedelta(hours=hours)).astimezone(zone).replace(
                        tzinfo=None, fold=0)
                    if wall.replace(tzinfo=tz).astimezone(UTC) != first_occurrence(
                            key, wall.replace(tzinfo=zone)):
                        failures.append((key, wall))
    assert failures == []


def test_each_zone_once_before_the_events_and_existing_ones_kept() -> None:
    cal = Calendar()
    cal.add_component(vtimezone("Europe/Berlin", 2026))
    for i, key in enumerate(["Europe/Berlin", "America/New_York", "America/New_York"]):
        ev = Event()
        ev.add("UID", f"e{i}")
        ev.add("DTSTART", datetime(2027, 3, 1, 9, tzinfo=ZoneInfo(key)))
        cal.add_component(ev)
    add_timezones(cal)
    names = [c.name for c in cal.subcomponents]
    assert names == ["VTIMEZONE", "VTIMEZONE", "VEVENT", "VEVENT", "VEVENT"]
    assert [str(c["TZID"]) for c in cal.walk("VTIMEZONE")] == ["Europe/Berlin",
                                                                "America/New_York"]
    ny = cal.walk("VTIMEZONE")[1].to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in ny
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in ny
