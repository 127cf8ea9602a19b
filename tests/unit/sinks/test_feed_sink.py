"""The feed's bodies: a full and a busy-only calendar, read alike by icalendar and ical."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from syncd.config.loader import FeedSettings, IcsSettings
from syncd.model import SessionKind, SessionStatus
from syncd.planner import PlanInputs, plan
from syncd.sinks.events import FOOTER, READ_ONLY_FOOTER, to_event
from syncd.sinks.feed import FeedSink
from syncd.sinks.ics import IcsFileSink
from syncd.state import State
from tests.helpers import MONDAY, TZ, athlete, example_week, session
from tests.icscheck import read_both


@pytest.fixture
def state(tmp_path: Path):
    s = State(tmp_path / "state")
    yield s
    s.close()


def settings(**kw: object) -> FeedSettings:
    base: dict[str, object] = dict(host="127.0.0.1", port=8787, public_url=None,
                                   name="Strength", busy_name="Work: busy",
                                   refresh_minutes=30, alarm_minutes=20)
    base.update(kw)
    return FeedSettings(**base)  # type: ignore[arg-type]


def files(state: State) -> tuple[Path, Path]:
    return state.directory / "feed" / "strength.ics", state.directory / "feed" / "busy.ics"


def planned(now: datetime):
    p = plan(PlanInputs(athlete=athlete(rest_days=frozenset({0}), core_per_week=2),
                        planned_runs=tuple(example_week(MONDAY))), now)
    assert p.sessions
    return list(p.sessions)


def test_full_and_busy_feeds_agree_in_both_parsers(state: State):
    now = MONDAY - timedelta(hours=6)
    sessions = planned(now)
    report = FeedSink(settings(), state, "Europe/Berlin").push(sessions, now, dry_run=False)
    assert report.written
    full, busy = files(state)
    assert oct(full.stat().st_mode & 0o777) == "0o600" == oct(busy.stat().st_mode & 0o777)

    seen = read_both(full.read_bytes())
    # The oracle is the plan itself, compared as UTC instants.
    want = sorted((s.uid, s.start.astimezone(UTC), s.end.astimezone(UTC), s.title)
                  for s in sessions)
    assert sorted((e.uid, e.start, e.end, e.summary) for e in seen) == want
    assert all(READ_ONLY_FOOTER in e.description and "keeps it" not in e.description
               for e in seen)

    hidden = read_both(busy.read_bytes())
    assert [(e.start, e.end) for e in hidden] == [(e.start, e.end) for e in seen]
    assert {e.summary for e in hidden} == {"Busy"}
    assert {e.description for e in hidden} == {""}
    assert not {e.uid for e in hidden} & {e.uid for e in seen}, "own UIDs in one account"
    text = busy.read_text()
    for secret in ("Squat", "Why here", "X-SYNCD", "CATEGORIES", "VALARM", "Strength"):
        assert secret not in text, secret
    assert "CLASS:PRIVATE" in text

    cal = Calendar.from_ical(full.read_bytes())
    assert cal["REFRESH-INTERVAL"].dt == timedelta(minutes=30)
    assert str(cal["X-PUBLISHED-TTL"]) == "PT30M"
    assert str(cal["X-WR-CALNAME"]) == "Strength"
    assert str(Calendar.from_ical(busy.read_bytes())["X-WR-CALNAME"]) == "Work: busy"
    assert all(e.alarms for e in cal.events if "✓" not in str(e["SUMMARY"]))


def test_unchanged_plan_leaves_both_files_untouched(state: State):
    now = MONDAY - timedelta(hours=6)
    sessions = planned(now)
    sink = FeedSink(settings(), state, "Europe/Berlin")
    sink.push(sessions, now, dry_run=False)
    before = [(p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in files(state)]
    for hours in (1, 2, 3):  # several cycles: no phantom update, so pollers get 304
        report = sink.push(sessions, now + timedelta(hours=hours), dry_run=False)
        assert not report.written and report.actions == []
    after = [(p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in files(state)]
    assert after == before


def test_a_moved_session_changes_both_feeds_with_a_higher_sequence(state: State):
    now = MONDAY - timedelta(hours=6)
    sessions = planned(now)
    sink = FeedSink(settings(), state, "Europe/Berlin")
    sink.push(sessions, now, dry_run=False)
    first = sessions[0]
    moved = replace(first, start=first.start + timedelta(hours=1),
                    end=first.end + timedelta(hours=1))
    report = sink.push([moved, *sessions[1:]], now + timedelta(hours=1), dry_run=False)
    assert report.written
    full, busy = (Calendar.from_ical(p.read_bytes()) for p in files(state))
    ev = next(e for e in full.events if str(e["UID"]) == moved.uid)
    hid = next(e for e in busy.events if str(e["UID"]) == f"busy-{moved.uid}")
    assert int(ev["SEQUENCE"]) == int(hid["SEQUENCE"]) == 1
    assert ev.decoded("DTSTART") == hid.decoded("DTSTART") == moved.start


def test_times_across_the_dst_change_read_the_same_in_both_parsers(state: State):
    # Europe/Berlin leaves summer time at 03:00 on Sunday 25 Oct 2026.
    saturday = datetime(2026, 10, 24, tzinfo=TZ)
    s1 = session("syncd-a@syncd", 0, "18:00", base=saturday)
    s2 = session("syncd-b@syncd", 1, "18:00", SessionKind.CORE, minutes=20, base=saturday)
    s3 = session("syncd-c@syncd", 1, "02:30", SessionKind.LIGHT, minutes=30, base=saturday)
    FeedSink(settings(), state, "Europe/Berlin").push([s1, s2, s3], saturday, dry_run=False)
    seen = {e.uid: e for e in read_both(files(state)[0].read_bytes())}
    # Independent arithmetic: 18:00 CEST is 16:00 UTC, 18:00 CET is 17:00 UTC.
    assert seen["syncd-a@syncd"].start == datetime(2026, 10, 24, 16, 0, tzinfo=UTC)
    assert seen["syncd-b@syncd"].start == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)
    assert seen["syncd-b@syncd"].end - seen["syncd-b@syncd"].start == timedelta(minutes=20)
    assert seen["syncd-c@syncd"].start == s3.start.astimezone(UTC)


def test_the_ics_file_reads_alike_in_both_parsers_and_promises_no_edits(tmp_path: Path,
                                                                      state: State):
    now = MONDAY - timedelta(hours=6)
    sessions = planned(now)
    path = tmp_path / "s.ics"
    IcsFileSink(IcsSettings(path, "Strength", 30), state, "Europe/Berlin").push(
        sessions, now, dry_run=False)
    seen = read_both(path.read_bytes())
    assert {e.uid for e in seen} == {s.uid for s in sessions}
    assert all("keeps it" not in e.description and READ_ONLY_FOOTER in e.description
               for e in seen)


def test_caldav_events_still_say_edits_are_kept():
    # CalDAV is two-way: syncd reads moves and deletions back, so there the promise holds.
    ev = to_event(session("syncd-x@syncd", 1, "18:00"), ZoneInfo("Europe/Berlin"),
                  sequence=0, stamp=MONDAY)
    assert FOOTER in str(ev["DESCRIPTION"]).replace("\r\n", "\n")
    assert "keeps it" in FOOTER


def test_declined_and_done_sessions_in_the_feeds(state: State):
    now = MONDAY
    done = session("syncd-done@syncd", -1, "18:00", status=SessionStatus.DONE)
    declined = session("syncd-no@syncd", 2, "18:00", status=SessionStatus.DECLINED)
    FeedSink(settings(), state, "Europe/Berlin").push([done, declined], now, dry_run=False)
    full = read_both(files(state)[0].read_bytes())
    assert [e.uid for e in full] == [done.uid]
    assert full[0].summary.startswith("✓ ")
    assert [e.summary for e in read_both(files(state)[1].read_bytes())] == ["Busy"]


def test_dry_run_writes_no_feed(state: State):
    now = MONDAY - timedelta(hours=6)
    report = FeedSink(settings(), state, "Europe/Berlin").push(planned(now), now, dry_run=True)
    assert report.actions and not report.written
    assert not any(p.exists() for p in files(state))
    assert not os.path.exists(state.directory / "feed")
