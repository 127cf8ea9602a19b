"""`athlete.units = "lb"` (issue 23): one-rep maxes are entered and loads shown in pounds,
rounded to 5 lb; kilograms stay the default, rounded to 2.5 kg."""

from __future__ import annotations

import re
from dataclasses import replace

from syncd.model import Phase, RuleSettings, SessionKind
from syncd.planner import PlanInputs, plan
from syncd.planner.catalogue import default_catalogue
from syncd.planner.content import session_content
from tests.helpers import MONDAY, athlete, example_week

NOW = MONDAY.replace(hour=6)


def squat_load(units: str, orm: float) -> str:
    content = session_content(SessionKind.HEAVY, default_catalogue(), rotation=0, level=0,
                              one_rep_max={"back_squat": orm}, plyometrics=False,
                              phase="maintenance", minutes=60, exact_load=True, units=units)
    return next(e.load for e in content.exercises if e.name == "Back squat")


def test_pounds_are_rounded_to_5_lb_and_kilograms_to_2_5_kg():
    cat = default_catalogue()
    pct = cat.heavy_dose("maintenance").pct
    lb = squat_load("lb", 225)
    value = float(re.match(r"(\d+(?:\.\d+)?) lb ", lb).group(1))  # type: ignore[union-attr]
    assert value % 5 == 0 and abs(value - 225 * pct / 100) <= 2.5, lb
    kg = squat_load("kg", 101)
    value = float(re.match(r"(\d+(?:\.\d+)?) kg ", kg).group(1))  # type: ignore[union-attr]
    assert value % 2.5 == 0 and abs(value - 101 * pct / 100) <= 1.25, kg
    assert "kg" not in lb and "lb" not in kg


def test_a_plan_in_pounds_shows_no_kilogram():
    a = replace(athlete(running_since=MONDAY.date().replace(year=2020)),
                one_rep_max=(("back_squat", 225.0), ("deadlift", 275.0)), units="lb")
    p = plan(PlanInputs(a, RuleSettings(phase=Phase.BUILD), planned_runs=tuple(example_week())),
             NOW)
    loads = [e.load for s in p.sessions for e in s.exercises if "1RM" in e.load]
    assert loads and any(" lb" in x for x in loads)
    assert not any("kg" in x for s in p.sessions for e in s.exercises for x in (e.load,))


def test_a_load_in_pounds_is_never_sent_to_the_watch_as_kilograms():
    """The Garmin workout sink reads a step's weight with its unit: a load in lb goes to the
    watch as pounds (weightUnit pound), so 170 lb never becomes 170 kg."""
    from syncd.sinks.garmin_steps import parse_weight

    lb = parse_weight(squat_load("lb", 225))
    assert lb is not None and lb[1] == "lb"
    kg = parse_weight(squat_load("kg", 100))
    assert kg is not None and kg[1] == "kg"


def test_a_load_from_what_was_lifted_is_shown_in_pounds_too():
    """The watch records sets in kg; an athlete in lb reads the advice in lb, to 5 lb."""
    from datetime import date

    from syncd.planner.lifted import LiftSession

    hist = {"Back squat": (LiftSession(date(2026, 11, 20), ((5, 100.0),) * 3, True),)}

    def load(units: str) -> str:
        content = session_content(SessionKind.HEAVY, default_catalogue(), rotation=0, level=0,
                                  one_rep_max={"back_squat": 225}, plyometrics=False,
                                  phase="maintenance", minutes=60, exact_load=True,
                                  lifted=hist, units=units)
        return next(e.load for e in content.exercises if e.name == "Back squat")

    kg, lb = load("kg"), load("lb")
    kg_value = float(kg.split(" ")[0])
    lb_value = float(lb.split(" ")[0])
    # The label names the estimate (e1RM) in the athlete's units, like any 1RM load.
    assert kg.endswith(" kg 1RM)") and " lb" not in kg, kg
    assert lb.endswith(" lb 1RM)") and " kg" not in lb, lb
    assert lb_value % 5 == 0 and abs(lb_value - kg_value * 2.20462) <= 2.5, (kg, lb)
