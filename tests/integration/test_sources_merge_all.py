"""One run reported by Garmin Connect, Strava, intervals.icu and the watch's FIT file counts
once, with each service timing it its own way.

Garmin through the real garminconnect library against its fake, Strava through syncd's
client against its fake, the FIT file as the watch writes it; intervals.icu's copy is built
as a ``model.Run`` the way its source reports one (moving time beside the wall clock). All go
through ``cycle.gather``, the hub's merge point.

The differences are the real ones: Garmin's ``startTimeGMT`` and Strava's ``start_date`` are
the same UTC second, the watch's own clock is 20 s off; Garmin's ``duration`` is the timer
(auto-pause stopped it during a 15-minute café stop), a FIT file's and Strava's
``elapsed_time`` are the wall clock, Strava's and intervals.icu's moving times are their own
reckoning, a minute apart from Garmin's timer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.cycle import gather
from syncd.model import Run, RunKind, RunStatus
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.registry import sources_for
from syncd.sources.strava_auth import token_path
from syncd.state import State
from tests.fitwrite import Leg, activity_file
from tests.integration.fake_garmin import write_tokens
from tests.integration.fake_strava import CLIENT_ID, CLIENT_SECRET
from tests.integration.test_garmin_source import NOW, TZ

pytestmark = pytest.mark.integration
CAFE = NOW.astimezone(UTC).replace(hour=6, minute=30, second=0) - timedelta(days=1)
EVENING = CAFE.replace(hour=17)  # a second, separate run the same day


class IntervalsCopy:
    """intervals.icu's report of the same runs (its source is another helper's file)."""

    name = "intervals"

    def __init__(self, runs: tuple[Run, ...]) -> None:
        self.runs = runs

    def fetch(self, window: FetchWindow) -> Observations:
        return Observations(completed_runs=self.runs)


def intervals_run(start: datetime, elapsed_s: float, moving_s: float, n: int) -> Run:
    return Run(f"intervals:i{n}", "intervals", start, start + timedelta(seconds=elapsed_s),
               RunKind.EASY, RunStatus.COMPLETED, title="Morning Run", reason="HR zones",
               distance_m=moving_s * 3.0, detail=4, moving_s=moving_s)


def test_each_run_counts_once_across_garmin_strava_intervals_and_fit(fake_garmin,
                                                                      fake_strava, tmp_path):
    # Garmin: the timer stopped for the café: 50 min of 65 on the wall clock.
    cafe = fake_garmin.add_newest(0, CAFE)
    cafe.update(duration=3000.0, movingDuration=2985.0, elapsedDuration=3900.0)
    evening = fake_garmin.add_newest(0, EVENING)
    evening.update(duration=1800.0, movingDuration=1790.0, elapsedDuration=1830.0)
    # Strava: the same UTC second; moving time its own, elapsed the wall clock.
    s1 = fake_strava.add(0, CAFE)
    s1.update(moving_time=2940, elapsed_time=3900)
    s2 = fake_strava.add(0, EVENING)
    s2.update(moving_time=1770, elapsed_time=1830)
    # The watch's FIT files: its clock 20 s ahead, the wall clock as the session's length.
    folder = tmp_path / "Activity"
    folder.mkdir()
    (folder / "cafe.fit").write_bytes(activity_file(
        [Leg("running", CAFE + timedelta(seconds=20), 65, moving_minutes=50)]))
    (folder / "evening.fit").write_bytes(activity_file(
        [Leg("running", EVENING + timedelta(seconds=20), 30.5)]))
    intervals = IntervalsCopy((intervals_run(CAFE, 3900, 2960, 1),
                               intervals_run(EVENING, 1830, 1775, 2)))

    cfg = parse_config(
        f'[athlete]\ntimezone = "Europe/Berlin"\n'
        f'[sources.garmin]\nenabled = true\napi_url = "{fake_garmin.url}"\nreadiness = false\n'
        f'[sources.strava]\nenabled = true\nclient_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\napi_url = "{fake_strava.url}"\n'
        f'[sources.fit]\nfolders = ["{folder}"]\n', "c.toml", base_dir=tmp_path, env={})
    state_dir = tmp_path / "s"
    write_tokens(state_dir)
    token_path(state_dir).write_text(json.dumps(fake_strava.grant()))
    state = State(state_dir)
    sources = [*sources_for(cfg, state), intervals]
    assert [s.name for s in sources] == ["garmin", "strava", "fit", "intervals"]
    window = FetchWindow(NOW, NOW - timedelta(days=7), NOW + timedelta(days=21), TZ)
    errors: dict[str, str] = {}
    obs, _ = gather(sources, window, state, errors)
    assert errors == {}
    done = sorted(obs.completed_runs, key=lambda r: r.start)
    assert [r.start.astimezone(UTC) for r in done] == [CAFE, EVENING], done
    # Garmin's copy carries the most evidence (training effect, HR zones): it wins.
    assert [r.source for r in done] == ["garmin", "garmin"]

    # Without Garmin, the richest of the rest wins, still once each.
    obs2, _ = gather(sources[1:], window, state, errors)
    rest = sorted(obs2.completed_runs, key=lambda r: r.start)
    assert [r.start.astimezone(UTC) for r in rest] == [CAFE, EVENING]
    assert {r.source for r in rest} <= {"strava", "fit", "intervals"}


def test_a_warm_up_and_the_race_after_it_stay_two_runs(fake_strava, tmp_path: Path):
    """Different activities minutes apart are not merged: a 15-minute warm-up, then the race."""
    from syncd.sources.merge import merge_runs

    race = intervals_run(CAFE, 2700, 2690, 1)
    warm = intervals_run(CAFE - timedelta(minutes=25), 900, 880, 2)
    strava_race = Run("strava:1", "strava", CAFE + timedelta(seconds=1),
                      CAFE + timedelta(seconds=2705), RunKind.RACE, RunStatus.COMPLETED,
                      detail=6, moving_s=2680)
    kept = merge_runs([race, warm, strava_race])
    assert [(r.source, r.start) for r in kept] == [("intervals", warm.start),
                                                   ("strava", strava_race.start)]
