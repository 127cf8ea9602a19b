"""The season's weeks: which weeks, their phase, and what was lifted and run in each."""

from __future__ import annotations

from datetime import date, timedelta

from syncd.model import (
    Race,
    RacePriority,
    RuleSettings,
    RunKind,
    RunStatus,
    SessionKind,
    SessionStatus,
)
from syncd.page.season import MAX_WEEKS, season_weeks
from tests.helpers import MONDAY, TZ, athlete, run, session

TODAY = MONDAY.date() + timedelta(days=2)  # Wed 25 Nov 2026


def weeks(races=(), sessions=(), runs=(), **kw):  # type: ignore[no-untyped-def]
    return season_weeks(TODAY, tuple(races), RuleSettings(), athlete(**kw), tuple(sessions),
                        tuple(runs), TZ)


def test_without_an_a_race_it_shows_four_weeks_back_and_twelve_ahead():
    ws = weeks()
    assert ws[0].monday == date(2026, 10, 26) and ws[0].when == "past"
    assert [w.when for w in ws].count("now") == 1 and ws[4].monday == MONDAY.date()
    assert ws[-1].monday == date(2027, 2, 15)
    assert {w.phase.value for w in ws} == {"maintenance"}


def test_a_race_far_ahead_is_cut_at_a_year():
    ws = weeks(races=[Race(date(2029, 5, 1), "Far", RacePriority.A)])
    assert len(ws) == MAX_WEEKS


def test_lifting_is_counted_by_status_and_core_and_declined_are_not():
    sessions = [session("a", 0, "18:00", status=SessionStatus.DONE),
                session("b", 1, "18:00", status=SessionStatus.MISSED),
                session("c", 3, "18:00"),
                session("d", 4, "18:00", status=SessionStatus.PINNED),
                session("e", 5, "18:00", kind=SessionKind.CORE),
                session("f", 6, "18:00", status=SessionStatus.DECLINED)]
    w = weeks(sessions=sessions)[4]
    assert (w.done, w.missed, w.planned) == (1, 1, 2)


def test_running_minutes_come_from_completed_runs_only():
    runs = [run(0, "07:00", 50, RunKind.EASY, status=RunStatus.COMPLETED),
            run(2, "07:00", 70, RunKind.QUALITY, status=RunStatus.COMPLETED),
            run(6, "08:00", 120, RunKind.LONG)]  # planned, not run yet
    assert weeks(runs=runs)[4].run_minutes == 120


def test_the_target_is_the_phase_cap_within_the_athletes_own():
    race = Race(date(2027, 1, 10), "Goal", RacePriority.A)
    ws = {w.phase.value: w.target for w in weeks(races=[race], sessions_per_week=3,
                                                  max_sessions_per_week=3)}
    assert ws["taper"] == 1 and ws["race-week"] == 0 and ws["peak"] == 2
    assert ws["recovery"] == 1
