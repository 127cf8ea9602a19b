"""intervals.icu's shapes read into syncd's records: the odd and the hostile included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd.classify import History
from syncd.model import RunKind
from syncd.sources.intervals_client import retry_after
from syncd.sources.intervals_shapes import (
    BadEntry,
    activity_run,
    activity_start,
    evidence,
    planned_run,
    readiness,
)

TZ = ZoneInfo("Europe/Berlin")


def test_start_prefers_utc_and_falls_back_to_local_in_the_athletes_zone():
    assert activity_start({"start_date": "2026-03-29T05:30:00Z",
                           "start_date_local": "2026-03-29T07:30:00"}, TZ) == \
        datetime(2026, 3, 29, 5, 30, tzinfo=UTC)
    # The night the clocks change: 03:30 local is CEST, 01:30 UTC.
    assert activity_start({"start_date_local": "2026-03-29T03:30:00"}, TZ) == \
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(BadEntry):
        activity_start({"start_date": "yesterday"}, TZ)
    with pytest.raises(BadEntry):
        activity_start({}, TZ)


def test_seven_hr_zones_fold_into_five_and_broken_zones_are_ignored():
    ev = evidence({"type": "Run", "icu_hr_zone_times": [10, 20, 30, 40, 50, 60, 70]})
    assert ev.hr_zone_s == (10, 20, 30, 40, 180)
    assert evidence({"type": "Run", "icu_hr_zone_times": [1, 2, "x", 4, 5]}).hr_zone_s == ()
    assert evidence({"type": "Run", "icu_hr_zone_times": [1, 2, -3, 4, 5]}).hr_zone_s == ()
    assert evidence({"type": "Run", "icu_hr_zone_times": [1] * 500}).hr_zone_s == ()


def test_interval_summary_with_repeats_reads_as_intervals():
    act = {"id": "i1", "type": "Run", "start_date": "2026-12-01T06:00:00Z",
           "moving_time": 2400, "name": "Lunch Run",
           "interval_summary": ["1x 10m 135bpm", "8x 1m 178bpm", "1x 10m 130bpm"]}
    run = activity_run(act, TZ, History())
    assert run.kind is RunKind.QUALITY and "interval" in run.reason


def test_hostile_values_are_bounded():
    act = {"id": "i" * 10_000, "type": "Run", "start_date": "2026-12-01T06:00:00Z",
           "name": "x" * 100_000, "description": "y" * 1_000_000, "moving_time": 1e11,
           "elapsed_time": float("nan"), "distance": True, "average_speed": float("inf")}
    run = activity_run(act, TZ, History())
    assert len(run.id) < 100 and len(run.title) <= 200
    assert run.end - run.start <= timedelta(hours=12)
    assert run.distance_m is None
    assert run.moving_s is not None and run.moving_s <= 12 * 3600


def test_moving_time_is_kept_for_the_merge_across_services():
    """A run with a café stop: intervals.icu's moving time is what Strava and FIT report as
    moving, so the merge can tell it is the same run (issue 25)."""
    act = {"id": "i2", "type": "Run", "start_date": "2026-12-01T06:00:00Z",
           "moving_time": 3000, "elapsed_time": 3900, "name": "Long with coffee"}
    run = activity_run(act, TZ, History())
    assert run.moving_s == 3000 and (run.end - run.start).total_seconds() == 3900


def test_planned_run_events_midnight_means_no_time_and_non_runs_are_none():
    ev = {"id": 7, "category": "WORKOUT", "type": "Run", "name": "Easy 40",
          "start_date_local": "2026-12-08T00:00:00", "moving_time": 2400}
    run = planned_run(ev, TZ)
    assert run is not None and not run.time_known and run.kind is RunKind.EASY
    assert planned_run({**ev, "type": "Ride"}, TZ) is None
    assert planned_run({**ev, "category": "RACE_A"}, TZ) is None
    long = planned_run({**ev, "name": "Sunday", "moving_time": 10**9}, TZ)
    assert long is not None and long.end - long.start == timedelta(hours=12)
    with pytest.raises(BadEntry):
        planned_run({**ev, "start_date_local": None}, TZ)


def test_readiness_needs_a_baseline_for_hrv_and_bounds_the_score():
    today = date(2026, 12, 4)
    days = [{"id": (today - timedelta(days=n)).isoformat(), "hrv": 60.0 + n % 3}
            for n in range(1, 4)]
    assert readiness([*days, {"id": today.isoformat(), "hrv": 20.0}], today) is None
    r = readiness([*days, {"id": today.isoformat(), "hrv": 20.0, "readiness": 250}], today)
    assert r is None  # a score outside 0-100 is not a score
    days = [{"id": (today - timedelta(days=n)).isoformat(), "hrv": 60.0 + n % 3}
            for n in range(1, 20)]
    r = readiness([*days, {"id": today.isoformat(), "hrv": 50.0, "readiness": 71}], today)
    assert r is not None and (r.score, r.hrv_status) == (71, "LOW")
    assert readiness(["junk", {"id": 5}], today) is None


def test_retry_after_seconds_dates_and_nonsense():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert retry_after("120") == 120.0
    assert retry_after("Fri, 04 Dec 2026 12:01:30 GMT", now) == 90.0
    assert retry_after("-5") == 0.0
    assert retry_after("99999999") == 6 * 3600.0
    assert retry_after("soon") is None and retry_after(None) is None
    assert retry_after("nan") is None
