"""What a newcomer meets in the first hour: commands that write nothing really write
nothing, output that never contradicts itself, and one clear line where it used to be a
traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from icalendar import Calendar

ROOT = Path(__file__).resolve().parents[2]

NOW = "2026-11-24T06:30:00+01:00"
REAL = ('[athlete]\ntimezone = "Europe/Berlin"\n[[plan.week]]\nday = "tue"\nkind = "quality"\n'
        'time = "07:00"\n[[plan.week]]\nday = "sun"\nkind = "long"\ntime = "08:00"\n'
        'duration_min = 100\n'
        'title = "Sunday long run through the forest and back along the river"\n')


def files(path):
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*")) if path.exists() else []


def test_plan_creates_no_state(cli):
    state = cli.home / ".state"
    res = cli("--now", NOW, "plan")
    assert res.returncode == 0, res.stderr
    assert "heavy" in res.stdout
    assert not state.exists(), files(state)


def test_plan_and_status_add_no_file_to_an_existing_state(cli):
    assert cli("--now", NOW, "run", "--once").returncode == 0
    state = cli.home / ".state"
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in state.rglob("*")}
    assert cli("--now", NOW, "plan").returncode == 0
    assert cli("status").returncode in (0, 1)
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in state.rglob("*")}
    assert after == before


def test_global_dry_run_writes_no_state_and_no_calendar(cli):
    res = cli("--dry-run", "--now", NOW, "run", "--once")
    assert res.returncode == 0, res.stderr
    assert "Would change (dry run):" in res.stdout
    assert not (cli.cwd / "syncd-demo.ics").exists()
    assert not (cli.home / ".state").exists(), files(cli.home / ".state")


def test_the_daemon_refuses_now_in_one_line(cli):
    res = cli("--now", NOW, "run", timeout=20)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0
    assert "--now" in res.stderr and "run --once" in res.stderr


def test_login_with_no_terminal_is_one_line(cli):
    res = cli("login")
    assert res.returncode == 2
    lines = [x for x in res.stderr.splitlines() if x.startswith("syncd:")]
    assert lines == ["syncd: no answer at the prompt (input closed); run this command in a "
                     "terminal"]
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr


def test_a_config_with_no_calendar_says_nothing_was_written(cli):
    path = cli.cwd / "config.toml"
    path.write_text(REAL)
    res = cli("--config", str(path), "--now", NOW, "run", "--once")
    assert res.returncode == 0, res.stderr
    assert "no calendar to write to, so nothing was written" in res.stderr
    assert "[ics] path, [calendar] url or [feed] listen" in res.stderr


def test_a_real_config_does_not_inherit_the_demo(cli):
    assert cli("--now", NOW, "run", "--once").returncode == 0
    path = cli.cwd / "config.toml"
    out = cli.cwd / "mine.ics"
    path.write_text(REAL + f'[ics]\npath = "{out}"\n')
    res = cli("--config", str(path), "--now", NOW, "run", "--once")
    assert res.returncode == 0, res.stderr
    changes = res.stdout.split("syncd plan")[0]
    assert "removed" not in changes and "moved" not in changes
    assert "new" in changes
    events = Calendar.from_ical(out.read_bytes()).events
    assert events and all(int(e.get("SEQUENCE", 0)) == 0 for e in events)


def test_each_change_is_said_once_and_a_repair_is_not_no_change(cli):
    first = cli("--now", NOW, "run", "--once")
    head = first.stdout.split("syncd plan")[0]
    titles = [line.split()[1] for line in head.splitlines() if line.startswith("  new")]
    assert titles
    # The sessions are listed under "Changes:" and not a second time under the calendar.
    assert head.count("  new ") == len(titles)
    assert "ics → " in head and f"wrote {len(titles)} events" in head
    (cli.cwd / "syncd-demo.ics").unlink()
    again = cli("--now", NOW, "run", "--once")
    head = again.stdout.split("syncd plan")[0]
    assert "The plan did not change." in head
    assert "No session changed" not in head
    assert "syncd-demo.ics was missing; rewrote it with its" in head
    assert (cli.cwd / "syncd-demo.ics").exists()


def test_an_unreached_calendar_is_said_beside_the_changes(cli):
    from tests.integration.servers import free_port

    path = cli.cwd / "config.toml"
    path.write_text(REAL + f'[calendar]\nurl = "http://127.0.0.1:{free_port()}/"\n'
                    'username = "ana"\npassword = "pw"\n')
    res = cli("--config", str(path), "--now", NOW, "run", "--once")
    assert res.returncode == 3
    assert "caldav: not reached" in res.stdout


def test_plan_has_a_legend_and_does_not_cut_titles(cli):
    path = cli.cwd / "config.toml"
    path.write_text(REAL)
    res = cli("--config", str(path), "--now", NOW, "plan")
    assert res.returncode == 0, res.stderr
    assert "Rules and goals:" in res.stdout
    legend = res.stdout.split("Rules and goals:")[1]
    table = res.stdout.split("Rules and goals:")[0]
    for code in sorted(set(c for c in table.split() if c[:1] in "RG" and c[1:].isdigit())):
        assert f"  {code} " in legend, code
    assert "Sunday long run through the" in table  # wrapped onto the next line, not cut
    assert "forest and back along the river" in table
    assert "…" not in table


def test_verbose_says_what_each_source_and_calendar_did(cli):
    quiet = cli("--now", NOW, "run", "--once")
    loud = cli("-v", "--now", NOW, "run", "--once")
    assert "source demo:" not in quiet.stderr
    assert "source demo:" in loud.stderr and "runs done" in loud.stderr
    assert "calendar ics:" in loud.stderr


def test_a_reader_that_leaves_early_gets_no_error():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCD_", "XDG_"))}
    with subprocess.Popen([sys.executable, "-m", "syncd", "--now", NOW, "plan", "--days", "84"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=30)
    assert "internal error" not in err and "Traceback" not in err


def _uids(path):
    return {str(e["UID"]) for e in Calendar.from_ical(path.read_bytes()).events}


def test_the_demo_and_your_own_file_share_no_uid(cli):
    """Issue 23: both files imported into one calendar must not clash."""
    assert cli("--now", NOW, "run", "--once").returncode == 0
    demo = _uids(cli.cwd / "syncd-demo.ics")
    path = cli.cwd / "config.toml"
    out = cli.cwd / "mine.ics"
    path.write_text(REAL + f'[ics]\npath = "{out}"\n')
    assert cli("--config", str(path), "--now", NOW, "run", "--once").returncode == 0
    mine = _uids(out)
    assert demo and mine and not demo & mine
    assert all(u.startswith("syncd-demo-") and u.endswith("@syncd") for u in demo)
    assert not any(u.startswith("syncd-demo-") for u in mine)
    # A second demo run keeps the same UIDs (an update, never a re-creation).
    assert cli("--now", NOW, "run", "--once").returncode == 0
    assert _uids(cli.cwd / "syncd-demo.ics") == demo


def test_the_demo_ends_with_the_command_to_paste(cli):
    res = cli("--now", NOW, "run", "--once", "--demo")
    assert res.returncode == 0, res.stderr
    last = res.stdout.rstrip().splitlines()[-1].strip()
    assert last == (f"mkdir -p ~/.config/syncd && {sys.executable} -m syncd config sample > "
                    "~/.config/syncd/config.toml")
    pasted = subprocess.run(["bash", "-c", last], cwd=cli.home, env=cli.env,
                            capture_output=True, text=True, timeout=60)
    assert pasted.returncode == 0, pasted.stderr
    assert (cli.home / ".config/syncd/config.toml").read_text().startswith(
        "# syncd configuration")


def test_the_demo_stays_the_demo_when_a_config_exists(cli):
    """Issue 23: `./scripts/demo` (`run --once --demo`) never runs the user's config."""
    mine = cli.cwd / "mine.ics"
    config = cli.home / ".config/syncd/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(REAL + f'[ics]\npath = "{mine}"\n')
    assert cli("--now", NOW, "run", "--once").returncode == 0
    assert mine.exists() and not (cli.cwd / "syncd-demo.ics").exists()
    before = mine.read_bytes()
    res = cli("--now", NOW, "run", "--once", "--demo")
    assert res.returncode == 0, res.stderr
    assert "The built-in demo runner" in res.stdout
    assert "~/.config/syncd/config.toml is not used" in res.stdout
    assert "The plan did not change." not in res.stdout
    assert "ics → " in res.stdout and (cli.cwd / "syncd-demo.ics").exists()
    assert mine.read_bytes() == before
    assert res.stdout.rstrip().splitlines()[-1].strip() == f"{sys.executable} -m syncd plan"
    # the daemon has no demo mode
    daemon = cli("run", "--demo", timeout=20)
    assert daemon.returncode == 2 and "run --once --demo" in daemon.stderr


def test_scripts_demo_runs_the_demo_whatever_config_exists():
    text = (ROOT / "scripts/demo").read_text()
    assert 'run --once --demo "$@"' in text


def test_a_text_only_change_is_not_called_no_change_and_says_why_the_time_stayed(cli):
    """Issue 23: after `preferred_time = "morning"` the report said "The plan did not
    change." and then listed updates at 18:00, with no word on the preferred time."""
    path = cli.cwd / "config.toml"
    out = cli.cwd / "mine.ics"
    path.write_text(REAL + f'[ics]\npath = "{out}"\n')
    assert cli("--config", str(path), "--now", NOW, "run", "--once").returncode == 0
    path.write_text(REAL.replace('[athlete]\n', '[athlete]\npreferred_time = "morning"\n')
                    + f'[ics]\npath = "{out}"\n')
    res = cli("--config", str(path), "--now", NOW, "run", "--once")
    assert res.returncode == 0, res.stderr
    head = res.stdout.split("syncd plan")[0]
    assert "The plan did not change." not in head
    assert "No session moved; the text of the sessions changed" in head
    assert "  update " in head
    text = "\n".join(str(e["DESCRIPTION"]) for e in Calendar.from_ical(out.read_bytes()).events)
    assert ("Not at your preferred time (07:00): kept where it was first planned, as a "
            "planned session moves only when a rule asks (G3)") in text
    # Tue's heavy session: the 07:00 quality run is in the way, and that is said
    assert "Not at your preferred time (07:00): at 07:00, overlaps the quality run" in text
    # and the next run, with nothing new, writes nothing: the text is stable
    res = cli("--config", str(path), "--now", NOW, "run", "--once")
    assert "The plan did not change." in res.stdout and "wrote" not in res.stdout
    explained = cli("--config", str(path), "--now", NOW, "plan", "--explain", "2026-11-26")
    assert "Not at your preferred time (07:00)" in explained.stdout


def test_pounds_from_the_config_to_the_terminal_and_the_calendar(cli):
    """Issue 23: `athlete.units = "lb"` for entering one_rep_max and reading every load."""
    path = cli.cwd / "config.toml"
    out = cli.cwd / "mine.ics"
    path.write_text(REAL.replace(
        '[athlete]\n', '[athlete]\nunits = "lb"\nrunning_since = 2020-01-01\n'
        'one_rep_max = { back_squat = 225, deadlift = 275 }\n') + f'[ics]\npath = "{out}"\n')
    checked = cli("--config", str(path), "config", "check")
    assert 'units = "lb"' in checked.stdout and "back_squat = 225" in checked.stdout
    assert cli("--config", str(path), "--now", NOW, "run", "--once").returncode == 0
    text = "\n".join(str(e["DESCRIPTION"]) for e in Calendar.from_ical(out.read_bytes()).events)
    assert re.search(r"\d+ lb \(~\d", text), text
    assert " kg" not in text
    explained = cli("--config", str(path), "--now", NOW, "plan", "--explain", "2026-11-24")
    assert re.search(r"Back squat: .*\d+(–\d+)? lb", explained.stdout), explained.stdout
    assert " kg" not in explained.stdout


def test_plan_days_past_the_horizon_name_it(cli):
    res = cli("--now", NOW, "plan", "--days", "21")
    assert res.returncode == 0, res.stderr
    assert ("Days 15–21 are past the planning horizon (rules.horizon_days = 14): no session "
            "is planned there yet.") in res.stdout
    assert "past the planning horizon" not in cli("--now", NOW, "plan", "--days", "7").stdout


def test_explain_defaults_to_today_and_refuses_a_day_out_of_range(cli):
    res = cli("--now", NOW, "plan", "--explain")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Tuesday 24 November 2026 · ")
    out = cli("--now", NOW, "plan", "--explain", "2027-06-01")
    assert out.returncode == 2
    assert out.stderr.strip() == ("syncd: --explain: Tue 01 Jun 2027 is outside the planned "
                                  "range 23 Nov–07 Dec; use --now to plan from another moment")


def test_explain_says_no_run_not_rest_day(cli):
    # the demo has no run on Mondays (its rest day) nor on some days with a session
    headers = [cli("--now", NOW, "plan", "--explain", f"2026-11-{d}").stdout.splitlines()[0]
               for d in range(23, 30)]
    assert not any("rest day" in h for h in headers), headers
    assert any(" · no run · " in h for h in headers), headers


def test_log_times_say_utc_and_verbose_names_an_empty_window(cli):
    import shutil

    fit = cli.home / "fit"
    fit.mkdir()
    shutil.copy(ROOT / "tests/data/fit/activity-small-fenix2-run.fit", fit / "old.fit")
    path = cli.cwd / "config.toml"
    path.write_text(REAL + f'[sources.fit]\nfolders = ["{fit}"]\n')
    res = cli("-v", "--config", str(path), "--now", NOW, "run", "--once")
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ INFO ", res.stderr, re.M), res.stderr
    assert "source fit: nothing" not in res.stderr
    assert ("source fit: no runs, lifts or readiness in the window read (history and plan)"
            in res.stderr), res.stderr


def test_the_daemon_says_it_started_and_stopped_at_the_default_level(cli):
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "syncd", "run"], cwd=cli.cwd, env=cli.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline and "syncd started" not in line:
            line = proc.stderr.readline()
        assert "syncd started: config <embedded default>" in line, line
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "syncd stopped" in rest, rest


def test_the_users_file_has_no_library_note_on_time_zones(cli):
    path = cli.cwd / "config.toml"
    out = cli.cwd / "mine.ics"
    path.write_text(REAL + f'[ics]\npath = "{out}"\n')
    assert cli("--config", str(path), "--now", NOW, "run", "--once").returncode == 0
    text = out.read_text()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Berlin" in text
    assert "COMMENT" not in text and "only works from" not in text
