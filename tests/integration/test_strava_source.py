"""Strava as a source, against the local fake (tests/integration/fake_strava.py): the login
through `syncd login strava`, the rotating token, 401/429/5xx, pagination, late uploads."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncd.config.loader import parse_config
from syncd.errors import AuthError, TransientError
from syncd.model import RunKind
from syncd.sources.base import FetchWindow
from syncd.sources.strava import StravaSource
from syncd.sources.strava_auth import LoginListener, token_path
from syncd.state import State
from tests.integration.fake_strava import CLIENT_ID, CLIENT_SECRET, FakeStrava

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 12, 5, tzinfo=TZ)  # 11:05 UTC: the window resets at 11:15


def config_text(url: str) -> str:
    return (f'[athlete]\ntimezone = "Europe/Berlin"\n[sources.strava]\nenabled = true\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret_env = "STRAVA_SECRET"\n'
            f'api_url = "{url}"\n')


def window(now: datetime = NOW) -> FetchWindow:
    return FetchWindow(now, now - timedelta(weeks=16), now + timedelta(days=21), TZ)


def source(fake: FakeStrava, tmp_path: Path, login: bool = True) -> StravaSource:
    cfg = parse_config(config_text(fake.url), "c.toml", base_dir=tmp_path,
                       env={"STRAVA_SECRET": CLIENT_SECRET})
    assert cfg.strava is not None
    state = State(tmp_path / "s")
    if login:
        token_path(state.directory).write_text(json.dumps(fake.grant()))
    return StravaSource(cfg.strava, state)


def saved(tmp_path: Path) -> dict[str, object]:
    return json.loads(token_path(tmp_path / "s").read_text())


def test_login_prints_the_url_catches_the_redirect_and_saves_the_token(fake_strava, tmp_path):
    (tmp_path / "c.toml").write_text(config_text(fake_strava.url))
    exe = Path(sys.executable).parent / "syncd"
    proc = subprocess.Popen([str(exe), "--config", str(tmp_path / "c.toml"), "--state-dir",
                             str(tmp_path / "s"), "login", "strava"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "STRAVA_SECRET": CLIENT_SECRET})
    assert proc.stdout is not None
    url = next(line.strip() for line in proc.stdout if line.startswith("http"))
    assert url.startswith(f"{fake_strava.url}/oauth/authorize?")
    assert "state=" in url and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
    # The athlete's browser: Strava's consent page redirects it to syncd's listener.
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.status == 200 and b"close this tab" in resp.read()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    path = token_path(tmp_path / "s")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert saved(tmp_path)["refresh_token"] == fake_strava.refresh_token
    assert CLIENT_SECRET not in out + err + path.read_text()
    assert fake_strava.calls("token authorization_code") == 1


def test_the_listener_ignores_a_request_with_another_state():
    listener = LoginListener()
    base = listener.redirect_uri
    import threading

    got = {}
    thread = threading.Thread(target=lambda: got.setdefault("r", listener.wait(10)))
    thread.start()
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{base}?state=guess&code=evil", timeout=5)
    assert exc.value.code == 400
    urllib.request.urlopen(f"{base}?state={listener.state}&code=good&scope=activity:read_all",
                           timeout=5).close()
    thread.join(10)
    assert got["r"].code == "good"


def test_first_sync_pages_then_a_quiet_cycle_is_one_call(fake_strava, tmp_path):
    fake_strava.generate(450, NOW - timedelta(hours=2), every_hours=5)  # 94 days
    src = source(fake_strava, tmp_path)
    obs = src.fetch(window())
    assert fake_strava.calls("list") == 3, fake_strava.log  # 200 + 200 + 50
    kinds = {r.title: r.kind for r in obs.completed_runs}
    assert kinds["City 10K"] is RunKind.RACE  # workout_type 1
    assert kinds["Long run"] is RunKind.LONG  # 105 min moving
    assert "Lunch Ride" not in kinds and {s.title for s in obs.strength} == {"Gym"}
    assert all(r.source == "strava" and r.moving_s for r in obs.completed_runs)
    before = len(fake_strava.log)
    again = src.fetch(window(NOW + timedelta(minutes=15)))
    assert fake_strava.log[before:] == [fake_strava.log[-1]]  # one list call, no token call
    assert fake_strava.log[-1].startswith("list")
    assert again.completed_runs == obs.completed_runs


def test_an_expiring_token_is_refreshed_and_saved_before_use(fake_strava, tmp_path):
    fake_strava.expires_at = int(NOW.timestamp()) + 60  # inside the 5-minute margin
    src = source(fake_strava, tmp_path)
    first_refresh = saved(tmp_path)["refresh_token"]
    fake_strava.generate(3, NOW - timedelta(hours=2))
    src.fetch(window())
    assert fake_strava.calls("token refresh_token") == 1
    assert saved(tmp_path)["refresh_token"] == fake_strava.refresh_token != first_refresh
    assert stat.S_IMODE(token_path(tmp_path / "s").stat().st_mode) == 0o600
    # Another process (a timer's oneshot) reads the rotated token from the file: no refresh.
    fake_strava.expires_at = 4_000_000_000
    src.state.close()
    other = StravaSource(src.settings, State(tmp_path / "s"))
    other.fetch(window(NOW + timedelta(hours=1)))
    assert fake_strava.calls("token refresh_token") == 2  # the saved one expired too
    assert saved(tmp_path)["refresh_token"] == fake_strava.refresh_token


def test_401_refreshes_once_and_retries_once(fake_strava, tmp_path):
    fake_strava.generate(3, NOW - timedelta(hours=2))
    src = source(fake_strava, tmp_path)
    fake_strava.expire_access()  # the file still says fresh: Strava says no
    obs = src.fetch(window())
    assert len(obs.completed_runs) == 3
    assert fake_strava.calls("list") == 2 and fake_strava.calls("token refresh_token") == 1
    fake_strava.fail = [401, 401]
    with pytest.raises(AuthError, match="syncd login strava"):
        src.fetch(window(NOW + timedelta(minutes=15)))
    assert fake_strava.calls("list") == 4  # no third try


def test_429_waits_for_the_window_and_sends_nothing_before(fake_strava, tmp_path):
    fake_strava.generate(3, NOW - timedelta(hours=2))
    src = source(fake_strava, tmp_path)
    src.fetch(window())
    fake_strava.usage = [200, 900]
    with pytest.raises(TransientError) as exc:
        src.fetch(window(NOW + timedelta(minutes=2)))  # 11:07 UTC
    assert exc.value.retry_after == 8 * 60  # until 11:15 UTC
    calls = fake_strava.calls("list")
    with pytest.raises(TransientError, match="rate limit"):
        src.fetch(window(NOW + timedelta(minutes=5)))
    assert fake_strava.calls("list") == calls  # nothing sent inside the window
    assert len(src.cached(window()).completed_runs) == 3  # the planner still has the runs
    fake_strava.usage = [0, 900]
    src.fetch(window(NOW + timedelta(minutes=11)))  # 11:16: a new window
    assert fake_strava.calls("list") == calls + 1


def test_a_used_up_day_waits_until_midnight_utc(fake_strava, tmp_path):
    src = source(fake_strava, tmp_path)
    fake_strava.usage = [5, 1999]  # this answer brings the day to its limit
    src.fetch(window())
    with pytest.raises(TransientError) as exc:
        src.fetch(window(NOW + timedelta(hours=1)))
    midnight = datetime(2026, 11, 25, tzinfo=UTC)
    assert exc.value.retry_after == (midnight - (NOW + timedelta(hours=1))).total_seconds()
    assert fake_strava.calls("list") == 1


def test_5xx_is_transient_and_the_cache_stays(fake_strava, tmp_path):
    fake_strava.generate(5, NOW - timedelta(hours=2))
    src = source(fake_strava, tmp_path)
    runs = src.fetch(window()).completed_runs
    fake_strava.fail = [503]
    with pytest.raises(TransientError, match="503"):
        src.fetch(window(NOW + timedelta(minutes=15)))
    assert src.cached(window()).completed_runs == runs


def test_no_login_is_an_auth_error_naming_the_command(fake_strava, tmp_path):
    with pytest.raises(AuthError, match="syncd login strava"):
        source(fake_strava, tmp_path, login=False).fetch(window())
    assert fake_strava.calls("list") == 0


def test_a_run_uploaded_late_is_found(fake_strava, tmp_path):
    fake_strava.generate(20, NOW - timedelta(hours=2))
    src = source(fake_strava, tmp_path)
    src.fetch(window())
    # Synced from the watch a day late: inside the two-day overlap of the next quiet cycle.
    fake_strava.add(0, NOW - timedelta(days=1, hours=4))
    got = src.fetch(window(NOW + timedelta(minutes=15)))
    assert any(r.start == (NOW - timedelta(days=1, hours=4)).astimezone(UTC)
               for r in got.completed_runs)
    # A week late: the day's re-read of the last 14 days finds it, still in one call.
    late = NOW - timedelta(days=7)
    fake_strava.add(0, late)
    calls = fake_strava.calls("list")
    quiet = src.fetch(window(NOW + timedelta(minutes=30)))
    assert not any(r.start == late.astimezone(UTC) for r in quiet.completed_runs)
    next_day = src.fetch(window(NOW + timedelta(days=1)))
    assert any(r.start == late.astimezone(UTC) for r in next_day.completed_runs)
    assert fake_strava.calls("list") == calls + 2


def test_login_without_the_section_is_one_line_naming_the_key(tmp_path):
    (tmp_path / "c.toml").write_text('[athlete]\ntimezone = "Europe/Berlin"\n')
    exe = Path(sys.executable).parent / "syncd"
    res = subprocess.run([str(exe), "--config", str(tmp_path / "c.toml"), "--state-dir",
                          str(tmp_path / "s"), "login", "strava"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode != 0
    assert "sources.strava.enabled" in res.stderr and "Traceback" not in res.stderr
    assert not token_path(tmp_path / "s").exists()


def test_dry_run_login_prints_the_address_and_saves_nothing(fake_strava, tmp_path):
    (tmp_path / "c.toml").write_text(config_text(fake_strava.url))
    exe = Path(sys.executable).parent / "syncd"
    res = subprocess.run([str(exe), "--config", str(tmp_path / "c.toml"), "--state-dir",
                          str(tmp_path / "s"), "--dry-run", "login", "strava"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "STRAVA_SECRET": CLIENT_SECRET})
    assert res.returncode == 0, res.stderr
    assert f"{fake_strava.url}/oauth/authorize?client_id={CLIENT_ID}" in res.stdout
    assert not token_path(tmp_path / "s").exists() and fake_strava.log == []


def test_a_revoked_login_is_an_auth_error_and_the_file_is_kept(fake_strava, tmp_path):
    fake_strava.expires_at = int(NOW.timestamp())  # expired: a refresh is due
    src = source(fake_strava, tmp_path)
    before = token_path(tmp_path / "s").read_text()
    fake_strava.refresh_token = "revoked-on-strava"  # the athlete revoked the application
    with pytest.raises(AuthError, match="syncd login strava"):
        src.fetch(window())
    assert fake_strava.calls("list") == 0
    assert token_path(tmp_path / "s").read_text() == before


def test_the_plan_keeps_stravas_runs_while_its_rate_limit_is_used_up(fake_strava, tmp_path):
    from syncd.cycle import make_plan

    fake_strava.generate(30, NOW - timedelta(hours=2))
    cfg = parse_config(config_text(fake_strava.url), "c.toml", base_dir=tmp_path,
                       env={"STRAVA_SECRET": CLIENT_SECRET})
    state = State(tmp_path / "s")
    token_path(state.directory).write_text(json.dumps(fake_strava.grant()))
    first = make_plan(cfg, state, NOW)
    assert first.errors == {}
    done = [r for r in first.plan.runs if r.source == "strava"]
    assert done and any(r.kind is RunKind.RACE for r in done)
    fake_strava.usage = list(fake_strava.limit)  # the next answer is a 429
    limited = make_plan(cfg, state, NOW + timedelta(minutes=1))
    assert "rate limit" in limited.errors["strava"] and limited.transient
    assert [r.id for r in limited.plan.runs if r.source == "strava"] == [r.id for r in done]
    calls = fake_strava.calls("list")
    make_plan(cfg, state, NOW + timedelta(minutes=3))  # backing off: Strava is not called
    assert fake_strava.calls("list") == calls
