"""The Garmin source through the real garminconnect library against the fake service."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd.config.loader import GarminConfig
from syncd.errors import AuthError, TransientError
from syncd.model import RunKind
from syncd.sources.base import FetchWindow
from syncd.sources.garmin import GarminSource
from syncd.sources.garmin_client import RateLimited, check_seam, make_garmin
from syncd.state import State
from tests.integration.fake_garmin import write_tokens

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)


def window(now: datetime = NOW) -> FetchWindow:
    return FetchWindow(now, now - timedelta(weeks=16), now + timedelta(days=21), TZ)


def source(fake, tmp_path, readiness: bool = False, history_days: int = 112) -> GarminSource:
    write_tokens(tmp_path)
    return GarminSource(GarminConfig(fake.url, history_days, readiness), State(tmp_path))


def test_the_library_seam_is_still_there():
    check_seam(make_garmin("http://127.0.0.1:9").client)  # fails loudly after an upgrade


def test_first_sync_reads_history_and_classifies_every_kind(fake_garmin, tmp_path):
    fake_garmin.generate(200, NOW - timedelta(hours=2))
    src = source(fake_garmin, tmp_path)
    obs = src.fetch(window())
    kinds = Counter(r.kind for r in obs.completed_runs)
    assert kinds[RunKind.EASY] and kinds[RunKind.QUALITY] and kinds[RunKind.LONG]
    assert kinds[RunKind.RACE]
    assert obs.strength, "strength_training comes as strength activities"
    titles = {r.title for r in obs.completed_runs}
    assert "Walk" not in titles and "Ride" not in titles, "not runs"
    assert "Treadmill easy" in titles and "Trail run" in titles
    race = next(r for r in obs.completed_runs if r.title == "City 10K")
    assert race.reason == "marked as a race"
    intervals = next(r for r in obs.completed_runs if r.title == "Intervals 6x800")
    assert intervals.reason == "training effect VO2MAX"
    assert all(r.start >= window().start for r in obs.completed_runs)
    pages = [p for p in fake_garmin.api_calls() if "activities" in p]
    assert 5 <= len(pages) <= 8, "16 weeks of history in pages of 20"


def test_a_cycle_with_nothing_new_costs_one_request(fake_garmin, tmp_path):
    fake_garmin.generate(200, NOW - timedelta(hours=2))
    src = source(fake_garmin, tmp_path)
    src.fetch(window())
    fake_garmin.log.clear()
    again = src.fetch(window(NOW + timedelta(minutes=15)))
    assert len(fake_garmin.api_calls()) == 1
    assert again.completed_runs


def test_new_and_deleted_activities_are_picked_up(fake_garmin, tmp_path):
    fake_garmin.generate(60, NOW - timedelta(hours=30))
    src = source(fake_garmin, tmp_path)
    first = src.fetch(window())
    newest = fake_garmin.add_newest(1, NOW - timedelta(hours=1))
    gone = fake_garmin.activities.pop(1)  # deleted on Garmin, inside the overlap
    second = src.fetch(window(NOW + timedelta(minutes=15)))
    ids = {r.id for r in second.completed_runs} | {s.id for s in second.strength}
    assert f"garmin:{newest['activityId']}" in ids
    assert f"garmin:{gone['activityId']}" not in ids
    assert len(first.completed_runs) + len(first.strength) == len(ids)


def test_readiness_is_read_once_a_day(fake_garmin, tmp_path):
    fake_garmin.generate(10, NOW - timedelta(hours=2))
    src = source(fake_garmin, tmp_path, readiness=True)
    obs = src.fetch(window())
    assert [(r.day, r.score, r.hrv_status) for r in obs.readiness] == [
        (NOW.date(), 80, "BALANCED")]  # the AFTER_WAKEUP_RESET reading
    fake_garmin.log.clear()
    again = src.fetch(window(NOW + timedelta(minutes=15)))
    assert again.readiness == obs.readiness
    assert not any("readiness" in p or "hrv" in p for p in fake_garmin.log)


def test_429_is_rate_limited_with_retry_after(fake_garmin, tmp_path):
    fake_garmin.generate(10, NOW)
    src = source(fake_garmin, tmp_path)
    fake_garmin.mode, fake_garmin.retry_after = "429", "120"
    with pytest.raises(RateLimited) as info:
        src.fetch(window())
    assert info.value.retry_after == 120.0
    assert "rate-limiting" in str(info.value)


def test_500_and_garbage_are_transient_and_the_cache_still_answers(fake_garmin, tmp_path):
    fake_garmin.generate(30, NOW - timedelta(hours=2))
    src = source(fake_garmin, tmp_path)
    good = src.fetch(window())
    for mode in ("500", "garbage"):
        fake_garmin.mode = mode
        with pytest.raises(TransientError):
            src.fetch(window())
        assert src.cached(window()).completed_runs == good.completed_runs


def test_rejected_login_stops_calling_garmin_until_a_new_login(fake_garmin, tmp_path):
    fake_garmin.generate(10, NOW)
    src = source(fake_garmin, tmp_path)
    fake_garmin.mode = "401"
    with pytest.raises(AuthError) as info:
        src.fetch(window())
    assert str(info.value).startswith("Garmin rejected the saved login; run `syncd login`")
    calls = len(fake_garmin.log)
    for minutes in (15, 30, 45):
        with pytest.raises(AuthError):
            src.fetch(window(NOW + timedelta(minutes=minutes)))
    assert len(fake_garmin.log) == calls, "no login storm"
    fake_garmin.mode = None
    write_tokens(tmp_path).write_text(json.dumps(
        {"di_token": "new", "di_refresh_token": "new-r", "di_client_id": "c"}))
    assert src.fetch(window(NOW + timedelta(hours=1))).completed_runs, "a new login works"


def test_missing_fields_skip_the_activity_not_the_sync(fake_garmin, tmp_path):
    fake_garmin.generate(30, NOW - timedelta(hours=2))
    fake_garmin.mode = "nofields"
    src = source(fake_garmin, tmp_path)
    obs = src.fetch(window())
    assert 0 < len(obs.completed_runs) + len(obs.strength) < 30


def test_no_saved_login_is_one_clear_line(fake_garmin, tmp_path):
    src = GarminSource(GarminConfig(fake_garmin.url, 112, False), State(tmp_path))
    with pytest.raises(AuthError) as info:
        src.fetch(window())
    assert "run `syncd login`" in str(info.value)
    assert fake_garmin.log == []


def test_403_is_a_block_to_back_off_from_not_a_bad_login(fake_garmin, tmp_path):
    fake_garmin.generate(10, NOW)
    src = source(fake_garmin, tmp_path)
    fake_garmin.mode = "403"
    with pytest.raises(RateLimited) as info:
        src.fetch(window())
    assert "Cloudflare" in str(info.value)
    fake_garmin.mode = None
    assert src.fetch(window(NOW + timedelta(minutes=15))).completed_runs, "not locked out"


def test_a_failing_garmin_still_feeds_the_planner_from_its_cache(fake_garmin, tmp_path):
    from pathlib import Path

    from syncd.config.loader import parse_config
    from syncd.cycle import run_cycle
    from syncd.model import RunStatus

    cfg = parse_config(f'[athlete]\ntimezone = "Europe/Berlin"\n[sources.garmin]\n'
                       f'enabled = true\napi_url = "{fake_garmin.url}"\nreadiness = false\n',
                       "c.toml", base_dir=Path(tmp_path), env={})
    write_tokens(tmp_path / "s")
    state = State(tmp_path / "s")
    fake_garmin.generate(40, NOW - timedelta(hours=2))
    first = run_cycle(cfg, state, NOW)
    done = [r.id for r in first.plan.runs if r.status is RunStatus.COMPLETED]
    assert done and first.errors == {}
    fake_garmin.mode = "500"
    second = run_cycle(cfg, state, NOW + timedelta(minutes=15))
    assert second.transient and "garmin" in second.errors
    assert [r.id for r in second.plan.runs if r.status is RunStatus.COMPLETED] == done
