"""The loop closed, end to end: the watch records a heavy session (exerciseSets in the
recorded shape, through the real garminconnect against the fake), the next cycle plans the
next back squat from it, the calendar event says why and the watch's workout carries the
new weight in kg."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from syncd.config.loader import load_config
from syncd.cycle import run_cycle
from syncd.state import State
from tests.integration.fake_garmin import write_tokens
from tests.integration.fake_garmin_workouts import FakeWorkouts
from tests.integration.garmin_workouts_helpers import config_text
from tests.integration.test_garmin_sets import recorded

pytestmark = pytest.mark.integration
NOW = datetime.fromisoformat("2026-11-23T06:00:00+01:00")  # a Monday morning, Berlin
STRENGTH = 5


def squats(workouts: FakeWorkouts) -> list[dict]:
    out = []

    def walk(steps):
        for st in steps:
            walk(st.get("workoutSteps", []))
            if st.get("exerciseName") == "BARBELL_BACK_SQUAT":
                out.append(st)

    for w in workouts.workouts.values():
        for seg in w["workoutSegments"]:
            walk(seg["workoutSteps"])
    return out


def test_what_was_lifted_sets_the_next_load_on_the_calendar_and_the_watch(fake_garmin,
                                                                        tmp_path: Path):
    workouts = FakeWorkouts(fake_garmin)
    cfg = tmp_path / "syncd.toml"
    ics = tmp_path / "plan.ics"
    cfg.write_text(config_text(fake_garmin.url, 'one_rep_max = { back_squat = 100.0 }')
                   + f'[ics]\npath = "{ics}"\n')
    config = load_config(str(cfg))
    state_dir = tmp_path / "state"
    write_tokens(state_dir)
    state = State(state_dir)
    run_cycle(config, state, NOW)
    before = {st["weightValue"] for st in squats(workouts)}
    assert before, "a back squat with a weight, from the static one-rep max"
    assert "last time:" not in ics.read_text()
    # Saturday evening: a strength activity with the recorded sets (4 × 6 at 90 kg)
    act = fake_garmin.add_newest(STRENGTH, NOW - timedelta(hours=36))
    fake_garmin.exercise_sets[act["activityId"]] = recorded(act["activityId"])
    run_cycle(config, state, NOW + timedelta(minutes=15))
    text = ics.read_text().replace("\r\n ", "")  # unfolded
    assert "last time: 4 × 6 at 90 kg" in text and "e1RM 108 kg" in text
    after = {st["weightValue"] for st in squats(workouts)}
    # e1RM 90 × (1 + 6/30) = 108; the base phase's 75 % = 81 → 80 kg (was 75 % of 100)
    assert before == {75.0} and after == {80.0}, (before, after)
    assert "today 80 kg" in text
    calls = [p for p in fake_garmin.log if p.endswith("/exerciseSets")]
    assert len(calls) == 1, "one call for the one new strength activity"


def test_status_and_home_assistant_say_what_was_lifted(fake_garmin, tmp_path: Path):
    import subprocess
    import sys
    from zoneinfo import ZoneInfo

    from syncd.mqtt.snapshot import read_view, values

    FakeWorkouts(fake_garmin)
    cfg = tmp_path / "syncd.toml"
    cfg.write_text(config_text(fake_garmin.url, 'one_rep_max = { back_squat = 100.0 }')
                   + f'[ics]\npath = "{tmp_path / "plan.ics"}"\n')
    config = load_config(str(cfg))
    state_dir = tmp_path / "state"
    write_tokens(state_dir)
    state = State(state_dir)
    run_cycle(config, state, NOW)
    planned = next(s for s in state.sessions() if "squat" in s.title.lower())
    act = fake_garmin.add_newest(STRENGTH, planned.start)  # done at the planned time
    fake_garmin.exercise_sets[act["activityId"]] = recorded(act["activityId"])
    later = planned.start + timedelta(hours=3)
    run_cycle(config, state, later)

    def status() -> str:
        return subprocess.run(
            [sys.executable, "-m", "syncd", "--config", str(cfg), "--state-dir", str(state_dir),
             "--now", later.isoformat(), "status"],
            capture_output=True, text=True, timeout=60, check=False).stdout

    out = status()
    # Epley by hand: 90 × (1 + 6/30) = 108; 60 × (1 + 8/30) = 76
    assert "what you lifted (from the watch):\n" \
        "  Back squat: Tue 24 Nov 4 × 6 at 90 kg, all reps; e1RM 108 kg\n" \
        "  Romanian deadlift: Tue 24 Nov 1 × 8 at 60 kg; e1RM 76 kg\n" in out, out
    last = next(line for line in out.splitlines() if "last strength session" in line)
    assert last.startswith("  last strength session (Tue 24 Nov, Strength: squat + split "
                           "squat · 45 min): partly done: Box jumps: 0 of 3 sets; "), last
    assert "Back squat" not in last, "the squats were all done"
    assert last.endswith("; … and 1 more"), "at most four missed exercises are named"
    tz = ZoneInfo("Europe/Berlin")
    view = read_view(state_dir, later.astimezone(tz).date())
    saturday = datetime.fromisoformat("2026-11-28T08:00:00+01:00")  # the RDL session's day
    v = values(view, saturday, tz, None, cycle_failed=False)
    told = ["Romanian deadlift: last time: 1 × 8 at 60 kg; e1RM 76 kg → today 57.5 kg"]
    assert v["today"][1] is not None and v["today"][1]["lifted"] == told
    assert v["next_title"][1] is not None and v["next_title"][1]["lifted"] == told
    monday = values(view, NOW + timedelta(days=7), tz, None, cycle_failed=False)
    assert monday["next_title"][1] == {**monday["next_title"][1], "lifted": []}
