"""A race replaces that day's planned run (issue 23: "Sun 25 Apr 08:00 long · Progression
long run … race · City Marathon"): the plan shows the race alone that day."""

from __future__ import annotations

from datetime import timedelta

from syncd.model import Phase, Race, RacePriority, RuleSettings, RunKind, RunStatus
from syncd.planner import PlanInputs, plan
from syncd.planner.realtime import local_day
from tests.helpers import MONDAY, TZ, athlete, example_week, run
from tests.unit.planner.checker import check_plan

NOW = MONDAY.replace(hour=6)


def test_a_race_from_the_race_list_replaces_the_planned_long_run():
    week = tuple(example_week())
    long_run = next(r for r in week if r.kind is RunKind.LONG)
    day = local_day(long_run.start, TZ)
    i = PlanInputs(athlete(), RuleSettings(phase=Phase.BUILD), planned_runs=week,
                   races=(Race(day, "City 10K", RacePriority.B),))
    p = plan(i, NOW)
    assert check_plan(i, NOW, p) == []
    that_day = [r for r in p.runs if local_day(r.start, TZ) == day]
    assert [(r.kind, r.title) for r in that_day] == [(RunKind.RACE, "City 10K")]
    # every other day keeps its runs: only that day's planned run is gone
    plain = plan(PlanInputs(athlete(), RuleSettings(phase=Phase.BUILD), planned_runs=week), NOW)
    assert [r for r in p.runs if r.kind is not RunKind.RACE] == [
        r for r in plain.runs if local_day(r.start, TZ) != day]
    report = next(d for d in p.days if d.day == day)
    assert any("replaced by the race" in n for n in report.notes), report


def test_a_planned_race_run_replaces_another_run_that_day_but_a_done_run_stays():
    week = tuple(example_week())
    quality = next(r for r in week if r.kind is RunKind.QUALITY)
    day = local_day(quality.start, TZ)
    offset = (day - MONDAY.date()).days
    race = run(offset, "10:00", 50, RunKind.RACE, "Parkrun race")
    p = plan(PlanInputs(athlete(), RuleSettings(phase=Phase.BUILD),
                        planned_runs=(*week, race)), NOW)
    assert [r.kind for r in p.runs if local_day(r.start, TZ) == day] == [RunKind.RACE]
    # what was run stays: a completed run on a past race day is history, not replaced
    done_day = MONDAY - timedelta(days=2)
    done = run(-2, "08:00", 60, RunKind.EASY, "Shakeout", status=RunStatus.COMPLETED)
    q = plan(PlanInputs(athlete(), RuleSettings(phase=Phase.BUILD), planned_runs=week,
                        completed_runs=(done,),
                        races=(Race(done_day.date(), "Past race", RacePriority.C),)), NOW)
    assert any(r.title == "Shakeout" for r in q.runs)
