"""intervals.icu as a source, over real HTTP against the local fake."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from syncd.errors import AuthError, TransientError
from syncd.model import RunKind, RunStatus
from syncd.sources.base import FetchWindow
from syncd.sources.intervals_icu import IntervalsIcuSource
from syncd.state import State
from tests.integration.fake_intervals_icu import FakeIntervals, serve
from tests.integration.intervals_fixtures import NOW, TZ, activity, config, history, wellness


def window(now: datetime = NOW) -> FetchWindow:
    return FetchWindow(now, now - timedelta(weeks=16), now + timedelta(days=21), TZ)


@pytest.fixture
def fake():
    with serve(FakeIntervals()) as f:
        f.activities = history()
        f.wellness = wellness(today_hrv=40.0, readiness=38)
        yield f


def test_runs_are_classified_lifts_kept_rides_and_strava_stubs_skipped(fake, tmp_path):
    obs = IntervalsIcuSource(config(fake.url), State(tmp_path)).fetch(window())
    by_id = {r.id: r for r in obs.completed_runs}
    assert len(by_id) == 10  # 8 easy + track + long; the ride and the stub are not runs
    assert by_id["intervals_icu:i8001"].kind is RunKind.QUALITY  # zones 4-5 share
    assert by_id["intervals_icu:i8002"].kind is RunKind.LONG
    assert by_id["intervals_icu:i9004"].kind is RunKind.EASY
    assert "load 52" in by_id["intervals_icu:i9004"].reason
    assert all(r.status is RunStatus.COMPLETED for r in obs.completed_runs)
    assert [s.id for s in obs.strength] == ["intervals_icu:i8003"]
    start = by_id["intervals_icu:i8002"].start
    assert start == NOW - timedelta(days=1, hours=3)  # read from start_date (UTC)


def test_wellness_low_hrv_and_readiness_score(fake, tmp_path):
    obs = IntervalsIcuSource(config(fake.url), State(tmp_path)).fetch(window())
    (r,) = obs.readiness
    assert (r.day, r.score, r.hrv_status, r.source) == (NOW.date(), 38, "LOW", "intervals_icu")


def test_normal_hrv_is_balanced(fake, tmp_path):
    fake.wellness = wellness(today_hrv=64.0)
    (r,) = IntervalsIcuSource(config(fake.url), State(tmp_path)).fetch(window()).readiness
    assert (r.score, r.hrv_status) == (None, "BALANCED")


def test_planned_run_workouts_become_planned_runs_and_ours_are_skipped(fake, tmp_path):
    fake.add_event(category="WORKOUT", type="Run", name="6x800m intervals",
                   start_date_local="2026-12-08T07:00:00", moving_time=3600,
                   description="- 15m Z2\n6x\n- 800mtr Z5\n- 2m Z1")
    fake.add_event(category="WORKOUT", type="Run", name="Long run",
                   start_date_local="2026-12-13T00:00:00", moving_time=7200)
    fake.add_event(category="WORKOUT", type="Ride", name="Spin",
                   start_date_local="2026-12-09T18:00:00", moving_time=3600)
    fake.add_event(category="WORKOUT", type="WeightTraining", name="Heavy",
                   start_date_local="2026-12-10T18:00:00", moving_time=2700,
                   external_id="syncd:syncd-x@syncd")
    fake.add_event(category="NOTE", type=None, name="Holiday",
                   start_date_local="2026-12-11T00:00:00")
    obs = IntervalsIcuSource(config(fake.url), State(tmp_path)).fetch(window())
    runs = sorted(obs.planned_runs, key=lambda r: r.start)
    assert [(r.title, r.kind, r.time_known) for r in runs] == [
        ("6x800m intervals", RunKind.QUALITY, True), ("Long run", RunKind.LONG, False)]
    assert runs[0].start == datetime(2026, 12, 8, 7, 0, tzinfo=TZ)
    assert runs[0].end - runs[0].start == timedelta(hours=1)


def test_quiet_cycle_costs_two_calls_and_finds_an_activity_uploaded_days_late(fake, tmp_path):
    src = IntervalsIcuSource(config(fake.url), State(tmp_path))
    src.fetch(window())
    first = len(fake.log)
    assert first == 3  # activities, events, wellness
    later = NOW + timedelta(minutes=15)
    src.fetch(window(later))
    assert len(fake.log) - first == 2  # activities, events; wellness is known for today
    # A run 5 days old appears now (a watch synced after a trip): found on the next cycle.
    fake.activities.append(activity("i7777", NOW - timedelta(days=5, hours=1),
                                    name="Run in the hills", minutes=70, distance=12000))
    obs = src.fetch(window(later + timedelta(minutes=15)))
    assert "intervals_icu:i7777" in {r.id for r in obs.completed_runs}
    act_calls = [p for m, p in fake.log if p.endswith("/activities")]
    assert len(act_calls) == 3  # one list a cycle


def test_full_page_reads_the_next_older_page(fake, tmp_path, monkeypatch):
    import syncd.sources.intervals_icu as mod

    monkeypatch.setattr(mod, "PAGE", 4)
    obs = IntervalsIcuSource(config(fake.url), State(tmp_path)).fetch(window())
    assert len(obs.completed_runs) == 10
    assert sum(1 for _, p in fake.log if p.endswith("/activities")) >= 3


def test_401_names_the_key_and_is_not_retried_within_the_pause(fake, tmp_path):
    src = IntervalsIcuSource(config(fake.url, key="wrong"), State(tmp_path))
    with pytest.raises(AuthError) as info:
        src.fetch(window())
    assert "sources.intervals_icu.api_key" in str(info.value)
    assert "wrong" not in str(info.value)
    calls = len(fake.log)
    with pytest.raises(AuthError):
        src.fetch(window(NOW + timedelta(minutes=15)))
    assert len(fake.log) == calls  # paused: no call


def test_429_carries_retry_after_and_the_cache_still_answers(fake, tmp_path):
    src = IntervalsIcuSource(config(fake.url), State(tmp_path))
    src.fetch(window())
    fake.faults = [(429, {"Retry-After": "120", "X-RateLimit-Limit": "10"})]
    with pytest.raises(TransientError) as info:
        src.fetch(window(NOW + timedelta(minutes=15)))
    assert info.value.retry_after == 120.0
    assert len(src.cached(window()).completed_runs) == 10


def test_5xx_is_transient(fake, tmp_path):
    fake.faults = [(503, {"Retry-After": "30"})]
    with pytest.raises(TransientError) as info:
        IntervalsIcuSource(config(fake.url), State(tmp_path)).fetch(window())
    assert info.value.retry_after == 30.0
    assert "503" in str(info.value)
