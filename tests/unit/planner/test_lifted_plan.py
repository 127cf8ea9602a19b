"""The loop closed in the plan: what the watch recorded sets today's load and says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from syncd.model import (
    Exercise,
    ExerciseGuess,
    LiftedSet,
    Phase,
    RuleSettings,
    SessionKind,
    SessionStatus,
    StrengthActivity,
)
from syncd.planner import PlanInputs, plan
from syncd.render import explain_day
from tests.helpers import MONDAY, TZ, athlete, example_week, session
from tests.unit.planner.checker import check_plan

NOW = MONDAY.replace(hour=6)
SQUAT = (ExerciseGuess("SQUAT", "BARBELL_BACK_SQUAT", 97.0),)


def lifted(reps: list[int], kg: float, days_ago: int, step: int | None = 3
           ) -> StrengthActivity:
    start = NOW.replace(hour=18) - timedelta(days=days_ago)
    sets = tuple(LiftedSet(True, r, kg, step, start, SQUAT) for r in reps)
    return StrengthActivity(f"garmin:{days_ago}", "garmin", start,
                            start + timedelta(minutes=50), "Strength", sets)


def done(days_ago: int):
    s = session(f"past{days_ago}", -days_ago, "18:00", SessionKind.HEAVY, SessionStatus.DONE)
    return replace(s, exercises=(Exercise("Back squat", "squat", 4, "6", "90 kg", 120),))


def inputs(*acts: StrengthActivity, published=()) -> PlanInputs:
    return PlanInputs(athlete(one_rep_max=(("back_squat", 100.0),)),
                      RuleSettings(phase=Phase.BUILD), planned_runs=tuple(example_week()),
                      strength=acts, published=tuple(published))


def first_squat(p):
    for s in sorted(p.sessions, key=lambda s: s.start):
        for e in s.exercises:
            if e.name == "Back squat" and "kg" in e.load and "–" not in e.load:
                return s, e
    raise AssertionError("no heavy session with a back squat load")


def test_without_sets_the_static_one_rep_max_sets_the_load():
    p = plan(inputs(), NOW)
    _, squat = first_squat(p)
    assert squat.load == "80 kg (~80 % of 100 kg 1RM)"


def test_recorded_sets_set_the_load_and_the_plan_says_so():
    i = inputs(lifted([6, 6, 6, 6], 90.0, 4), published=[done(4)])
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    s, squat = first_squat(p)
    # e1RM = 90 × (1 + 6/30) = 108; 80 % = 86.4 → 87.5 kg; within a step of 90
    assert squat.load == "87.5 kg (~81 % of 108 kg 1RM)"
    line = "last time: 4 × 6 at 90 kg, all reps; e1RM 108 kg → today 87.5 kg"
    assert line in squat.note
    assert f"Back squat: {line}" in s.explanation
    text = explain_day(p, s.start.astimezone(TZ).date())
    assert line in text, "plan --explain shows it"


def test_the_load_follows_the_e1rm_but_jumps_at_most_one_step():
    p = plan(inputs(lifted([5, 5, 5], 120.0, 4)), NOW)  # e1RM 140: 80 % = 112 → 112.5
    assert first_squat(p)[1].load.startswith("112.5 kg"), "below 120 + a step: no bound"
    p = plan(inputs(lifted([10, 10, 10], 60.0, 4)), NOW)  # e1RM 80: 64 → 65 > 60 + 2.5
    _, squat = first_squat(p)
    assert squat.load.startswith("62.5 kg")
    assert "at most one step up a session" in squat.note


def test_two_sessions_with_missed_reps_drop_a_step():
    acts = (lifted([6, 5, 4, 4], 90.0, 8), lifted([6, 5, 5, 4], 90.0, 4))
    p = plan(inputs(*acts, published=[done(8), done(4)]), NOW)
    _, squat = first_squat(p)
    assert squat.load.startswith("87.5 kg"), "90 - 2.5"
    assert "missed reps" in squat.note and "one step down" in squat.note


def test_a_low_probability_guess_moves_nothing():
    unsure = replace(lifted([6, 6, 6], 140.0, 4), sets=tuple(
        LiftedSet(True, 6, 140.0, None, None,
                  (ExerciseGuess("SQUAT", "BARBELL_BACK_SQUAT", 40.0),)) for _ in range(3)))
    assert first_squat(plan(inputs(unsure), NOW))[1].load == "80 kg (~80 % of 100 kg 1RM)"


def test_plan_explain_says_how_the_recorded_session_went():
    now = NOW + timedelta(days=2)  # Wednesday morning; the session was Tuesday evening
    when = now - timedelta(hours=12)
    short = replace(lifted([6, 6, 4], 90.0, 0), start=when, end=when + timedelta(hours=1))
    past = replace(done(0), start=when, end=when + timedelta(minutes=45),
                   title="Heavy strength · 45 min")
    p = plan(inputs(short, published=[past]), now)
    text = explain_day(p, when.astimezone(TZ).date())
    assert "Heavy strength · 45 min partly done: Back squat: 2 of 4 sets (from the watch)" \
        in text, text
