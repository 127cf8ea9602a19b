"""Property: weeks shaped like a runner's (issue 22) pass the independent checker.

The general property test draws runs day by day; these draws are training weeks, the shape
in which the coach's rules bite: a weekly template with one or two quality runs and a long
run of 60-150 min (often 90 or more: no jumps that day, R13), repeated over the horizon, a
B or C race in it (nothing heavy or plyometric the day after, R12), targets of 1-4 sessions
(the rolling 7-day cap of R9), evenings only or whole days, every phase, home equipment and
one-rep maxes (C1-C6). ``now`` is any hour of any weekday, so the current week is cut
anywhere (the Fri, Sun, Tue case of issue 22).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.model import (
    GYM_EQUIPMENT,
    Athlete,
    Phase,
    Race,
    RacePriority,
    RuleSettings,
    Run,
    RunKind,
    RunStatus,
    TimeWindow,
)
from syncd.planner import PlanInputs, plan
from tests.unit.planner.checker import check_plan

TZ = ZoneInfo("Europe/Berlin")
EVENINGS = tuple((TimeWindow(time(17), time(21)),) for _ in range(7))
DAYTIME = tuple((TimeWindow(time(6), time(21)),) for _ in range(7))


@st.composite
def coach_weeks(draw: st.DrawFn) -> tuple[PlanInputs, datetime]:
    day = draw(st.dates(date(2026, 9, 1), date(2027, 2, 28)))
    now = datetime.combine(day, time(draw(st.integers(5, 20))), TZ)
    quality = draw(st.sets(st.integers(0, 6), min_size=1, max_size=2))
    long_day = draw(st.integers(0, 6).filter(lambda d: d not in quality))
    long_min = draw(st.sampled_from([60, 85, 90, 110, 150]))
    easy = draw(st.sets(st.integers(0, 6), max_size=3)) - quality - {long_day}
    monday = day - timedelta(days=day.weekday())
    runs = []
    for w in range(-1, 5):
        for d in range(7):
            kind, minutes, hhmm = (
                (RunKind.QUALITY, 60, time(7)) if d in quality else
                (RunKind.LONG, long_min, time(8)) if d == long_day else
                (RunKind.EASY, 40, time(7)) if d in easy else (None, 0, time(0)))
            if kind is None:
                continue
            start = datetime.combine(monday + timedelta(days=7 * w + d), hhmm, TZ)
            done = start + timedelta(minutes=minutes) < now
            runs.append(Run(id=f"r{w}-{d}", source="t", start=start,
                            end=start + timedelta(minutes=minutes), kind=kind,
                            status=RunStatus.COMPLETED if done else RunStatus.PLANNED,
                            title=f"{kind.value} {w}-{d}"))
    races = []
    if draw(st.booleans()):
        races.append(Race(day + timedelta(days=draw(st.integers(-3, 20))), "tune-up",
                          draw(st.sampled_from([RacePriority.B, RacePriority.C]))))
    if draw(st.booleans()):
        races.append(Race(day + timedelta(days=draw(st.integers(12, 120))), "goal",
                          RacePriority.A))
    target = draw(st.integers(1, 4))
    athlete = Athlete(
        timezone="Europe/Berlin", sessions_per_week=target, max_sessions_per_week=max(target, 3),
        core_per_week=draw(st.integers(0, 2)),
        availability=draw(st.sampled_from([EVENINGS, DAYTIME])),
        session_minutes=draw(st.sampled_from([30, 45, 60])),
        equipment=draw(st.sampled_from([GYM_EQUIPMENT, ("none",), ("dumbbells", "bands"),
                                        ("kettlebell", "box")])),
        one_rep_max=draw(st.sampled_from([(), (("back_squat", 100.0), ("deadlift", 120.0),
                                               ("front_squat", 80.0))])),
        running_since=date(2020, 1, 1))
    rules = RuleSettings(phase=draw(st.none() | st.sampled_from(
        [Phase.BASE, Phase.BUILD, Phase.PEAK, Phase.MAINTENANCE])))
    # The training plan lists every run; the watch reports those done, as a real feed does.
    completed = tuple(r for r in runs if r.status is RunStatus.COMPLETED)
    planned = tuple(replace(r, id=f"p{r.id}", status=RunStatus.PLANNED) for r in runs)
    return PlanInputs(athlete=athlete, rules=rules, races=tuple(races), planned_runs=planned,
                      completed_runs=completed, horizon_days=draw(st.integers(7, 21))), now


@settings(max_examples=max(150, settings.default.max_examples))
@given(coach_weeks())
def test_training_weeks_pass_the_coachs_checks(scenario: tuple[PlanInputs, datetime]) -> None:
    inputs, now = scenario
    result = plan(inputs, now)
    violations = check_plan(inputs, now, result)
    assert violations == [], "\n".join(violations)
