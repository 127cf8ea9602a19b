"""Whole cycles against a real server: config → sources → planner → CalDAV, and back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.cycle import run_cycle
from syncd.model import SessionKind, SessionStatus
from syncd.state import State
from tests.helpers import MONDAY, TZ
from tests.integration.caldav_helpers import User, settings_for

pytestmark = pytest.mark.integration
NOW = MONDAY.replace(hour=6)


def config_for(server, user: str, name: str, busy: str):
    return parse_config(f"""
[athlete]
timezone = "Europe/Berlin"
rest_days = ["mon"]
core_per_week = 1
[rules]
phase = "build"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
title = "Hill repeats"
[[plan.week]]
day = "thu"
kind = "quality"
time = "07:00"
title = "Threshold"
[[plan.week]]
day = "wed"
kind = "easy"
time = "07:00"
[[plan.week]]
day = "sun"
kind = "long"
time = "08:00"
duration_min = 100
[calendar]
url = "{server.url}"
username = "{user}"
password = "pw"
name = "{name}"
busy_calendars = ["{busy}"]
""", "test.toml", base_dir=Path("."), env={})


def test_cycles_write_plan_around_busy_time_and_respect_the_user(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    busy_name = f"Work {s.name}"
    import caldav

    c = caldav.DAVClient(url=caldav_server.url, username=s.username, password="pw",
                         auth_type="basic", enable_rfc6764=False, require_tls=False)
    work = c.principal().make_calendar(name=busy_name)
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("PRODID", "-//work//EN")
    cal.add("VERSION", "2.0")
    meeting = MONDAY.replace(hour=16) + timedelta(days=1)
    cal.add_component(Event.new(uid="standup@work", summary="Board meeting", start=meeting,
                                end=meeting + timedelta(hours=4), stamp=meeting))
    work.add_event(cal.to_ical().decode())

    config = config_for(caldav_server, s.username, s.name, busy_name)
    state = State(tmp_path / "state")
    result = run_cycle(config, state, NOW)
    assert result.errors == {}
    tue = next(x for x in result.plan.sessions if x.start.astimezone(TZ).weekday() == 1)
    assert tue.kind is SessionKind.HEAVY
    assert tue.end <= meeting or tue.start >= meeting + timedelta(hours=4), "R10: busy"
    events = user.events()
    assert set(events) == {x.uid for x in result.plan.sessions}

    again = run_cycle(config, state, NOW + timedelta(minutes=15))
    assert again.changes == []
    assert all(r.actions == [] for r in again.reports)

    thu = next(x for x in result.plan.sessions if x.start.astimezone(TZ).weekday() == 3)
    user.move(thu.uid, -120)
    core = next(x for x in result.plan.sessions if x.kind is SessionKind.CORE)
    user.delete(core.uid)
    third = run_cycle(config, state, NOW + timedelta(minutes=30))
    by_uid = {x.uid: x for x in third.plan.sessions}
    assert by_uid[thu.uid].status is SessionStatus.PINNED
    assert by_uid[thu.uid].start == thu.start - timedelta(minutes=120)
    assert core.uid not in by_uid, "declined sessions stay declined"
    assert {x.uid: x.status for x in state.sessions()}[core.uid] is SessionStatus.DECLINED
    assert user.events()[thu.uid].icalendar_component.decoded("DTSTART") == (
        thu.start - timedelta(minutes=120))
    assert core.uid not in user.events()
