"""A paused run has two lengths (moving, wall clock); services report different ones, and any
pair that agrees makes two copies one run (syncd/sources/merge.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from syncd.model import Run, RunKind, RunStatus
from syncd.sources.merge import merge_runs, same_activity

T = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)


def run(source: str, wall_min: float, moving_min: float | None = None, detail: int = 1,
        start: datetime = T) -> Run:
    return Run(f"{source}:1", source, start, start + timedelta(minutes=wall_min), RunKind.EASY,
               RunStatus.COMPLETED, detail=detail,
               moving_s=moving_min * 60 if moving_min is not None else None)


def test_garmin_timer_matches_strava_moving_time_across_a_cafe_stop():
    garmin = run("garmin", 50)  # the timer: auto-pause stopped it for 15 minutes
    strava = run("strava", 65, 49)  # the wall clock, and Strava's moving time
    assert same_activity(garmin, strava) and same_activity(strava, garmin)
    assert not same_activity(garmin, replace(strava, moving_s=None)), "wall clock alone: no"


def test_two_wall_clocks_match_whatever_the_moving_times():
    assert same_activity(run("fit", 65, 40), run("strava", 64, 49))


def test_no_pair_agreeing_keeps_two_runs():
    assert not same_activity(run("garmin", 30), run("strava", 65, 49))
    assert not same_activity(run("garmin", 50), run("strava", 65, 49,
                                                    start=T + timedelta(minutes=3)))


def test_a_zero_moving_time_is_not_a_length():
    assert not same_activity(run("garmin", 0.5), run("strava", 65, 0))


def test_the_richer_copy_wins_once_merged():
    kept = merge_runs([run("strava", 65, 49, detail=6), run("garmin", 50, detail=8),
                       run("intervals", 65, 49.5, detail=4)])
    assert [r.source for r in kept] == ["garmin"]
