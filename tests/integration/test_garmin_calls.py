"""Calls and noise: what syncd asks of Garmin, and what it says, across many runs.

Through the real garminconnect library against the fake service; the CLI as a real process.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug import Request, Response

from syncd.sources import garmin
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.test_garmin_source import NOW, source, window

pytestmark = pytest.mark.integration
ACTIVITIES = "/activitylist-service/activities/search/activities"


def config(cli, fake: FakeGarmin, readiness: bool = False) -> Path:
    path = cli.cwd / "config.toml"
    path.write_text(f'[athlete]\ntimezone = "Europe/Berlin"\n[sources.garmin]\nenabled = true\n'
                    f'api_url = "{fake.url}"\nreadiness = {str(readiness).lower()}\n'
                    f'[ics]\npath = "{cli.cwd / "strength.ics"}"\n')
    write_tokens(cli.home / ".state" / "syncd")
    return path


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def test_run_once_honours_retry_after_and_force_overrides(cli, fake_garmin):
    fake_garmin.generate(20, NOW - timedelta(hours=2))
    cfg = config(cli, fake_garmin)
    fake_garmin.mode, fake_garmin.retry_after = "429", "3600"
    first = cli("--config", str(cfg), "--now", at(0), "run", "--once")
    assert first.returncode == 3, first.stderr
    assert fake_garmin.api_calls(), "the first run asked"
    fake_garmin.log.clear()
    for minutes in (1, 15, 59):  # the timer fires; Garmin said: not for an hour
        res = cli("--config", str(cfg), "--now", at(minutes), "run", "--once")
        assert res.returncode == 3 and "backing off" in res.stderr, res.stderr
    assert fake_garmin.api_calls() == []
    fake_garmin.mode = None
    forced = cli("--config", str(cfg), "--now", at(2), "run", "--once", "--force")
    assert forced.returncode == 0, forced.stderr
    assert fake_garmin.api_calls(), "--force calls Garmin at once"


def test_plan_honours_the_backoff_too(cli, fake_garmin):
    fake_garmin.generate(20, NOW - timedelta(hours=2))
    cfg = config(cli, fake_garmin)
    assert cli("--config", str(cfg), "--now", at(0), "run", "--once").returncode == 0
    fake_garmin.mode, fake_garmin.retry_after = "429", "3600"
    assert cli("--config", str(cfg), "--now", at(15), "run", "--once").returncode == 3
    fake_garmin.log.clear()
    res = cli("--config", str(cfg), "--now", at(16), "plan", "--json")
    assert res.returncode == 0 and fake_garmin.api_calls() == []
    assert [r for r in json.loads(res.stdout)["runs"] if r["status"] == "completed"], \
        "the cache answers"


def test_a_rejected_login_is_said_once_and_no_library_traceback(cli, fake_garmin):
    fake_garmin.generate(20, NOW - timedelta(hours=2))
    cfg = config(cli, fake_garmin)
    fake_garmin.mode = "401"
    stderr = ""
    for minutes in range(0, 6 * 60, 30):  # six hours of a timer, run as its unit runs it
        res = cli("-q", "--config", str(cfg), "--now", at(minutes), "run", "--once")
        assert res.returncode != 0, res.stderr
        stderr += res.stderr
    assert stderr.count("Garmin rejected the saved login; run `syncd login`") == 1, stderr
    assert "Traceback" not in stderr and "garminconnect" not in stderr, stderr


def test_library_errors_show_with_vv_only(cli, fake_garmin):
    fake_garmin.generate(20, NOW - timedelta(hours=2))
    cfg = config(cli, fake_garmin)
    fake_garmin.mode = "500"
    quiet = cli("-q", "--config", str(cfg), "--now", at(0), "run", "--once", "--force")
    loud = cli("-vv", "--config", str(cfg), "--now", at(1), "run", "--once", "--force")
    assert quiet.returncode == loud.returncode == 3
    assert "Traceback" not in quiet.stderr and "garminconnect" not in quiet.stderr
    assert "did not answer" in quiet.stderr, "syncd's own line says what happened"
    assert "garminconnect" in loud.stderr, "-vv shows the library's own logging"


def fail_readiness(fake: FakeGarmin) -> None:
    """Readiness and HRV fail; everything else is the fake as it is."""

    def handler(request: Request) -> Response:
        if request.path.startswith(("/metrics-service/metrics/trainingreadiness",
                                    "/hrv-service/hrv")):
            fake.log.append(request.path)  # unreadable: transient, and no library retries
            return Response("{not json", status=200, content_type="application/json")
        return fake.handle(request)

    fake.server.clear()
    fake.server.expect_request(re.compile(".*")).respond_with_handler(handler)


def test_readiness_is_not_reread_every_cycle_after_a_transient_error(fake_garmin, tmp_path,
                                                                    monkeypatch):
    fake_garmin.generate(10, NOW - timedelta(hours=2))
    fail_readiness(fake_garmin)
    src = source(fake_garmin, tmp_path, readiness=True)
    assert src.fetch(window()).readiness == ()
    for minutes in (15, 30, 45):
        fake_garmin.log.clear()
        src.fetch(window(NOW + timedelta(minutes=minutes)))
        assert fake_garmin.api_calls() == [ACTIVITIES], "one request, not three"
    fake_garmin.log.clear()
    src.fetch(window(NOW + timedelta(minutes=61)))
    assert len(fake_garmin.api_calls()) > 1, "tried again after the hour"


def test_a_late_upload_is_found_by_the_daily_deep_read(fake_garmin, tmp_path):
    fake_garmin.generate(60, NOW - timedelta(hours=2))
    src = source(fake_garmin, tmp_path)
    src.fetch(window())
    late = fake_garmin.add_newest(0, NOW - timedelta(days=5, hours=3))  # synced a week late
    fake_garmin.activities.sort(key=lambda a: a["startTimeGMT"], reverse=True)
    ident = f"garmin:{late['activityId']}"
    fake_garmin.log.clear()
    soon = src.fetch(window(NOW + timedelta(minutes=15)))
    assert ident not in {r.id for r in soon.completed_runs}
    assert len(fake_garmin.api_calls()) == 1, "the ordinary cycle stays one request"
    fake_garmin.log.clear()
    next_day = src.fetch(window(NOW + timedelta(days=1, minutes=15)))
    assert ident in {r.id for r in next_day.completed_runs}
    assert len(fake_garmin.api_calls()) > 1
    fake_garmin.log.clear()
    src.fetch(window(NOW + timedelta(days=1, minutes=30)))
    assert len(fake_garmin.api_calls()) == 1, "once a day"


def test_a_cut_window_is_said_once_and_keeps_the_older_cache(fake_garmin, tmp_path,
                                                            monkeypatch, caplog):
    fake_garmin.generate(140, NOW - timedelta(hours=2))  # 19 h apart: 110 days
    src = source(fake_garmin, tmp_path)
    first = src.fetch(window())  # the whole window, no limit hit
    monkeypatch.setattr(garmin, "MAX_PAGES", 3)  # 60 activities a cycle at most
    caplog.set_level("WARNING", logger="syncd.sources.garmin")
    for day in (1, 2):
        again = src.fetch(window(NOW + timedelta(days=day, minutes=-60)))
        assert {r.id for r in again.completed_runs} == {r.id for r in first.completed_runs}, \
            "older activities stay in the cache"
    cut = [r.getMessage() for r in caplog.records if "the most syncd reads" in r.getMessage()]
    assert len(cut) == 1 and "history_days" in cut[0]
