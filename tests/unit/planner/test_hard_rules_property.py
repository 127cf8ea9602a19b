"""Property: no plan ever breaks a hard rule, whatever the week looks like.

Hypothesis generates athletes (rest days, availability, new runners, teenagers), races,
planned and completed runs (some without a time), busy blocks, and sessions the user pinned
or declined; the independent checker in ``checker.py`` judges every output. ``now`` is drawn
mostly within ten days of a DST change in Europe/Berlin, America/New_York and
Australia/Lord_Howe (a 30-minute shift), or anywhere in Asia/Kolkata (+05:30, no DST), and
windows, runs and preferred times reach into the night so that gaps and repeated hours fall
inside what is planned. The same inputs must also give the same plan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.model import (
    GYM_EQUIPMENT,
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

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@cache
def transitions(tz_name: str) -> tuple[datetime, ...]:
    """UTC instants (to the hour) in 2026-2027 at which the zone's offset changes."""
    tz = ZoneInfo(tz_name)
    out = []
    t = datetime(2026, 1, 1, tzinfo=UTC)
    while t.year < 2028:
        if t.astimezone(tz).utcoffset() != (t + timedelta(hours=1)).astimezone(tz).utcoffset():
            out.append(t + timedelta(hours=1))
        t += timedelta(hours=1)
    return tuple(out)


@st.composite
def moments(draw: st.DrawFn, tz_name: str) -> datetime:
    """A local ``now``: mostly within ten days of a DST change, on a quarter hour."""
    tz = ZoneInfo(tz_name)
    changes = transitions(tz_name)
    if changes and draw(st.integers(0, 4)):
        base = draw(st.sampled_from(changes))
        # Mostly in the week before the change, so that it falls inside the plan.
        u = base + timedelta(minutes=15 * draw(st.integers(-4 * 24 * 8, 4 * 24 * 2)))
        return u.astimezone(tz)
    day = draw(st.dates(date(2026, 1, 1), date(2027, 12, 31)))
    return datetime.combine(day, time(draw(st.integers(0, 23)),
                                      draw(st.sampled_from([0, 15, 30, 45]))), tz)


NIGHT = (TimeWindow(time(0, 0), time(4, 30)),)  # holds every gap and repeated hour drawn


@st.composite
def windows(draw: st.DrawFn) -> tuple[TimeWindow, ...]:
    n = draw(st.integers(0, 2))
    if n == 0:
        return ()
    if n == 1:
        a = draw(st.integers(0, 12))
        b = draw(st.integers(a + 2, 23))
        return (TimeWindow(time(a), time(b)),)
    a = draw(st.integers(0, 8))
    b = draw(st.integers(a + 1, 11))
    c = draw(st.integers(b + 1, 17))
    d = draw(st.integers(c + 2, 23))
    return (TimeWindow(time(a), time(b)), TimeWindow(time(c), time(d)))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PlanInputs, datetime]:
    tz_name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(tz_name)
    now = draw(moments(tz_name))
    today = now.date()
    target = draw(st.integers(0, 4))
    athlete = Athlete(
        timezone=tz_name,
        sessions_per_week=target,
        max_sessions_per_week=draw(st.integers(target, 5)),
        core_per_week=draw(st.integers(0, 2)),
        rest_days=frozenset(draw(st.sets(st.integers(0, 6), max_size=3))),
        availability=tuple(draw(st.sampled_from([(TimeWindow(time(6), time(21)),), NIGHT,
                                                 (*NIGHT, TimeWindow(time(17), time(21)))])
                                | windows()) for _ in range(7)),
        preferred_time=draw(st.sampled_from(["morning", "midday", "evening", "17:15", "01:30",
                                             "02:15", "02:30"])),
        session_minutes=draw(st.sampled_from([30, 45, 60])),
        birth_year=draw(st.none() | st.integers(1960, 2016)),
        supervised=draw(st.booleans()),
        running_since=draw(st.none() | st.dates(date(2024, 1, 1), today)),
        # Issue 22: home athletes (no barbell, or nothing) and one-rep maxes, so the checker
        # judges equipment, effort doses and the 1RM named by every % label.
        equipment=draw(st.sampled_from([GYM_EQUIPMENT, ("none",), ("dumbbells", "bands"),
                                        ("kettlebell", "box", "pull-up bar"), ("trap bar",)])),
        one_rep_max=draw(st.sampled_from([(), (("back_squat", 100.0), ("deadlift", 137.0)),
                                          (("deadlift", 120.0), ("front_squat", 71.5))])),
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
            start = datetime.combine(d, time(draw(st.integers(0, 20)),
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
                             time(draw(st.integers(0, 20))), tz)
        busy.append(BusyInterval(b, b + timedelta(minutes=draw(st.integers(30, 240))), f"b{i}"))
    published = []
    for i in range(draw(st.integers(0, 3))):
        d = today + timedelta(days=draw(st.integers(1, 13)))
        s = datetime.combine(d, time(draw(st.integers(0, 20))), tz)
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
