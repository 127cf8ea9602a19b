"""The ICS sink writes a valid calendar, atomically, with stable stamps and sequences."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from syncd.config.loader import IcsSettings
from syncd.model import SessionKind, SessionStatus
from syncd.planner import PlanInputs, plan
from syncd.sinks.base import Op
from syncd.sinks.ics import IcsFileSink
from syncd.state import State
from tests.helpers import MONDAY, athlete, example_week, session


@pytest.fixture
def state(tmp_path: Path):
    s = State(tmp_path / "state")
    yield s
    s.close()


def make_sink(tmp_path: Path, state: State, alarm: int | None = None) -> IcsFileSink:
    return IcsFileSink(IcsSettings(tmp_path / "out" / "s.ics", "Strength", alarm), state,
                       "Europe/Berlin")


def parse(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def demo_sessions():
    now = MONDAY - timedelta(hours=6)
    p = plan(PlanInputs(athlete=athlete(rest_days=frozenset({0}), core_per_week=2),
                        planned_runs=tuple(example_week())), now)
    assert p.sessions
    return now, list(p.sessions)


def test_round_trip_is_valid_and_has_the_timezone(tmp_path: Path, state: State):
    now, sessions = demo_sessions()
    sink = make_sink(tmp_path, state, alarm=30)
    report = sink.push(sessions, now, dry_run=False)
    assert report.written
    assert [a.op for a in report.actions] == [Op.CREATE] * len(sessions)
    cal = parse(tmp_path / "out" / "s.ics")
    cal.validate()
    events = cal.events
    assert {str(e["UID"]) for e in events} == {s.uid for s in sessions}
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/Berlin"]
    first = min(events, key=lambda e: e.decoded("DTSTART"))
    s0 = min(sessions, key=lambda s: s.start)
    assert first.decoded("DTSTART") == s0.start
    assert first["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(first["SUMMARY"]) == s0.title
    assert "Why here:" in str(first["DESCRIPTION"])
    assert first.alarms, "alarm_minutes adds a VALARM"
    # What is on disk round-trips to the same bytes.
    assert cal.to_ical() == (tmp_path / "out" / "s.ics").read_bytes()


def test_unchanged_sessions_keep_dtstamp_and_file_bytes(tmp_path: Path, state: State):
    now, sessions = demo_sessions()
    sink = make_sink(tmp_path, state)
    sink.push(sessions, now, dry_run=False)
    before = (tmp_path / "out" / "s.ics").read_bytes()
    mtime = (tmp_path / "out" / "s.ics").stat().st_mtime_ns
    report = sink.push(sessions, now + timedelta(hours=1), dry_run=False)
    assert report.actions == []
    assert not report.written
    assert (tmp_path / "out" / "s.ics").read_bytes() == before
    assert (tmp_path / "out" / "s.ics").stat().st_mtime_ns == mtime


def test_changed_session_bumps_sequence_and_stamp(tmp_path: Path, state: State):
    now, sessions = demo_sessions()
    sink = make_sink(tmp_path, state)
    sink.push(sessions, now, dry_run=False)
    moved = replace(sessions[0], start=sessions[0].start + timedelta(minutes=30),
                    end=sessions[0].end + timedelta(minutes=30))
    later = now + timedelta(hours=2)
    report = sink.push([moved, *sessions[1:]], later, dry_run=False)
    assert [(a.op, a.uid) for a in report.actions] == [(Op.UPDATE, moved.uid)]
    ev = next(e for e in parse(tmp_path / "out" / "s.ics").events if e["UID"] == moved.uid)
    assert int(ev["SEQUENCE"]) == 1
    assert ev.decoded("DTSTAMP") == later.astimezone(ev.decoded("DTSTAMP").tzinfo)
    other = next(e for e in parse(tmp_path / "out" / "s.ics").events
                 if e["UID"] == sessions[1].uid)
    assert int(other["SEQUENCE"]) == 0


def test_dropped_future_session_is_removed_but_past_one_kept(tmp_path: Path, state: State):
    now = MONDAY
    past = session("syncd-past@syncd", -2, "18:00", status=SessionStatus.DONE)
    future = session("syncd-future@syncd", 2, "18:00", SessionKind.CORE, minutes=20)
    sink = make_sink(tmp_path, state)
    sink.push([past, future], now - timedelta(days=3), dry_run=False)
    report = sink.push([], now, dry_run=False)
    assert [(a.op, a.uid) for a in report.actions] == [(Op.DELETE, future.uid)]
    uids = {str(e["UID"]) for e in parse(tmp_path / "out" / "s.ics").events}
    assert uids == {past.uid}


def test_done_session_is_marked_not_removed(tmp_path: Path, state: State):
    s = session("syncd-x@syncd", 0, "18:00")
    sink = make_sink(tmp_path, state)
    sink.push([s], MONDAY - timedelta(days=1), dry_run=False)
    sink.push([replace(s, status=SessionStatus.DONE)], MONDAY + timedelta(days=1),
              dry_run=False)
    ev = parse(tmp_path / "out" / "s.ics").events[0]
    assert str(ev["SUMMARY"]).startswith("✓ ")
    assert "Done" in [str(c) for c in ev["CATEGORIES"].cats]


def test_dry_run_writes_nothing(tmp_path: Path, state: State):
    now, sessions = demo_sessions()
    report = make_sink(tmp_path, state).push(sessions, now, dry_run=True)
    assert len(report.actions) == len(sessions)
    assert not (tmp_path / "out" / "s.ics").exists()
    assert state.db.execute("SELECT count(*) FROM sink_items").fetchone()[0] == 0


def test_unwritable_path_is_one_clear_error(tmp_path: Path, state: State):
    from syncd.errors import SyncdError

    (tmp_path / "out").write_text("a file where a folder should be")
    now, sessions = demo_sessions()
    with pytest.raises(SyncdError) as info:
        make_sink(tmp_path, state).push(sessions, now, dry_run=False)
    assert "cannot write the calendar file" in str(info.value)
    assert "ics.path" in str(info.value)
