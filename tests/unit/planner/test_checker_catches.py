"""The independent checker must flag each broken rule, or the property test proves nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from syncd.model import (
    BusyInterval,
    Phase,
    Race,
    RacePriority,
    RuleSettings,
    RunKind,
    SessionKind,
    SessionStatus,
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
