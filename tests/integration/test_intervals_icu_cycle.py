"""The real cycle (sources → planner → sinks) with intervals.icu on both sides."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncd.config.loader import load_config
from syncd.cycle import run_cycle
from syncd.model import SessionStatus
from syncd.state import State
from tests.integration.fake_intervals_icu import FakeIntervals, serve
from tests.integration.intervals_fixtures import activity

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Europe/Berlin")


def test_two_weeks_of_daily_cycles_keep_the_calendar_on_the_plan(tmp_path: Path):
    start = datetime(2026, 11, 2, 6, 0, tzinfo=TZ)
    with serve(FakeIntervals()) as fake:
        fake.activities = [activity(f"i{n}", start - timedelta(days=n, hours=-1))
                           for n in range(1, 30, 2)]
        for day in range(0, 21, 7):  # a weekly quality session and long run
            d = (start + timedelta(days=day + 1)).date()
            fake.add_event(category="WORKOUT", type="Run", name="Threshold intervals",
                           start_date_local=f"{d}T07:00:00", moving_time=3600)
            d = (start + timedelta(days=day + 5)).date()
            fake.add_event(category="WORKOUT", type="Run", name="Long run",
                           start_date_local=f"{d}T08:00:00", moving_time=7200)
        cfg = tmp_path / "syncd.toml"
        cfg.write_text(f'[athlete]\ntimezone = "Europe/Berlin"\n'
                       f'[sources.intervals_icu]\nenabled = true\nathlete_id = "i12345"\n'
                       f'api_key = "{fake.key}"\napi_url = "{fake.url}"\n'
                       f'[intervals_icu]\nenabled = true\ndays = 7\n')
        config = load_config(str(cfg), env={})
        (tmp_path / "state").mkdir(mode=0o700)
        state = State(tmp_path / "state")
        for day in range(14):
            now = start + timedelta(days=day)
            result = run_cycle(config, state, now)
            assert not result.errors, result.errors
            today = now.date()
            wanted = {s.uid: s.start.astimezone(TZ).replace(tzinfo=None).isoformat()
                      for s in result.plan.sessions
                      if s.status in (SessionStatus.PLANNED, SessionStatus.PINNED)
                      and today <= s.start.astimezone(TZ).date() < today + timedelta(days=7)}
            assert wanted, f"day {day}: the plan has sessions ahead"
            ours = {e["external_id"][6:]: e["start_date_local"] for e in fake.events.values()
                    if (e.get("external_id") or "").startswith("syncd:")
                    and e["start_date_local"][:10] >= today.isoformat()}
            assert ours == wanted, f"day {day}"
            writes = len(fake.log) - fake.calls("GET")
            gets = fake.calls("GET")
            run_cycle(config, state, now + timedelta(minutes=30))
            assert len(fake.log) - fake.calls("GET") == writes, f"day {day}: quiet writes"
            assert fake.calls("GET") - gets <= 3, f"day {day}: a quiet cycle's reads"


def _run(cfg: Path, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syncd", "--config", str(cfg), "--state-dir",
                           str(state), "run", "--once", *extra], capture_output=True,
                          text=True, timeout=120)


def test_cli_writes_to_intervals_only_and_a_wrong_key_is_one_line(tmp_path: Path):
    with serve(FakeIntervals()) as fake:
        cfg = tmp_path / "syncd.toml"
        state = tmp_path / "state"
        text = ('[athlete]\ntimezone = "Europe/Berlin"\n[sources.intervals_icu]\n'
                'enabled = true\nathlete_id = "i12345"\napi_key = "{key}"\n'
                f'api_url = "{fake.url}"\n[intervals_icu]\nenabled = true\ndays = 7\n')
        cfg.write_text(text.format(key="not-the-key"))
        res = _run(cfg, state)
        assert res.returncode == 1, res.stderr
        errors = [ln for ln in res.stderr.splitlines() if ln.startswith("syncd: intervals_icu")]
        assert errors and all("sources.intervals_icu.api_key" in ln for ln in errors)
        assert "Traceback" not in res.stderr and "not-the-key" not in res.stderr
        assert not fake.events
        cfg.write_text(text.format(key=fake.key))
        res = _run(cfg, tmp_path / "state2")
        assert res.returncode == 0, res.stderr
        assert "no calendar to write to" not in res.stderr
        assert "intervals_icu: wrote" in res.stdout
        assert fake.events and all(e["type"] == "WeightTraining" for e in fake.events.values())
