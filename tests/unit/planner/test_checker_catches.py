"""The independent checker must flag each broken rule, or the property test proves nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd.model import (
    BusyInterval,
    Phase,
    Race,
    RacePriority,
    RuleSettings,
    Run,
    RunKind,
    RunStatus,
    Session,
    SessionKind,
    SessionStatus,
    TimeWindow,
)
from syncd.planner import Plan, PlanInputs
from tests.helpers import MONDAY, at, athlete, run, session
from tests.unit.planner.checker import check_plan

NOW = MONDAY - timedelta(days=1)


def verdict(inputs: PlanInputs, *sessions) -> list[str]:
    p = Plan(now=NOW, timezone="Europe/Berlin", phase=Phase.BUILD, runs=(),
             sessions=tuple(sessions), warnings=())
    return check_plan(inputs, NOW, p)


BUILD = RuleSettings(phase=Phase.BUILD)


@pytest.mark.parametrize("inputs, bad, rule", [
    (PlanInputs(athlete(), BUILD, planned_runs=(run(2, "07:00", 60, RunKind.QUALITY),)),
     session("syncd-a@syncd", 1, "18:00"), "R1"),
    (PlanInputs(athlete(), BUILD, planned_runs=(run(2, "06:00", 60, RunKind.LONG),)),
     session("syncd-a@syncd", 0, "19:00"), "R2"),
    (PlanInputs(athlete(), BUILD, planned_runs=(run(1, "16:00", 60, RunKind.QUALITY),)),
     session("syncd-a@syncd", 1, "18:00"), "R3"),
    (PlanInputs(athlete(), BUILD, planned_runs=(run(1, "07:00", 45, RunKind.EASY),)),
     session("syncd-a@syncd", 1, "18:00"), "R4"),
    (PlanInputs(athlete(rest_days=frozenset({3})), BUILD),
     session("syncd-a@syncd", 3, "18:00", SessionKind.CORE, minutes=20), "R5"),
    (PlanInputs(athlete(), RuleSettings(), races=(Race(date(2026, 12, 3), "A", RacePriority.A),)),
     session("syncd-a@syncd", 1, "18:00"), "R6"),
    (PlanInputs(athlete(), BUILD, races=(Race(date(2026, 11, 27), "C", RacePriority.C),)),
     session("syncd-a@syncd", 2, "18:00", SessionKind.CORE, minutes=20), "R6"),
    (PlanInputs(athlete(running_since=date(2026, 11, 1)), BUILD),
     session("syncd-a@syncd", 1, "18:00", SessionKind.LIGHT), "R7"),
    (PlanInputs(athlete(birth_year=2012), BUILD),
     session("syncd-a@syncd", 1, "18:00"), "R8"),
    (PlanInputs(athlete(), BUILD, busy=(BusyInterval(at(1, "17:30"), at(1, "19:00"), "x"),)),
     session("syncd-a@syncd", 1, "18:00", SessionKind.CORE, minutes=20), "R10"),
    (PlanInputs(athlete(), BUILD),
     session("syncd-a@syncd", 1, "22:00", SessionKind.CORE, minutes=20), "R10"),
    (PlanInputs(athlete(), BUILD, published=(
        session("syncd-p@syncd", 2, "18:00", status=SessionStatus.DECLINED),)),
     session("syncd-a@syncd", 2, "19:00"), "R11"),
    (PlanInputs(athlete(), BUILD),
     session("mine-a@example", 2, "19:00", SessionKind.CORE, minutes=20), "R11"),
])
def test_checker_flags_each_rule(inputs, bad, rule):
    found = verdict(inputs, bad)
    assert any(v.startswith(rule + ":") for v in found), found


def test_checker_flags_heavy_sessions_too_close():
    found = verdict(PlanInputs(athlete(), RuleSettings(phase=Phase.BASE)),
                    session("syncd-a@syncd", 1, "18:00"), session("syncd-b@syncd", 2, "18:00"))
    assert any(v.startswith("R9:") for v in found), found


def test_checker_flags_a_moved_pin():
    pin = session("syncd-p@syncd", 2, "12:00", status=SessionStatus.PINNED)
    found = verdict(PlanInputs(athlete(), BUILD, published=(pin,)),
                    session("syncd-p@syncd", 2, "18:00", status=SessionStatus.PINNED))
    assert any(v.startswith("R11: pinned") for v in found), found


def test_checker_accepts_a_good_session():
    inputs = PlanInputs(athlete(), BUILD, planned_runs=(run(1, "07:00", 60, RunKind.QUALITY),))
    assert verdict(inputs, session("syncd-a@syncd", 1, "18:00")) == []


# Sessions built the way the planner once did: wall-clock arithmetic on one ZoneInfo.
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def wall_session(uid: str, start: datetime, minutes: int = 45,
                 kind: SessionKind = SessionKind.HEAVY) -> Session:
    return Session(uid=uid, kind=kind, start=start, end=start + timedelta(minutes=minutes),
                   title=f"{kind.value} · {minutes} min")


def dst_verdict(inputs: PlanInputs, now: datetime, *sessions: Session) -> list[str]:
    p = Plan(now=now, timezone=inputs.athlete.timezone, phase=Phase.BASE, runs=(),
             sessions=sessions, warnings=())
    return check_plan(inputs, now, p)


MARCH_NOW = datetime(2026, 3, 23, 6, 0, tzinfo=BERLIN)


def test_checker_counts_r2_in_real_hours():
    # Fri 18:45 CET → Sun 07:00 CEST reads 36.25 h on the wall but is 35.25 real hours.
    long_run = Run("l", "t", datetime(2026, 3, 29, 7, 0, tzinfo=BERLIN),
                   datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN), RunKind.LONG, RunStatus.PLANNED,
                   "Long")
    inputs = PlanInputs(athlete(), RuleSettings(phase=Phase.BASE), planned_runs=(long_run,))
    bad = wall_session("syncd-a@syncd", datetime(2026, 3, 27, 18, 0, tzinfo=BERLIN))
    found = dst_verdict(inputs, MARCH_NOW, bad)
    assert any(v.startswith("R2:") for v in found), found
    fine = wall_session("syncd-a@syncd", datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN))
    assert dst_verdict(inputs, MARCH_NOW, fine) == []


def test_checker_counts_r9_in_real_hours():
    inputs = PlanInputs(athlete(), RuleSettings(phase=Phase.BASE))
    fri = wall_session("syncd-a@syncd", datetime(2026, 3, 27, 18, 0, tzinfo=BERLIN))
    sun = wall_session("syncd-b@syncd", datetime(2026, 3, 29, 18, 0, tzinfo=BERLIN))
    found = dst_verdict(inputs, MARCH_NOW, fri, sun)
    assert any(v.startswith("R9: heavy") for v in found), found


def test_checker_measures_length_and_refuses_repeated_readings():
    avail = tuple((TimeWindow(time(0, 30), time(3, 30)),) for _ in range(7))
    inputs = PlanInputs(athlete(timezone="America/New_York", availability=avail),
                        RuleSettings(phase=Phase.BASE))
    now = datetime(2026, 10, 26, 6, 0, tzinfo=NEW_YORK)
    # 01:30 EDT + 45 wall minutes reads 02:15 EST: 105 real minutes.
    found = dst_verdict(inputs, now, wall_session("syncd-a@syncd",
                                                  datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)))
    assert any(v.startswith("length:") for v in found), found
    assert any(v.startswith("DST:") for v in found), found
    good = datetime(2026, 11, 1, 7, 0, tzinfo=UTC).astimezone(NEW_YORK)  # 02:00 EST
    ok = Session(uid="syncd-b@syncd", kind=SessionKind.HEAVY, start=good,
                 end=good + timedelta(minutes=45), title="heavy · 45 min")
    assert dst_verdict(inputs, now, ok) == []
