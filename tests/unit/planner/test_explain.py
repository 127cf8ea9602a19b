"""What `plan --explain DATE` and the event text say: exercises, races, the right rules."""

from __future__ import annotations

from datetime import timedelta

from syncd.model import Phase, Race, RacePriority, RuleSettings, RunKind, SessionKind
from syncd.planner import PlanInputs, plan
from syncd.render import explain_day
from tests.helpers import MONDAY, TZ, athlete, example_week, run
from tests.unit.planner.checker import check_plan

NOW = MONDAY.replace(hour=6)


def test_explain_shows_the_exercises_and_the_time_budget():
    i = PlanInputs(athlete(one_rep_max=(("back_squat", 100.0),)), RuleSettings(phase=Phase.BUILD),
                   planned_runs=tuple(example_week()))
    p = plan(i, NOW)
    tue = next(s for s in p.sessions if s.kind is SessionKind.HEAVY)
    text = explain_day(p, tue.start.astimezone(TZ).date())
    # A 45-minute session after a morning run: mobility only (issue 22), a third at most.
    assert "Warm-up: 6 min dynamic mobility" in text and "No cardio part" in text
    assert "Time: 6 min warm-up + " in text and "of 45 min" in text
    for n, e in enumerate(tue.exercises, 1):
        assert f"  {n}. {e.describe()}" in text
    assert "Back squat: 3 × 5, 80 kg (~80 % of 100 kg 1RM)" in text
    # --explain says which one-rep max each load came from.
    assert "Loads from: Back squat: your back squat 1RM, 100 kg" in text


def a_race_behind(priority: RacePriority, days_ago: int = 1):
    race = Race((MONDAY - timedelta(days=days_ago)).date(), "City Marathon", priority)
    i = PlanInputs(athlete(), RuleSettings(), races=(race,), planned_runs=tuple(example_week()))
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    return p


def test_the_session_after_a_race_says_so():
    p = a_race_behind(RacePriority.B, days_ago=2)
    first = next(s for s in p.sessions if s.kind.is_lifting)
    days = (first.start.astimezone(TZ).date() - (MONDAY - timedelta(days=2)).date()).days
    assert f"{days} days after City Marathon (Sat 21 Nov)." in first.explanation
    # A race run from the running plan (no [[races]] entry) counts too.
    runs = [*example_week(), run(-1, "09:00", 200, RunKind.RACE, "Autumn 10k")]
    q = plan(PlanInputs(athlete(), RuleSettings(phase=Phase.BUILD),
                        planned_runs=tuple(runs)), NOW)
    first = next(s for s in q.sessions if s.kind.is_lifting)
    assert "after Autumn 10k (Sun 22 Nov)." in first.explanation


def test_recovery_light_sessions_cite_g1_not_the_taper_rule():
    p = a_race_behind(RacePriority.A)
    light = [s for s in p.sessions if s.kind is SessionKind.LIGHT]
    assert light and all(p.report(s.start.astimezone(TZ).date()).phase is Phase.RECOVERY
                         for s in light)
    for s in light:
        assert "R6" not in s.rules and "(G1" in s.explanation and "R6" not in s.explanation
        assert "recovery phase" in s.explanation and "after City Marathon" in s.explanation


def test_no_lifting_in_the_first_three_days_after_an_a_race():
    p = a_race_behind(RacePriority.A)
    race = (MONDAY - timedelta(days=1)).date()
    lifting = [s.start.astimezone(TZ).date() for s in p.sessions if s.kind.is_lifting]
    assert lifting and min(lifting) > race + timedelta(days=3)
    assert "rest first (G1)" in explain_day(p, MONDAY.date())


def test_taper_light_sessions_still_cite_r6():
    race = Race((MONDAY + timedelta(days=9)).date(), "City Marathon")
    i = PlanInputs(athlete(), RuleSettings(), races=(race,), planned_runs=tuple(example_week()))
    p = plan(i, NOW)
    light = next(s for s in p.sessions if s.kind is SessionKind.LIGHT)
    assert "R6" in light.rules
