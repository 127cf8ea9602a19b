"""Garmin Connect and the watch's FIT folder report the same runs: the plan counts each once.

Through the real garminconnect library against the fake service, and FIT files written for
the same activities (start, length) as a watch would leave them on its USB drive.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.cycle import make_plan
from syncd.render import plan_json
from syncd.state import State
from tests.fitwrite import Leg, activity_file
from tests.integration.fake_garmin import write_tokens
from tests.integration.test_garmin_source import NOW

pytestmark = pytest.mark.integration


def test_garmin_and_the_watch_folder_count_each_run_once(fake_garmin, tmp_path: Path):
    fake_garmin.generate(40, NOW - timedelta(hours=2))
    folder = tmp_path / "GARMIN" / "Activity"
    folder.mkdir(parents=True)
    runs = 0
    for act in fake_garmin.activities:
        key = act["activityType"]["typeKey"]
        if key not in ("running", "trail_running", "treadmill_running"):
            continue
        runs += 1
        start = datetime.fromisoformat(act["startTimeGMT"]).replace(tzinfo=UTC)
        # The watch's clock and Garmin's differ by a few seconds; elapsed time adds a pause.
        leg = Leg("running", start + timedelta(seconds=20), act["duration"] / 60 + 1.5,
                  sub_sport="treadmill" if key == "treadmill_running" else "generic")
        (folder / f"{act['activityId']}.fit").write_bytes(activity_file([leg]))
    cfg = parse_config(
        f'[athlete]\ntimezone = "Europe/Berlin"\n[sources.garmin]\nenabled = true\n'
        f'api_url = "{fake_garmin.url}"\nreadiness = false\n'
        f'[sources.fit]\nfolders = ["{folder}"]\n', "c.toml", base_dir=tmp_path, env={})
    write_tokens(tmp_path / "s")
    result = make_plan(cfg, State(tmp_path / "s"), NOW)
    assert result.errors == {}
    done = [r for r in json.loads(plan_json(result.plan))["runs"] if r["status"] == "completed"]
    assert done and len(done) <= runs
    sources = Counter(r["source"] for r in done)
    assert sources == {"garmin": len(done)}, "Garmin's record is the richer: it wins"
    starts = [r["start"] for r in done]
    assert len(starts) == len(set(starts)), "no run twice"
    # And without Garmin, the folder alone gives the same runs.
    cfg_fit = parse_config(f'[athlete]\ntimezone = "Europe/Berlin"\n[sources.fit]\n'
                           f'folders = ["{folder}"]\n', "c.toml", base_dir=tmp_path, env={})
    alone = make_plan(cfg_fit, State(tmp_path / "s2"), NOW)
    fit_done = [r for r in alone.plan.runs if r.status.value == "completed"]
    assert len(fit_done) == len(done) and {r.source for r in fit_done} == {"fit"}
