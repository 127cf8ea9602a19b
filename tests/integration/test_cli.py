"""The command line end to end, as a newcomer and as a script would use it."""

from __future__ import annotations

import json
import re
import stat
from datetime import datetime

import pytest
from icalendar import Calendar

NOW = "2026-11-24T06:30:00+01:00"


def test_demo_run_once_prints_a_plan_and_writes_a_valid_ics(cli):
    res = cli("--now", NOW, "run", "--once")
    assert res.returncode == 0, res.stderr
    assert "No config file found: using the built-in demo runner" in res.stdout
    assert "syncd plan · now Tue 24 Nov 2026 06:30 (Europe/Berlin)" in res.stdout
    assert "heavy" in res.stdout
    ics = cli.cwd / "syncd-demo.ics"
    cal = Calendar.from_ical(ics.read_bytes())
    cal.validate()
    assert cal.events, "the demo plans sessions"
    assert all(str(e["UID"]).startswith("syncd-") for e in cal.events)
    # The demo keeps its state beneath the real one, so a first real run starts clean.
    state_db = cli.home / ".state" / "syncd" / "demo" / "state.sqlite3"
    assert stat.S_IMODE(state_db.stat().st_mode) == 0o600
    assert stat.S_IMODE(state_db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(state_db.parent.parent.stat().st_mode) == 0o700

    again = cli("--now", NOW, "run", "--once")
    assert again.returncode == 0, again.stderr
    assert "The plan did not change." in again.stdout
    assert "write" not in again.stdout.split("syncd plan")[0]
    assert ics.read_bytes() == cal.to_ical()


def test_dry_run_writes_nothing(cli):
    res = cli("--now", NOW, "run", "--once", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "Would change (dry run):" in res.stdout
    assert "ics → " in res.stdout and "would" in res.stdout
    assert not (cli.cwd / "syncd-demo.ics").exists()


def test_plan_json_has_the_documented_shape(cli):
    res = cli("--now", NOW, "plan", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) == {"now", "timezone", "phase", "runs", "sessions", "warnings"}
    assert doc["timezone"] == "Europe/Berlin"
    assert datetime.fromisoformat(doc["now"]).utcoffset() is not None
    assert doc["runs"] and doc["sessions"]
    assert set(doc["runs"][0]) == {"start", "end", "kind", "status", "title", "source", "reason"}
    assert set(doc["sessions"][0]) == {"uid", "kind", "start", "end", "status", "title", "rules",
                                       "explanation", "exercises"}
    for s in doc["sessions"]:
        assert datetime.fromisoformat(s["start"]).utcoffset() is not None
        assert all(r[0] in "RG" for r in s["rules"])
    completed = [r for r in doc["runs"] if r["status"] == "completed"]
    assert completed and all(r["reason"] for r in completed)


def test_now_replays_the_same_plan(cli):
    a = cli("--now", NOW, "plan", "--json")
    b = cli("--now", NOW, "plan", "--json")
    assert a.stdout == b.stdout


def test_plan_explain_shows_refused_times_and_rules(cli):
    res = cli("--now", NOW, "plan", "--explain", "2026-11-24")
    assert res.returncode == 0, res.stderr
    assert "Tuesday 24 November 2026" in res.stdout
    assert "Times refused for heavy:" in res.stdout
    assert "(R3)" in res.stdout


def test_plan_explain_shows_what_the_session_holds(cli):
    res = cli("--now", NOW, "plan", "--explain", "2026-11-24")
    assert res.returncode == 0, res.stderr
    session = res.stdout.split("Session:")[1]
    # The warm-up scales with the session (a third at most) and leaves out the cardio part
    # after the morning's run (issue 22).
    warm = re.search(r"Time: (\d+) min warm-up \+ \d+ min of sets = \d+ of 45 min\.", session)
    assert warm is not None and int(warm[1]) <= 15, session
    assert "Warm-up: " in session and "No cardio part" in session
    assert "  1. " in session and "main lift" in session


@pytest.mark.parametrize("config, expected", [
    ('[athlete]\nrest_days = ["funday"]\n',
     "at 'athlete.rest_days[0]': expected a weekday (mon..sun), got 'funday'"),
    ("[athlete]\nfoo = 1\n", "at 'athlete.foo': unknown key 'foo'"),
    ('[athlete]\ntimezone = "Nowhere/City"\n', "at 'athlete.timezone': expected an IANA"),
    ("[athlete\n", "invalid TOML at line 1"),
    ('[daemon]\ninterval_minutes = "often"\n', "at 'daemon.interval_minutes': expected"),
])
def test_bad_config_is_one_line_and_exit_2(cli, config, expected):
    path = cli.cwd / "config.toml"
    path.write_text(config)
    res = cli("--config", str(path), "run", "--once")
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"syncd: {path}: ")
    assert expected in lines[0]
    assert "Traceback" not in res.stderr


def test_missing_config_file_is_exit_2(cli):
    res = cli("--config", "/nonexistent/syncd.toml", "plan")
    assert res.returncode == 2
    assert res.stderr.strip() == ("syncd: /nonexistent/syncd.toml: config file not found; "
                                  "create it (see config/syncd.example.toml) or fix the path")


def test_bad_now_is_exit_2(cli):
    res = cli("--now", "yesterday", "plan")
    assert res.returncode == 2
    assert "--now: expected an ISO 8601 time" in res.stderr


def test_config_check_prints_effective_config_with_secret_masked(cli):
    path = cli.cwd / "config.toml"
    path.write_text('[calendar]\nurl = "https://dav.invalid/"\npassword = "hunter2"\n')
    res = cli("--config", str(path), "config", "check")
    assert res.returncode == 0, res.stderr
    assert "hunter2" not in res.stdout + res.stderr
    assert 'password = "********"' in res.stdout
    assert "heavy_to_quality_hours = 36.0" in res.stdout


def test_config_from_xdg_is_used(cli):
    cfg = cli.home / ".config" / "syncd"
    cfg.mkdir(parents=True)
    (cfg / "config.toml").write_text(
        '[athlete]\ntimezone = "America/New_York"\n[[plan.week]]\nday = "tue"\n'
        'kind = "quality"\ntime = "06:00"\n[ics]\npath = "mine.ics"\n')
    res = cli("--now", "2026-11-24T05:00", "run", "--once")
    assert res.returncode == 0, res.stderr
    assert "No config file found" not in res.stdout
    assert "(America/New_York)" in res.stdout
    assert (cfg / "mine.ics").exists()


def test_help_lists_the_commands(cli):
    res = cli("--help")
    assert res.returncode == 0
    for command in ("run", "plan", "config", "status"):
        assert command in res.stdout


def test_unreachable_caldav_server_is_exit_3_and_one_line(cli):
    from tests.integration.servers import free_port

    port = free_port()  # nothing listens here
    path = cli.cwd / "config.toml"
    path.write_text(f'[calendar]\nurl = "http://127.0.0.1:{port}/"\nusername = "ana"\n'
                    'password = "s3cret-pw"\n[[plan.week]]\nday = "tue"\nkind = "quality"\n')
    res = cli("-q", "--config", str(path), "--now", NOW, "run", "--once")
    assert res.returncode == 3, res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("syncd: caldav:")]
    assert len(errors) == 1 and "did not answer" in errors[0] and "will retry" in errors[0]
    assert "s3cret-pw" not in res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def test_refused_login_is_exit_1_naming_url_and_user(cli, tmp_path):
    from tests.integration.servers import radicale

    server = radicale(tmp_path, auth=True)
    server.start()
    try:
        path = cli.cwd / "config.toml"
        path.write_text(f'[calendar]\nurl = "{server.url}"\nusername = "runner"\n'
                        'password = "not-the-password"\n')
        res = cli("-q", "--config", str(path), "--now", NOW, "run", "--once")
        assert res.returncode == 1, res.stderr
        line = next(x for x in res.stderr.splitlines() if x.startswith("syncd: caldav:"))
        assert f"CalDAV server {server.url.rstrip('/')} refused the login for user 'runner'" in line
        assert "not-the-password" not in res.stdout + res.stderr
    finally:
        server.stop()
