"""R7 (new runners), R8 (under 18), R3 with unknown run times, and consistent-week counting."""

from __future__ import annotations

from datetime import date, time, timedelta

from syncd.model import Phase, RuleSettings, RunKind, RunStatus, SessionKind, TimeWindow
from syncd.planner import PlanInputs, plan
from syncd.planner.ramp import experience_weeks, run_days
from tests.helpers import MONDAY, TZ, athlete, example_week, run
from tests.unit.planner.checker import check_plan

NOW = MONDAY.replace(hour=6)
BUILD = RuleSettings(phase=Phase.BUILD)


def kinds(p):
    return {s.kind for s in p.sessions}


def test_new_runner_gets_foundation_and_core_only():
    i = PlanInputs(athlete(running_since=date(2026, 11, 1), core_per_week=1), BUILD,
                   planned_runs=tuple(example_week()))
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    assert kinds(p) == {SessionKind.FOUNDATION, SessionKind.CORE}
    assert any("(R7)" in w and "3 of 6 weeks" in w for w in p.warnings)
    assert any("counted from athlete.running_since = 2026-11-01" in w for w in p.warnings)


def test_new_runner_by_one_run_is_told_the_key_that_fixes_it():
    """Issue 23: one FIT run made a runner a beginner with no word on running_since."""
    done = run(-2, "07:00", 40, RunKind.EASY, status=RunStatus.COMPLETED)
    i = PlanInputs(athlete(), BUILD, completed_runs=(done,),
                   planned_runs=tuple(example_week()))
    p = plan(i, NOW)
    (warning,) = [w for w in p.warnings if "(R7)" in w]
    assert "set athlete.running_since to when you began" in warning


def test_established_runner_by_running_since_lifts():
    i = PlanInputs(athlete(running_since=date(2025, 1, 1)), BUILD,
                   planned_runs=tuple(example_week()))
    assert SessionKind.HEAVY in kinds(plan(i, NOW))


def test_under_18_gets_no_loaded_lifting_unless_supervised():
    # 000: open growth plates, professional advice: foundation and bodyweight work only.
    for phase in (Phase.BUILD, Phase.BASE, Phase.TAPER):
        young = PlanInputs(athlete(birth_year=2010), RuleSettings(phase=phase),
                           planned_runs=tuple(example_week()))
        p = plan(young, NOW)
        assert check_plan(young, NOW, p) == []
        assert kinds(p) <= {SessionKind.FOUNDATION, SessionKind.CORE}
        assert SessionKind.FOUNDATION in kinds(p)
        assert all("kg" not in e.load and "1RM" not in e.load
                   for s in p.sessions for e in s.exercises)
        assert any("(R8" in w and "foundation and core only" in w for w in p.warnings)
    coached = PlanInputs(athlete(birth_year=2010, supervised=True), BUILD,
                         planned_runs=tuple(example_week()))
    assert SessionKind.HEAVY in kinds(plan(coached, NOW))


def test_unknown_run_time_puts_heavy_in_the_latest_window():
    windows = (TimeWindow(time(6), time(8)), TimeWindow(time(12), time(13)),
               TimeWindow(time(17), time(21)))
    a = athlete(availability=tuple(windows for _ in range(7)))
    runs = [r for r in example_week() if r.start.weekday() != 1]
    runs.append(run(1, "06:00", 60, RunKind.QUALITY, "Hills, time not set", time_known=False))
    i = PlanInputs(a, BUILD, planned_runs=tuple(runs))
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    tue = next(s for s in p.sessions if s.start.astimezone(TZ).weekday() == 1)
    assert tue.start.astimezone(TZ).time() >= time(17)
    assert "R3" in tue.rules and "latest window" in tue.explanation


def test_consistent_weeks_survive_one_week_off():
    def week_runs(weeks_ago: int):
        return [run(d - 7 * weeks_ago, "07:00", 40, RunKind.EASY, status=RunStatus.COMPLETED,
                    ident=f"{weeks_ago}-{d}") for d in (1, 3)]

    runs = [r for w in range(1, 9) if w != 4 for r in week_runs(w)]
    assert experience_weeks(run_days(tuple(runs), TZ, MONDAY.date()), None, MONDAY.date()) == 7
    gap_of_two = [r for w in range(1, 9) if w not in (4, 5) for r in week_runs(w)]
    assert experience_weeks(run_days(tuple(gap_of_two), TZ, MONDAY.date()), None,
                            MONDAY.date()) == 3
    assert experience_weeks([], None, MONDAY.date()) is None
    assert experience_weeks([], MONDAY.date() - timedelta(days=30), MONDAY.date()) == 4
