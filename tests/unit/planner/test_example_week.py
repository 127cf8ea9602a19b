"""The example week at the end of the rules contract comes out as described."""

from __future__ import annotations

from datetime import timedelta

from syncd.model import Phase, RuleSettings, SessionKind
from syncd.planner import PlanInputs, plan
from tests.helpers import MONDAY, TZ, athlete, example_week
from tests.unit.planner.checker import check_plan

NOW = MONDAY.replace(hour=6)


def week_one(rules: RuleSettings):
    inputs = PlanInputs(athlete=athlete(rest_days=frozenset({0}), core_per_week=2), rules=rules,
                        planned_runs=tuple(example_week()))
    result = plan(inputs, NOW)
    assert check_plan(inputs, NOW, result) == []
    first = [s for s in result.sessions if s.start < MONDAY + timedelta(days=7)]
    return result, {s.start.astimezone(TZ).strftime("%a"): s for s in first}


def test_example_week_with_default_rules():
    result, by_day = week_one(RuleSettings(phase=Phase.BUILD))
    assert {d: s.kind for d, s in by_day.items()} == {
        "Tue": SessionKind.HEAVY, "Wed": SessionKind.CORE,
        "Thu": SessionKind.HEAVY, "Sat": SessionKind.CORE}
    tue, thu = by_day["Tue"], by_day["Thu"]
    # R3: at least 3 h after the 07:00-08:00 run.
    assert tue.start >= MONDAY.replace(hour=11) + timedelta(days=1)
    assert thu.start >= MONDAY.replace(hour=11) + timedelta(days=3)
    # R2 (36 h): Tue's lift ends by Tue 19:00, before Thu's 07:00 threshold.
    assert tue.end <= MONDAY.replace(hour=19) + timedelta(days=1)
    assert "R3" in tue.rules and "G2" in tue.rules and "R1" in tue.rules
    assert "Not Wed: Thu has a quality run" in thu.explanation
    assert thu.explanation.startswith("Thu Threshold 07:00–08:00 → heavy ")
    assert result.warnings == ()


def test_example_week_with_48_hours_moves_the_tuesday_lift():
    result, by_day = week_one(RuleSettings(phase=Phase.BUILD, heavy_to_quality_hours=48))
    # Tue after the run can no longer end 48 h before Thu 07:00, and Sun's lift would sit
    # too close to next Tuesday's hills: only Thursday keeps a heavy session.
    assert [d for d, s in by_day.items() if s.kind is SessionKind.HEAVY] == ["Thu"]
    warning = result.warnings[0]
    assert warning.startswith("week of Mon 23 Nov: only 1 of 2 heavy sessions fits: ")
    assert ("Tue: no time fits: ends less than 48 h before the Threshold 07:00–08:00 on Thu "
            "(R2)") in warning
    assert "Wed: Thu has a quality run (Threshold) (R1)" in warning
    assert "Mon: rest day (R5)" in warning
