"""The checker flags each coach's rule of issue 22 (R9 rolling, R12, R13, C1-C6): a good
plan passes, and the same plan with one thing broken is caught under the right code."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from syncd.model import (
    Exercise,
    Phase,
    Race,
    RacePriority,
    RuleSettings,
    RunKind,
    Session,
    SessionKind,
)
from syncd.planner import Plan, PlanInputs, plan
from tests.helpers import MONDAY, athlete, example_week, run, session
from tests.unit.planner.checker import check_plan

NOW = MONDAY.replace(hour=6)
ORM = (("back_squat", 100.0), ("deadlift", 140.0), ("front_squat", 80.0))
INPUTS = PlanInputs(athlete(one_rep_max=ORM, rest_days=frozenset({0})),
                    RuleSettings(phase=Phase.BUILD), planned_runs=tuple(example_week()))


def _good() -> tuple[Plan, Session]:
    p = plan(INPUTS, NOW)
    assert check_plan(INPUTS, NOW, p) == []
    return p, next(s for s in p.sessions if s.kind is SessionKind.HEAVY)


def _with(p: Plan, old: Session, new: Session) -> Plan:
    return replace(p, sessions=tuple(new if s is old else s for s in p.sessions))


def _main(s: Session) -> tuple[int, Exercise]:
    return next((i, e) for i, e in enumerate(s.exercises) if "main lift" in e.note)


def _swap(s: Session, i: int, e: Exercise) -> Session:
    return replace(s, exercises=(*s.exercises[:i], e, *s.exercises[i + 1:]))


def _codes(inputs: PlanInputs, p: Plan) -> set[str]:
    return {v.split(":")[0] for v in check_plan(inputs, NOW, p)}


def test_c1_short_printed_rest_on_a_main_lift():
    p, s = _good()
    i, e = _main(s)
    assert "C1" in _codes(INPUTS, _with(p, s, _swap(s, i, replace(e, rest_s=45))))


def test_c3_a_percentage_that_is_not_the_kg():
    p, s = _good()
    i, e = _main(s)
    bad = replace(e, load=e.load.replace("~80 %", "~70 %"))
    assert bad.load != e.load
    assert "C3" in _codes(INPUTS, _with(p, s, _swap(s, i, bad)))
    old_style = replace(e, load="80 kg (~80 % 1RM)")
    assert "C3" in _codes(INPUTS, _with(p, s, _swap(s, i, old_style)))


def test_c2_a_warm_up_too_long_or_with_cardio_after_a_run():
    p, s = _good()
    long = s.warmup.replace("Time: 6 min warm-up", "Time: 16 min warm-up")
    assert long != s.warmup
    assert "C2" in _codes(INPUTS, _with(p, s, replace(s, warmup=long)))
    cardio = "Warm-up: 10 min easy cardio (bike), then 6 min mobility.\n" + \
        s.warmup.splitlines()[1]
    assert "C2" in _codes(INPUTS, _with(p, s, replace(s, warmup=cardio)))


def test_c4_cues():
    p, s = _good()
    i, e = _main(s)
    mixed = replace(e, note=e.note.replace("1-2 reps short", "3-4 reps short"))
    assert "C4" in _codes(INPUTS, _with(p, s, _swap(s, i, mixed)))
    core = next(x for x in p.sessions if x.kind is SessionKind.CORE)
    plank = Exercise("Front plank", "core", 2, "30 s", "once 20 reps are easy, harder", 15)
    assert "C4" in _codes(INPUTS, _with(p, core, _swap(core, 0, plank)))
    twins = replace(core, exercises=(
        Exercise("Marching glute bridge", "core", 3, "10", "bodyweight", 15),
        Exercise("Single-leg glute bridge", "core", 3, "8", "bodyweight", 15),
        *core.exercises[2:]))
    assert "C4" in _codes(INPUTS, _with(p, core, twins))


def test_c5_equipment_the_athlete_lacks():
    home = replace(INPUTS, athlete=replace(INPUTS.athlete, equipment=("dumbbells",)))
    p = plan(home, NOW)
    assert check_plan(home, NOW, p) == []
    s = next(x for x in p.sessions if x.kind is SessionKind.HEAVY)
    i, e = _main(s)
    barbell = replace(e, name="Back squat", load="80 kg (~80 % of 100 kg 1RM)")
    assert "C5" in {v.split(":")[0] for v in check_plan(home, NOW, _with(p, s, _swap(
        s, i, barbell)))}


def test_c6_title_with_codes_or_without_lifts():
    p, s = _good()
    assert "C6" in _codes(INPUTS, _with(p, s, replace(s, title="Heavy strength · 45 min")))
    assert "C6" in _codes(INPUTS, _with(p, s, replace(s, title="Strength: squat (R3) · 45 min")))


def test_r12_heavy_or_jumps_the_day_after_a_race():
    race = PlanInputs(athlete(), RuleSettings(phase=Phase.BASE),
                      races=(Race(date(2026, 11, 28), "10K", RacePriority.B),))
    heavy = session("syncd-a@syncd", 6, "18:00")
    p = Plan(now=NOW, timezone="Europe/Berlin", phase=Phase.BASE, runs=(), sessions=(heavy,),
             warnings=())
    assert "R12" in _codes(race, p)


def test_r13_jumps_on_a_long_run_day():
    inputs = PlanInputs(athlete(), RuleSettings(phase=Phase.BASE),
                        planned_runs=(run(6, "08:00", 110, RunKind.LONG),))
    heavy = session("syncd-a@syncd", 6, "18:00")
    jumps = Exercise("Box jumps", "plyometrics", 3, "5", "bodyweight", 60)
    p = Plan(now=NOW, timezone="Europe/Berlin", phase=Phase.BASE, runs=(),
             sessions=(replace(heavy, exercises=(jumps,)),), warnings=())
    assert "R13" in _codes(inputs, p)
    assert "R13" not in _codes(inputs, replace(p, sessions=(heavy,)))


def test_r13_jumps_the_evening_before_a_morning_quality_run():
    inputs = PlanInputs(athlete(), RuleSettings(phase=Phase.BASE),
                        planned_runs=(run(2, "06:00", 60, RunKind.QUALITY),))
    core = session("syncd-a@syncd", 1, "08:00", SessionKind.CORE, minutes=20)
    jumps = replace(core, exercises=(Exercise("Pogo hops", "plyometrics", 3, "20 s", "", 60),))
    p = Plan(now=NOW, timezone="Europe/Berlin", phase=Phase.BASE, runs=(), sessions=(jumps,),
             warnings=())
    assert "R13" in _codes(inputs, p)


@pytest.mark.parametrize("days", [(0, 2, 4), (4, 6, 8)])
def test_r9_three_heavy_in_seven_days_for_a_target_of_two(days):
    inputs = PlanInputs(athlete(sessions_per_week=2), RuleSettings(phase=Phase.BASE))
    heavies = tuple(session(f"syncd-{d}@syncd", d, "18:00") for d in days)
    p = Plan(now=NOW - timedelta(days=1), timezone="Europe/Berlin", phase=Phase.BASE, runs=(),
             sessions=heavies, warnings=())
    found = check_plan(inputs, NOW - timedelta(days=1), p)
    assert any(v.startswith("R9: 3 heavy sessions in the 7 days") for v in found), found
