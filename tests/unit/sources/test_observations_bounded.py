"""Text from any source is bounded before the planner and the outputs see it (issue 20):
an activity named on a watch service can hold escape sequences and bidi overrides too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from syncd.cycle import gather
from syncd.model import BusyInterval, Race, RunKind, RunStatus, StrengthActivity
from syncd.sources.base import FetchWindow, Observations
from tests.helpers import MONDAY, TZ, run

HOSTILE = "Tempo\x1b]0;pwned\x07 \u202eevil\u202c" + "x" * 500


@dataclass
class OneSource:
    """A source that reports what a service sent, as it sent it."""

    name: str = "service"

    def fetch(self, window: FetchWindow) -> Observations:
        done = run(0, "07:00", 50, RunKind.QUALITY, title=HOSTILE, status=RunStatus.COMPLETED)
        return Observations(
            completed_runs=(done,),
            planned_runs=(run(2, "07:00", 50, RunKind.EASY, title=HOSTILE),),
            strength=(StrengthActivity("s1", "service", MONDAY, MONDAY + timedelta(hours=1),
                                       title=HOSTILE),),
            races=(Race(MONDAY.date() + timedelta(days=30), HOSTILE),),
            busy=(BusyInterval(MONDAY, MONDAY + timedelta(hours=1), HOSTILE),))


def test_every_title_from_a_source_is_cleaned_and_capped():
    window = FetchWindow(now=MONDAY, start=MONDAY - timedelta(days=7),
                         end=MONDAY + timedelta(days=14), tz=TZ)
    obs, _ = gather([OneSource()], window, None, {})  # type: ignore[list-item]
    texts = ([r.title for r in obs.completed_runs + obs.planned_runs]
             + [a.title for a in obs.strength] + [r.name for r in obs.races]
             + [b.title for b in obs.busy])
    assert len(texts) == 5
    for t in texts:
        assert not any(c in t for c in "\x1b\x07\u202e\u202c"), repr(t)
        assert t.startswith("Tempo") and len(t) <= 200
