"""One activity from several sources counts once; the richer copy wins and says its source."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from syncd.cycle import gather
from syncd.model import Run, RunKind, RunStatus, StrengthActivity
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.merge import merge_runs, merge_strength, same_activity

T = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the night Europe/Berlin leaves summer time


def run(source: str, start: datetime, minutes: float, detail: int = 1,
        kind: RunKind = RunKind.EASY) -> Run:
    return Run(f"{source}:{start.isoformat()}", source, start, start + timedelta(minutes=minutes),
               kind, RunStatus.COMPLETED, title=f"{source} run", detail=detail)


def test_same_start_within_two_minutes_and_about_the_same_length():
    a = run("garmin", T, 60)
    assert same_activity(a, run("fit", T + timedelta(seconds=119), 62))
    assert same_activity(a, run("fit", T - timedelta(seconds=120), 66), ), "10 % of an hour"
    assert not same_activity(a, run("fit", T + timedelta(seconds=121), 60))
    assert not same_activity(a, run("fit", T, 40)), "a shorter run at the same time"
    short = run("garmin", T, 20)
    assert same_activity(short, run("fit", T, 23)) and not same_activity(short, run("fit", T, 24))


def test_the_richer_copy_wins_whatever_the_order():
    garmin = run("garmin", T, 60, detail=7, kind=RunKind.QUALITY)
    fit = run("fit", T + timedelta(seconds=30), 61, detail=3)
    for order in ([garmin, fit], [fit, garmin]):
        assert merge_runs(order) == [garmin]


def test_two_runs_of_one_day_stay_two():
    morning, evening = run("garmin", T, 40), run("garmin", T + timedelta(hours=9), 40)
    copies = [morning, evening, replace(evening, source="fit", id="fit:x", detail=0)]
    assert merge_runs(copies) == [morning, evening]


def test_strength_copies_count_once():
    lift = StrengthActivity("garmin:1", "garmin", T, T + timedelta(minutes=45))
    again = StrengthActivity("fit:1", "fit", T + timedelta(minutes=1), T + timedelta(minutes=46))
    assert merge_strength([lift, again]) == [lift]


class Fixed:
    def __init__(self, name: str, obs: Observations) -> None:
        self.name, self.obs = name, obs

    def fetch(self, window: FetchWindow) -> Observations:
        return self.obs


def test_gather_merges_across_sources():
    tz = ZoneInfo("Europe/Berlin")
    window = FetchWindow(T + timedelta(days=1), T - timedelta(weeks=16), T + timedelta(days=21), tz)
    runs = [run("garmin", T + timedelta(days=d), 45, detail=6) for d in range(5)]
    fit = [replace(r, source="fit", id=f"fit:{i}", detail=2,
                   end=r.end + timedelta(minutes=1)) for i, r in enumerate(runs)]
    planned = replace(runs[0], status=RunStatus.PLANNED, source="calendar", id="plan")
    obs, transient = gather([Fixed("garmin", Observations(completed_runs=tuple(runs))),
                             Fixed("fit", Observations(completed_runs=tuple(fit),
                                                       planned_runs=(planned,)))],
                            window, None, {})
    assert not transient
    assert [r.source for r in obs.completed_runs] == ["garmin"] * 5
    assert obs.planned_runs == (planned,), "planned runs are not merged with done ones"
