"""A lost state does not cost the published file its past sessions (issue 19).

The state is moved away as a user (or doctor's advice) would; the next push adopts syncd's
own events back from the file: the past sessions stay, unchanged sessions keep their DTSTAMP
and SEQUENCE byte for byte, and nothing that is not syncd's (by PRODID, UID shape and marker
property together) is ever adopted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from icalendar import Calendar

from syncd.config.loader import FeedSettings, IcsSettings
from syncd.model import SessionKind, SessionStatus
from syncd.sinks.base import Op
from syncd.sinks.feed import FeedSink
from syncd.sinks.ics import IcsFileSink
from syncd.sinks.ics_adopt import adopt_published
from syncd.state import DB_NAME, State
from tests.helpers import MONDAY, session

PAST = [session("syncd-20261117-1@syncd", -6, "18:00", status=SessionStatus.DONE),
        session("syncd-20261119-1@syncd", -4, "07:00", SessionKind.CORE, minutes=20),
        session("syncd-20261121-1@syncd", -2, "18:00", status=SessionStatus.DONE)]
FUTURE = [session("syncd-20261125-1@syncd", 2, "18:00"),
          session("syncd-20261127-1@syncd", 4, "07:00", SessionKind.CORE, minutes=20)]


def ics_sink(tmp_path: Path, state: State) -> IcsFileSink:
    return IcsFileSink(IcsSettings(tmp_path / "out" / "s.ics", "Strength", None), state,
                       "Europe/Berlin")


def lose_state(state: State) -> State:
    """Close the state and move its database away, as issue 19 did: a fresh state remains."""
    state.close()
    db = state.directory / DB_NAME
    db.rename(state.directory.parent / "moved-away.sqlite3")
    for extra in state.directory.glob(DB_NAME + "-*"):
        extra.unlink()
    return State(state.directory)


def events(path: Path) -> dict[str, bytes]:
    return {str(e["UID"]): e.to_ical() for e in Calendar.from_ical(path.read_bytes()).events}


def published_with_history(tmp_path: Path) -> tuple[State, Path, bytes]:
    """Sessions published a week ago, then again now: three of them are past by now."""
    state = State(tmp_path / "state")
    sink = ics_sink(tmp_path, state)
    sink.push(PAST + FUTURE, MONDAY - timedelta(days=8), dry_run=False)
    report = sink.push(FUTURE, MONDAY, dry_run=False)
    assert report.actions == []  # the past ones stay on their own
    path = tmp_path / "out" / "s.ics"
    assert set(events(path)) == {s.uid for s in PAST + FUTURE}
    return state, path, path.read_bytes()


def test_lost_state_keeps_the_past_sessions_byte_for_byte(tmp_path: Path) -> None:
    state, path, before = published_with_history(tmp_path)
    mtime = path.stat().st_mtime_ns
    state = lose_state(state)
    assert state.db.execute("SELECT count(*) FROM sink_items").fetchone()[0] == 0
    report = ics_sink(tmp_path, state).push(FUTURE, MONDAY + timedelta(hours=1),
                                            dry_run=False)
    assert report.actions == []
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    # The adoption is remembered: the state holds all five again.
    rows = {r[0]: r[1] for r in state.db.execute("SELECT uid, sequence FROM sink_items")}
    assert set(rows) == {s.uid for s in PAST + FUTURE}
    # And later cycles go on from it: a moved session is one update, SEQUENCE 0 → 1.
    moved = replace(FUTURE[0], start=FUTURE[0].start + timedelta(hours=1),
                    end=FUTURE[0].end + timedelta(hours=1))
    report = ics_sink(tmp_path, state).push([moved, FUTURE[1]], MONDAY + timedelta(hours=2),
                                            dry_run=False)
    assert [(a.op, a.uid) for a in report.actions] == [(Op.UPDATE, moved.uid)]
    after = events(path)
    assert set(after) == {s.uid for s in PAST + FUTURE}
    assert b"SEQUENCE:1" in after[moved.uid]
    old = events_from(before)
    for uid in after:
        if uid != moved.uid:
            assert after[uid] == old[uid]
    state.close()


def events_from(data: bytes) -> dict[str, bytes]:
    return {str(e["UID"]): e.to_ical() for e in Calendar.from_ical(data).events}


def test_without_adoption_the_past_would_be_lost(tmp_path: Path) -> None:
    """The same steps with the file taken away first: the failure adoption prevents."""
    state, path, _ = published_with_history(tmp_path)
    state = lose_state(state)
    path.rename(tmp_path / "elsewhere.ics")
    ics_sink(tmp_path, state).push(FUTURE, MONDAY + timedelta(hours=1), dry_run=False)
    assert set(events(path)) == {s.uid for s in FUTURE}
    state.close()


def test_dry_run_shows_the_adopted_file_but_stores_nothing(tmp_path: Path) -> None:
    state, path, before = published_with_history(tmp_path)
    state = lose_state(state)
    report = ics_sink(tmp_path, state).push(FUTURE, MONDAY, dry_run=True)
    assert report.actions == []
    assert path.read_bytes() == before
    assert state.db.execute("SELECT count(*) FROM sink_items").fetchone()[0] == 0
    state.close()


def test_only_syncds_own_events_are_adopted(tmp_path: Path) -> None:
    state, path, before = published_with_history(tmp_path)
    state.close()
    text = before.decode()
    foreign = ("BEGIN:VEVENT\r\nUID:syncd-20261118-1@syncd\r\nDTSTAMP:20261101T000000Z\r\n"
               "DTSTART;TZID=Europe/Berlin:20261118T120000\r\n"
               "DTEND;TZID=Europe/Berlin:20261118T130000\r\nSUMMARY:Lunch with Sam\r\n"
               "END:VEVENT\r\n")
    other_uid = ("BEGIN:VEVENT\r\nUID:meeting-1@example.org\r\nDTSTAMP:20261101T000000Z\r\n"
                 "DTSTART;TZID=Europe/Berlin:20261118T150000\r\n"
                 "DTEND;TZID=Europe/Berlin:20261118T160000\r\nSUMMARY:Review\r\n"
                 "X-SYNCD-KIND:heavy\r\nEND:VEVENT\r\n")
    path.write_text(text.replace("END:VCALENDAR", foreign + other_uid + "END:VCALENDAR"),
                    newline="")
    warnings: list[str] = []
    found = adopt_published(path, warnings)
    assert set(found) == {s.uid for s in PAST + FUTURE}
    assert warnings == []
    # The same events in a calendar someone else wrote: nothing is syncd's.
    path.write_text(text.replace("PRODID:-//syncd//", "PRODID:-//Someone//"), newline="")
    assert adopt_published(path, warnings) == {}
    path.write_bytes(b"not a calendar")
    assert adopt_published(path, warnings) == {}
    assert len(warnings) == 1 and str(path) in warnings[0]
    assert adopt_published(tmp_path / "absent.ics", warnings) == {}


def test_the_feed_adopts_its_full_copy_the_same_way(tmp_path: Path) -> None:
    settings = FeedSettings(host="127.0.0.1", port=8787, public_url=None, name="Strength",
                            busy_name="Busy", refresh_minutes=30, alarm_minutes=None)
    state = State(tmp_path / "state")
    FeedSink(settings, state, "Europe/Berlin").push(PAST + FUTURE, MONDAY - timedelta(days=8),
                                                    dry_run=False)
    feed = state.directory / "feed"
    before = {p.name: p.read_bytes() for p in feed.iterdir()}
    assert set(events(feed / "strength.ics")) == {s.uid for s in PAST + FUTURE}
    state = lose_state(state)
    report = FeedSink(settings, state, "Europe/Berlin").push(FUTURE, MONDAY, dry_run=False)
    assert report.actions == []
    assert {p.name: p.read_bytes() for p in feed.iterdir()} == before
    state.close()


def test_a_file_from_another_version_is_rewritten_without_a_false_alarm(tmp_path: Path
                                                                        ) -> None:
    """Upgrading syncd changes the header and the VTIMEZONE (issue 19), not the events: the
    rewrite is not reported as the file having been changed by something else."""
    state, path, before = published_with_history(tmp_path)
    old_zone = before[before.find(b"BEGIN:VTIMEZONE"):before.find(b"END:VTIMEZONE")]
    path.write_bytes(before.replace(old_zone, old_zone.replace(b"BEGIN:STANDARD", (
        b"COMMENT:This definition only works from 1970-01-01 to 2038-01-01\r\n"
        b"BEGIN:STANDARD"), 1)).replace(b"syncd//syncd ", b"syncd//syncd 0.0.1 "))
    report = ics_sink(tmp_path, state).push(FUTURE, MONDAY, dry_run=False)
    assert report.warnings == [] and report.written
    assert path.read_bytes() == before
    path.write_bytes(before.replace(b"SUMMARY:", b"SUMMARY:edited ", 1))
    report = ics_sink(tmp_path, state).push(FUTURE, MONDAY, dry_run=False)
    assert report.warnings and "changed by something else" in report.warnings[0]
    state.close()
