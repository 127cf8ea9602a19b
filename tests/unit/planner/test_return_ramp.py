"""R7 as a ramp: experience from running_since and the longest history; a break gives days
of reduced load as long as it was (7-14), never weeks of foundation for an established runner.
Also the phase's cap on heavy sessions in any 7 days."""

from __future__ import annotations

from datetime import date, timedelta

from syncd.model import (
    BusyInterval,
    Phase,
    Race,
    RuleSettings,
    Run,
    RunKind,
    RunStatus,
    SessionKind,
)
from syncd.planner import Plan, PlanInputs, plan
from syncd.planner.ramp import experience_weeks, last_break, longest_consistent_weeks, run_days
from tests.helpers import MONDAY, TZ, athlete, example_week, run
from tests.unit.planner.checker import check_plan

NOW = MONDAY.replace(hour=6)
BUILD = RuleSettings(phase=Phase.BUILD)


def history(last_day: int, weeks: int = 10) -> tuple[Run, ...]:
    """Three runs a week for ``weeks`` weeks, the last on day ``last_day`` (from MONDAY)."""
    return tuple(run(last_day - 2 * k, "07:00", 45, RunKind.EASY, status=RunStatus.COMPLETED,
                     ident=f"h{k}") for k in range(int(weeks * 3.5)))


def days_of(runs: tuple[Run, ...]) -> list[date]:
    return run_days(runs, TZ, MONDAY.date())


def lifting(p: Plan) -> dict[date, SessionKind]:
    return {s.start.astimezone(TZ).date(): s.kind for s in p.sessions if s.kind.is_lifting}


def planned(completed: tuple[Run, ...], **kw) -> Plan:
    i = PlanInputs(athlete(**kw), BUILD, planned_runs=tuple(example_week()),
                   completed_runs=completed, horizon_days=21)
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    return p


def test_after_seven_days_off_the_first_week_back_is_light():
    p = planned(history(last_day=-8))  # Sun 15 Nov, then 7 days without a run
    kinds = lifting(p)
    first_week = {d: k for d, k in kinds.items() if d < (MONDAY + timedelta(days=7)).date()}
    assert first_week and set(first_week.values()) == {SessionKind.LIGHT}
    later = {d: k for d, k in kinds.items() if d >= (MONDAY + timedelta(days=7)).date()}
    assert SessionKind.HEAVY in later.values()
    light = next(s for s in p.sessions if s.kind is SessionKind.LIGHT)
    assert "R7" in light.rules and "7 days without a run" in light.explanation
    assert "full load again from Mon 30 Nov (return ramp)" in light.explanation


def test_after_eleven_days_off_an_established_runner_ramps_for_eleven_days():
    p = planned(history(last_day=-12), running_since=date(2020, 1, 1))
    kinds = lifting(p)
    assert SessionKind.FOUNDATION not in kinds.values(), "not back to foundation for 6 weeks"
    ramp_end = MONDAY.date() + timedelta(days=11)
    assert all(k is SessionKind.LIGHT for d, k in kinds.items() if d < ramp_end)
    assert any(k is SessionKind.HEAVY for d, k in kinds.items() if d >= ramp_end)
    assert not any("(R7)" in w for w in p.warnings)


def test_the_ramp_scales_with_the_break_up_to_two_weeks():
    for off, ramp in ((7, 7), (9, 9), (20, 14), (40, 14)):
        b = last_break(days_of(history(last_day=-1 - off)), MONDAY.date())
        assert b is not None and b.days_off == off and b.ramp_days == ramp
    assert last_break(days_of(history(last_day=-6)), MONDAY.date()) is None, "5 days off: no ramp"
    # Back running after the break: the ramp counts from the first run back.
    back = run(-5, "07:00", 40, RunKind.EASY, status=RunStatus.COMPLETED, ident="back")
    runs = (*history(last_day=-20), back)
    b = last_break(days_of(runs), MONDAY.date())
    assert b is not None and not b.ongoing and b.days_off == 14
    assert b.back == (MONDAY - timedelta(days=5)).date()


def test_running_since_counts_when_the_source_knows_only_recent_runs():
    recent = history(last_day=-1, weeks=2)  # a source connected two weeks ago
    assert experience_weeks(days_of(recent), None, MONDAY.date()) == 2
    p = planned(recent, running_since=date(2019, 5, 1))
    assert SessionKind.HEAVY in lifting(p).values()
    assert SessionKind.FOUNDATION not in lifting(p).values()


def test_the_longest_stretch_known_counts_not_only_the_current_one():
    long_ago = tuple(r for r in history(last_day=-60, weeks=12))
    lately = tuple(run(-2 - 6 * k, "07:00", 40, RunKind.EASY, status=RunStatus.COMPLETED,
                       ident=f"l{k}") for k in range(10))  # one run every 6 days
    runs = long_ago + lately
    assert longest_consistent_weeks(days_of(runs)) >= 10
    p = planned(runs)
    assert SessionKind.HEAVY in lifting(p).values()


def test_a_new_runner_still_gets_foundation_only():
    runs = history(last_day=-1, weeks=3)
    p = planned(runs, running_since=(MONDAY - timedelta(days=25)).date())
    assert set(lifting(p).values()) == {SessionKind.FOUNDATION}
    assert any("(R7)" in w for w in p.warnings)


def test_no_three_heavy_sessions_within_five_days_before_a_marathon():
    # Mon-Thu of the first week away: Fri and Sun take the week's heavy sessions, and the
    # next week's Tuesday used to make three within five days in the peak phase.
    race = (MONDAY + timedelta(days=27)).date()
    layout = [(1, "07:00", 60, RunKind.QUALITY), (4, "07:00", 60, RunKind.QUALITY),
              (6, "08:00", 110, RunKind.LONG)]
    runs = tuple(run(d + 7 * w, t, m, k) for w in range(4) for d, t, m, k in layout)
    busy = (BusyInterval(MONDAY, MONDAY + timedelta(days=4), "trip"),)
    i = PlanInputs(athlete(), RuleSettings(), races=(Race(race, "Marathon"),),
                   planned_runs=runs, busy=busy, horizon_days=21)
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    heavy = sorted(s.start for s in p.sessions if s.kind is SessionKind.HEAVY)
    assert len(heavy) >= 3
    for a, c in zip(heavy, heavy[2:], strict=False):
        assert c - a >= timedelta(days=5), (a, c)
    # Any 6 days hold at most the phase's weekly target of heavy sessions.
    for k, a in enumerate(heavy):
        assert sum(1 for x in heavy[k:] if x - a < timedelta(days=6)) <= 2


def test_the_same_weekday_a_little_earlier_next_week_still_fits():
    # Tue 18:00, Thu 18:00, then Tue 15:45 (a dinner at 16:30-20:15): 6 d 22 h after the
    # first, within the peak phase's two a week.
    runs = tuple(example_week())
    busy = (BusyInterval(MONDAY.replace(hour=16, minute=30) + timedelta(days=8),
                         MONDAY.replace(hour=20, minute=15) + timedelta(days=8), "dinner"),)
    i = PlanInputs(athlete(), RuleSettings(phase=Phase.PEAK), planned_runs=runs, busy=busy,
                   horizon_days=14)
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    heavy = [s.start.astimezone(TZ) for s in p.sessions if s.kind is SessionKind.HEAVY]
    assert [(h.day, h.hour) for h in heavy[:3]] == [(24, 18), (26, 18), (1, 15)]
