"""Recent problems: kept past the next success, deduplicated, shown by `syncd status`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncd import problems
from syncd.context import Context
from syncd.cycle import Component
from syncd.daemon import _mark_running
from syncd.state import State
from syncd.status import status_text
from tests.helpers import MONDAY


def test_problems_are_deduplicated_counted_and_bounded(tmp_path, monkeypatch):
    state = State(tmp_path)
    problems.record(state, "sink:caldav", MONDAY, "answered 500")
    problems.record(state, "source:garmin", MONDAY + timedelta(minutes=1), "did not answer")
    problems.record(state, "sink:caldav", MONDAY + timedelta(minutes=2), "answered 500")
    got = problems.recent(state)
    assert [(p.component, p.count) for p in got] == [("source:garmin", 1), ("sink:caldav", 2)]
    assert got[-1].first == MONDAY.isoformat()
    assert got[-1].last == (MONDAY + timedelta(minutes=2)).isoformat()
    monkeypatch.setattr(problems, "KEEP", 3)
    for i in range(5):
        problems.record(state, "x", MONDAY, f"problem {i}")
    assert [p.message for p in problems.recent(state)] == ["problem 2", "problem 3",
                                                           "problem 4"]


def test_a_failure_stays_visible_after_the_component_heals(tmp_path):
    state = State(tmp_path)
    comp = Component(state, "sink:caldav", MONDAY, honour=True)
    comp.failed("CalDAV server answered 500 to REPORT; will retry")
    Component(state, "sink:caldav", MONDAY + timedelta(minutes=1), honour=True).ok("2 writes")
    assert state.component("sink:caldav").last_error is None
    assert [p.message for p in problems.recent(state)] == [
        "CalDAV server answered 500 to REPORT; will retry"]
    Component(state, "source:garmin", MONDAY, honour=True).ok("slow: took 11 s")
    assert problems.recent(state)[-1].component == "source:garmin"
    assert "slowly" in problems.recent(state)[-1].message


def test_a_daemon_that_did_not_stop_cleanly_is_told_at_the_next_start(tmp_path):
    _mark_running(tmp_path)
    state = State(tmp_path)
    assert problems.recent(state) == []
    state.put("daemon", "running", "stopped 2026-11-23T10:00:00+01:00")  # a clean stop
    _mark_running(tmp_path)
    assert problems.recent(state) == []
    _mark_running(tmp_path)  # the one before was killed: no clean stop in between
    assert [p.component for p in problems.recent(state)] == ["daemon"]
    assert "did not stop cleanly" in problems.recent(state)[0].message


@pytest.fixture
def ctx(tmp_path) -> Context:
    config = tmp_path / "config.toml"
    config.write_text('[athlete]\ntimezone = "Europe/Berlin"\n')
    return Context(str(config), str(tmp_path / "state"), MONDAY.isoformat(), 0)


def test_status_shows_warnings_and_recent_problems(ctx, tmp_path):
    state = State(tmp_path / "state")
    state.record_component("cycle", MONDAY, None)
    state.put("cycle", "warnings", '["RUNNING PLAN MISSING: sources.calendar.ics_url"]')
    problems.record(state, "sink:caldav", MONDAY - timedelta(hours=3), "answered 500")
    problems.record(state, "daemon", MONDAY - timedelta(hours=2), "did not stop cleanly")
    text, _ = status_text(ctx)
    lines = text.splitlines()
    assert "WARNING: RUNNING PLAN MISSING: sources.calendar.ics_url" in lines
    first = lines.index("recent problems (newest first):")
    assert "daemon: did not stop cleanly" in lines[first + 1]
    assert "sink:caldav: answered 500" in lines[first + 2]


def test_a_cycle_over_its_deadline_is_killed_and_told(tmp_path, monkeypatch):
    """The cycle child is its own interpreter (fork+exec): it hangs here for real, on a
    calendar server that accepts the connection and never answers."""
    import socket
    import time as clock

    from syncd import daemon
    from syncd.config.loader import parse_config
    from syncd.notify import Notifier

    assert daemon.cycle_limit(1 / 60) == 600 and daemon.cycle_limit(15) == 1800
    assert daemon.cycle_limit(24 * 60) == 1800
    monkeypatch.setattr(daemon, "cycle_limit", lambda minutes: 3.0)
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(8)  # a hung server: the kernel accepts, nobody reads or answers
    port = mute.getsockname()[1]
    config = parse_config(f"""[athlete]
timezone = "Europe/Berlin"
[calendar]
url = "http://127.0.0.1:{port}/cal/"
username = "u"
password = "p"
""", "c.toml", base_dir=tmp_path, env={})
    State(tmp_path).close()
    t0 = clock.monotonic()
    try:
        summary = daemon.run_child_cycle(config, tmp_path, False, daemon.Flags(),
                                         Notifier(env={}))
    finally:
        mute.close()
    assert summary is None and clock.monotonic() - t0 < 20
    (p,) = problems.recent(State(tmp_path))
    assert p.component == "cycle" and "over 3 s and was stopped" in p.message
