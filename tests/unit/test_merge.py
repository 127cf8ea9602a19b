"""One activity from several sources counts once; the richer copy wins and says its source."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60 * 24 * 60), st.integers(20, 180)), min_size=1,
                max_size=25),
       st.lists(st.integers(-110, 110), min_size=25, max_size=25))
def test_copies_shifted_by_under_two_minutes_merge_back_to_the_runs(runs, shifts):
    """Runs that do not overlap (one athlete), each plus a copy from another source a few
    seconds off, give back exactly the runs."""
    candidates = [run("garmin", T + timedelta(minutes=m), d, detail=5) for m, d in runs]
    originals = [r for r in candidates if not any(
        o is not r and o.start < r.end and r.start < o.end for o in candidates)]
    copies = [replace(r, source="fit", id=f"fit:{i}", detail=2,
                      start=r.start + timedelta(seconds=shifts[i]),
                      end=r.end + timedelta(seconds=shifts[i]))
              for i, r in enumerate(originals)]
    merged = merge_runs(copies + originals)
    assert sorted(merged, key=lambda r: r.start) == sorted(originals, key=lambda r: r.start)
