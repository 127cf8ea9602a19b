"""`syncd` as a real process with `[garmin_workouts]`: dry run, writes, quiet cycles, and the
login failures a user meets (garth-era tokens, a throttled refresh, no network)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.fake_garmin_sso import FakeSso
from tests.integration.fake_garmin_workouts import FakeWorkouts
from tests.integration.garmin_workouts_helpers import config_text

pytestmark = pytest.mark.integration


def config(cli, garmin_url: str) -> Path:
    path = cli.home / "syncd.toml"
    path.write_text(config_text(garmin_url, "one_rep_max = { back_squat = 100, deadlift = "
                                            "120, front_squat = 80, hip_thrust = 110 }"))
    return path


def state_dir(cli) -> Path:
    d = cli.home / "state"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def tokens(cli, pair: dict[str, str]) -> Path:
    p = state_dir(cli) / "garmin_tokens.json"
    p.write_text(json.dumps(pair))
    p.chmod(0o600)
    return p


def run(cli, cfg: Path, *args: str):
    return cli("--config", str(cfg), "--state-dir", str(state_dir(cli)), *args)


@pytest.fixture
def garmin(fake_garmin):
    fake_garmin.generate(120, datetime.now().astimezone() - timedelta(hours=3))
    return fake_garmin, FakeSso(fake_garmin), FakeWorkouts(fake_garmin)


def test_dry_run_prints_the_workouts_then_a_run_puts_them_on_the_watch(cli, garmin):
    fake, sso, workouts = garmin
    cfg = config(cli, fake.url)
    tokens(cli, sso.issue())
    dry = run(cli, cfg, "run", "--once", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "garmin_workouts: would" in dry.stdout
    assert "CARDIO:" in dry.stdout and "rest" in dry.stdout
    assert workouts.calls == [], "a dry run sends nothing"

    first = run(cli, cfg, "run", "--once")
    assert first.returncode == 0, first.stderr
    assert workouts.workouts, "sessions are on the watch"
    plan = json.loads(run(cli, cfg, "plan", "--json").stdout)
    days = sorted(s["start"][:10] for s in plan["sessions"] if s["status"] == "planned")
    on_garmin = sorted(d for ds in workouts.scheduled().values() for d in ds)
    assert on_garmin and set(on_garmin) <= set(days)
    calls = len(workouts.calls)
    again = run(cli, cfg, "run", "--once")
    assert again.returncode == 0, again.stderr
    assert len(workouts.calls) == calls, "nothing changed: no workout call"


def test_garth_era_tokens_are_one_line_and_the_auth_exit_code(cli, garmin):
    fake, _, workouts = garmin
    cfg = config(cli, fake.url)
    (state_dir(cli) / "oauth1_token.json").write_text('{"oauth_token": "x"}')
    (state_dir(cli) / "oauth2_token.json").write_text('{"access_token": "y"}')
    res = run(cli, cfg, "run", "--once")
    assert res.returncode == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("syncd:")]
    assert lines and all("log in again with `syncd login`" in ln for ln in lines), res.stderr
    assert "Traceback" not in res.stderr and "not authenticated" not in res.stderr.lower()
    assert workouts.calls == []


def test_a_throttled_refresh_waits_and_says_when_the_next_try_is(cli, garmin):
    fake, sso, _ = garmin
    cfg = config(cli, fake.url)
    tokens(cli, sso.issue(expires_in=60))
    sso.refresh_429 = True
    for _ in range(2):  # a timer's oneshot, twice
        res = run(cli, cfg, "run", "--once")
        assert res.returncode == 3, res.stderr
        assert "next try at" in res.stderr and "Traceback" not in res.stderr
    assert sso.grants == ["throttled"], "the second run did not re-arm the throttle"


def test_login_offline_says_check_the_network(cli, tmp_path):
    cfg = config(cli, "http://127.0.0.1:9")
    res = subprocess.run([sys.executable, "-m", "syncd", "--config", str(cfg), "--state-dir",
                          str(state_dir(cli)), "login", "--email", "a@b.c"], input="pw\n",
                         capture_output=True, text=True, timeout=120, env=cli.env,
                         cwd=cli.cwd)
    assert res.returncode == 3, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.endswith("check the network and run `syncd login` again"), res.stderr
    assert "will retry" not in res.stderr


def test_three_weeks_of_daily_cycles_keep_the_watch_on_the_plan(garmin, tmp_path):
    """The real planner, source and sink, a cycle a day (and a quiet one an hour later):
    after each, Garmin holds exactly the planned sessions of the next 14 days, each on its
    day, and the quiet cycle makes no workout call."""
    from zoneinfo import ZoneInfo

    from syncd.config.loader import load_config
    from syncd.cycle import run_cycle
    from syncd.model import SessionStatus
    from syncd.sinks.garmin_steps import is_ours
    from syncd.state import State

    fake, sso, workouts = garmin
    cfg = tmp_path / "syncd.toml"
    cfg.write_text(config_text(fake.url))
    config = load_config(str(cfg))
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    (state_dir / "garmin_tokens.json").write_text(json.dumps(sso.issue()))
    state = State(state_dir)
    tz = ZoneInfo("Europe/Berlin")
    start = datetime.now(tz).replace(hour=6, minute=0, second=0, microsecond=0)
    for day in range(21):
        now = start + timedelta(days=day)
        result = run_cycle(config, state, now)
        assert "garmin_workouts" not in result.errors, result.errors
        today = now.date()
        wanted = {s.uid: s.start.astimezone(tz).date().isoformat() for s in result.plan.sessions
                  if s.status in (SessionStatus.PLANNED, SessionStatus.PINNED)
                  and today <= s.start.astimezone(tz).date() < today + timedelta(days=14)}
        assert wanted, "the plan has sessions ahead"
        ahead = {wid: ds for wid, ds in workouts.scheduled().items()
                 if ds and ds[0] >= today.isoformat()}
        for uid, d in wanted.items():
            mine = [wid for wid, b in workouts.workouts.items()
                    if is_ours(b["workoutName"], uid)]
            assert len(mine) == 1 and workouts.scheduled().get(mine[0]) == [d], (day, uid)
        assert len(ahead) == len(wanted), f"day {day}: nothing else of syncd's ahead"
        calls = len(workouts.calls)
        run_cycle(config, state, now + timedelta(hours=1))
        assert len(workouts.calls) == calls, f"day {day}: a quiet cycle makes no call"


def test_syncd_login_signs_in_at_api_url_and_saves_only_tokens(cli, garmin):
    fake, sso, _ = garmin
    cfg = config(cli, fake.url)
    res = subprocess.run([sys.executable, "-m", "syncd", "--config", str(cfg), "--state-dir",
                          str(state_dir(cli)), "login", "--email", "ana@example.org"],
                         input="hunter2\n", capture_output=True, text=True, timeout=120,
                         env=cli.env, cwd=cli.cwd)
    assert res.returncode == 0, res.stderr
    assert "Logged in as" in res.stdout and sso.logins == 1
    saved = state_dir(cli) / "garmin_tokens.json"
    assert saved.stat().st_mode & 0o777 == 0o600
    assert json.loads(saved.read_text())["di_refresh_token"] == sso.refresh_token
    assert "hunter2" not in saved.read_text() + res.stdout + res.stderr
