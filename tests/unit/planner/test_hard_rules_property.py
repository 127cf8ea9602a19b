"""Property: no plan ever breaks a hard rule, whatever the week looks like.

Hypothesis generates athletes (rest days, availability, new runners, teenagers), races,
planned and completed runs (some without a time), busy blocks, and sessions the user pinned
or declined, in time zones with DST; the independent checker in ``checker.py`` judges every
output. The same inputs must also give the same plan.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.model import (
    Athlete,
    BusyInterval,
    Phase,
    Race,
    RacePriority,
    Readiness,
    RuleSettings,
    Run,
    RunKind,
    RunStatus,
    Session,
    SessionKind,
    SessionStatus,
    TimeWindow,
)
from syncd.planner import PlanInputs, plan
from tests.unit.planner.checker import check_plan

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Australia/Sydney", "Asia/Kolkata"]


@st.composite
def windows(draw: st.DrawFn) -> tuple[TimeWindow, ...]:
    n = draw(st.integers(0, 2))
    if n == 0:
        return ()
    if n == 1:
        a = draw(st.integers(5, 12))
        b = draw(st.integers(a + 2, 23))
        return (TimeWindow(time(a), time(b)),)
    a = draw(st.integers(5, 8))
    b = draw(st.integers(a + 1, 11))
    c = draw(st.integers(b + 1, 17))
    d = draw(st.integers(c + 2, 23))
    return (TimeWindow(time(a), time(b)), TimeWindow(time(c), time(d)))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PlanInputs, datetime]:
    tz_name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(tz_name)
    start_day = draw(st.dates(date(2026, 1, 1), date(2027, 12, 31)))
    now = datetime.combine(start_day, time(draw(st.integers(0, 23)),
                                           draw(st.sampled_from([0, 15, 30, 45]))), tz)
    today = now.date()
    target = draw(st.integers(0, 4))
    athlete = Athlete(
        timezone=tz_name,
        sessions_per_week=target,
        max_sessions_per_week=draw(st.integers(target, 5)),
        core_per_week=draw(st.integers(0, 2)),
        rest_days=frozenset(draw(st.sets(st.integers(0, 6), max_size=3))),
        availability=tuple(draw(windows()) if draw(st.booleans()) else
                           (TimeWindow(time(6), time(21)),) for _ in range(7)),
        preferred_time=draw(st.sampled_from(["morning", "midday", "evening", "17:15"])),
        session_minutes=draw(st.sampled_from([30, 45, 60])),
        birth_year=draw(st.none() | st.integers(1960, 2016)),
        supervised=draw(st.booleans()),
        running_since=draw(st.none() | st.dates(date(2024, 1, 1), today)),
    )
    rules = RuleSettings(
        heavy_to_quality_hours=draw(st.sampled_from([24.0, 36.0, 48.0, 72.0])),
        run_to_lift_gap_hours=draw(st.sampled_from([0.0, 3.0, 6.0])),
        taper_days=draw(st.integers(10, 14)),
        min_running_weeks=draw(st.integers(0, 8)),
        phase=draw(st.none() | st.sampled_from(list(Phase))),
    )
    races = tuple(Race(today + timedelta(days=draw(st.integers(-20, 100))), f"race {i}",
                       draw(st.sampled_from(list(RacePriority))))
                  for i in range(draw(st.integers(0, 2))))
    planned = []
    for offset in range(0, 28):
        for j in range(draw(st.integers(0, 2)) if draw(st.booleans()) else 0):
            d = today + timedelta(days=offset)
            known = draw(st.booleans()) or draw(st.booleans())
            start = datetime.combine(d, time(draw(st.integers(5, 20)),
                                             draw(st.sampled_from([0, 30]))), tz)
            planned.append(Run(id=f"p{offset}-{j}", source="t", start=start,
                               end=start + timedelta(minutes=draw(st.integers(20, 150))),
                               kind=draw(st.sampled_from(list(RunKind))),
                               status=RunStatus.PLANNED, title=f"run {offset}-{j}",
                               time_known=known))
    completed = []
    for offset in range(draw(st.integers(0, 60)), 2, -1):
        if draw(st.integers(0, 3)) == 0:
            continue
        start = datetime.combine(today - timedelta(days=offset), time(7), tz)
        completed.append(Run(id=f"c{offset}", source="t", start=start,
                             end=start + timedelta(minutes=45),
                             kind=draw(st.sampled_from(list(RunKind))),
                             status=RunStatus.COMPLETED, title=f"done {offset}"))
    busy = []
    for i in range(draw(st.integers(0, 6))):
        b = datetime.combine(today + timedelta(days=draw(st.integers(0, 20))),
                             time(draw(st.integers(6, 20))), tz)
        busy.append(BusyInterval(b, b + timedelta(minutes=draw(st.integers(30, 240))), f"b{i}"))
    published = []
    for i in range(draw(st.integers(0, 3))):
        d = today + timedelta(days=draw(st.integers(1, 13)))
        s = datetime.combine(d, time(draw(st.integers(6, 20))), tz)
        status = draw(st.sampled_from([SessionStatus.PINNED, SessionStatus.DECLINED,
                                       SessionStatus.PLANNED]))
        published.append(Session(uid=f"syncd-pub-{i}@syncd",
                                 kind=draw(st.sampled_from(list(SessionKind))),
                                 start=s, end=s + timedelta(minutes=45), status=status))
    readiness = ()
    if draw(st.booleans()):
        readiness = (Readiness(today, draw(st.integers(0, 100)),
                               draw(st.sampled_from(["LOW", "BALANCED", None]))),)
    inputs = PlanInputs(athlete=athlete, rules=rules, races=races,
                        planned_runs=tuple(planned), completed_runs=tuple(completed),
                        busy=tuple(busy), published=tuple(published), readiness=readiness,
                        horizon_days=draw(st.integers(7, 28)))
    return inputs, now


@settings(max_examples=max(300, settings.default.max_examples))
@given(scenarios())
def test_no_plan_breaks_a_hard_rule(scenario: tuple[PlanInputs, datetime]) -> None:
    inputs, now = scenario
    result = plan(inputs, now)
    violations = check_plan(inputs, now, result)
    assert violations == [], "\n".join(violations)


@settings(max_examples=60)
@given(scenarios())
def test_same_inputs_same_plan(scenario: tuple[PlanInputs, datetime]) -> None:
    inputs, now = scenario
    assert plan(inputs, now) == plan(inputs, now)
