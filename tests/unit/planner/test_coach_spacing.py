"""The coach's spacing checks of issue 22: the week target over any 7 consecutive days,
nothing heavy or plyometric the day after a race, no jumps next to a long or quality run.

Each case is the one the issue reports, planned and then judged by the independent checker.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from syncd.model import (
    Phase,
    RuleSettings,
    RunKind,
    SessionKind,
    TimeWindow,
)
from syncd.planner import PlanInputs, plan
from tests.helpers import TZ, athlete, run
from tests.unit.planner.checker import check_plan

EVENINGS = tuple((TimeWindow(time(17), time(21)),) for _ in range(7))
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=TZ)  # Fri 4 Dec 2026
MONDAY = datetime(2026, 11, 30, tzinfo=TZ)


def _heavy_days(p) -> list[date]:  # type: ignore[no-untyped-def]
    return sorted(s.start.astimezone(TZ).date() for s in p.sessions
                  if s.kind is SessionKind.HEAVY)


def _most_in_seven_days(days: list[date]) -> int:
    return max((sum(1 for x in days if d <= x < d + timedelta(days=7)) for d in days),
               default=0)


def _tuesday_quality(weeks: int = 5) -> tuple:  # type: ignore[type-arg]
    return tuple(run(1 + 7 * w, "07:00", 60, RunKind.QUALITY, "Intervals", base=MONDAY)
                 for w in range(weeks))


def test_one_quality_run_a_week_never_gives_more_heavy_than_the_target_in_7_days() -> None:
    inputs = PlanInputs(athlete(sessions_per_week=2, availability=EVENINGS, core_per_week=0),
                        planned_runs=_tuesday_quality(), horizon_days=21)
    p = plan(inputs, NOW)
    days = _heavy_days(p)
    # Issue 22 saw Fri 4, Sun 6, Tue 8, Thu 10: four in seven days.
    assert len(days) >= 4, days
    assert _most_in_seven_days(days) <= 2, days
    assert check_plan(inputs, NOW, p) == []


def test_base_phase_two_a_week_is_two_in_any_7_days() -> None:
    runs = _tuesday_quality() + tuple(
        run(d + 7 * w, "07:00", 40, RunKind.EASY, "Easy", base=MONDAY)
        for w in range(5) for d in (3, 5))
    inputs = PlanInputs(athlete(sessions_per_week=2, availability=EVENINGS, core_per_week=0),
                        rules=RuleSettings(phase=Phase.BASE), planned_runs=runs,
                        horizon_days=21)
    p = plan(inputs, NOW)
    days = _heavy_days(p)
    assert len(days) >= 4, days
    assert _most_in_seven_days(days) <= 2, days
    assert check_plan(inputs, NOW, p) == []


def test_explain_says_the_7_day_window_is_full() -> None:
    inputs = PlanInputs(athlete(sessions_per_week=2, availability=EVENINGS, core_per_week=0),
                        planned_runs=_tuesday_quality(), horizon_days=21)
    p = plan(inputs, NOW)
    sun = p.report(date(2026, 12, 6))
    assert sun is not None and sun.session_uid is None
    assert any(r.rule == "R9" and "in 7 days" in r.reason
               for k, rs in sun.kinds for r in rs if k is SessionKind.HEAVY), sun.kinds


def test_a_plan_started_on_friday_comes_back_to_the_tuesday_quality_day() -> None:
    # Weeks planned one at a time crammed the first week's target into Fri and Sun; R9 then
    # kept every later Tuesday empty (Fri/Sun for good). With a week of lookahead the first
    # week leaves room for next Tuesday's session and says why it holds only one.
    inputs = PlanInputs(athlete(sessions_per_week=2, availability=EVENINGS, core_per_week=0),
                        planned_runs=_tuesday_quality(), horizon_days=21)
    p = plan(inputs, NOW)
    days = _heavy_days(p)
    tuesdays = [date(2026, 12, 8) + timedelta(days=7 * w) for w in range(3)]
    assert set(tuesdays) <= set(days), days
    assert sum(1 for d in days if d < date(2026, 12, 7)) == 1, days
    assert any("only 1 of 2" in w and "next week's heavy session on Tue 08 Dec" in w
               for w in p.warnings), p.warnings
    assert _most_in_seven_days(days) <= 2 and check_plan(inputs, NOW, p) == []
