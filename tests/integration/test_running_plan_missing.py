"""A planned-run source that cannot be read, end to end through `run --once` and `status`.

With a last good copy the plan keeps the runs; with none, the output and `syncd status`
both say loudly that the running plan is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PLAN = Path(__file__).resolve().parents[1] / "data" / "training-plan.ics"
NOW = "2026-11-24T06:30:00+01:00"
pytestmark = pytest.mark.integration


def _config(cli, plan: Path) -> Path:
    config = cli.home / "config.toml"
    config.write_text(f"""
[athlete]
timezone = "Europe/Berlin"
[sources.calendar]
ics_path = "{plan}"
[ics]
path = "{cli.cwd / 'strength.ics'}"
""")
    return config


def test_first_run_without_the_plan_says_it_is_missing(cli):
    config = _config(cli, cli.home / "not-there.ics")
    res = cli("--config", str(config), "--now", NOW, "run", "--once")
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert "WARNING: RUNNING PLAN MISSING: sources.calendar.ics_path" in res.stderr
    assert "syncd plan" in res.stdout, "it still plans"
    status = cli("--config", str(config), "--now", NOW, "status")
    assert "WARNING: RUNNING PLAN MISSING" in status.stdout, status.stdout
    assert "source:running-calendar" in status.stdout and "FAILING" in status.stdout


def test_a_plan_that_goes_away_is_replaced_by_its_last_good_copy(cli):
    plan = cli.home / "plan.ics"
    plan.write_text(PLAN.read_text())
    config = _config(cli, plan)
    first = cli("--config", str(config), "--now", NOW, "run", "--once")
    assert first.returncode == 0, first.stderr
    assert "Intervals 6x800m" in first.stdout
    plan.unlink()
    again = cli("--config", str(config), "--now", NOW, "run", "--once")
    assert again.returncode == 1
    assert "cannot read" in again.stderr and "MISSING" not in again.stderr
    assert "Intervals 6x800m" in again.stdout, "the runs of the last good copy are planned"
    assert "The plan did not change." in again.stdout, "sessions not re-planned around a gap"
    status = cli("--config", str(config), "--now", NOW, "status")
    assert "MISSING" not in status.stdout and "FAILING" in status.stdout
