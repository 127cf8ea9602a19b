"""Calls a cycle makes to intervals.icu, for the source and for the sink: first, quiet, one change.

Run: python bench/bench_intervals_icu.py
The real source and sink talk over HTTP to the local fake intervals.icu (tests/integration),
which counts every request. Source: a first cycle (112 days of history), a quiet cycle
15 minutes later, and a cycle after one new activity. Sink: three sessions written, a
quiet cycle, one session moved by the plan, and one moved by the athlete in the web UI.
Targets (issue #25): a quiet cycle costs a couple of small calls for the source and at most
one for the sink. A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncd.sinks.intervals_icu import IntervalsIcuSink
from syncd.sources.base import FetchWindow
from syncd.sources.intervals_icu import IntervalsIcuSource
from syncd.state import State
from tests.integration.fake_intervals_icu import FakeIntervals, serve
from tests.integration.intervals_fixtures import NOW, TZ, activity, config, history, wellness
from tests.integration.test_intervals_icu_sink import PLAN


def counted(fake: FakeIntervals, fn) -> str:
    before = list(fake.log)
    fn()
    new = fake.log[len(before):]
    kinds = {}
    for method, path in new:
        key = f"{method} {path.rsplit('/', 1)[-1] if method == 'GET' else 'events'}"
        kinds[key] = kinds.get(key, 0) + 1
    detail = ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items()))
    return f"{len(new):>2} calls  ({detail or 'none'})"


def window(now):
    return FetchWindow(now, now - timedelta(weeks=16), now + timedelta(days=21), TZ)


def main() -> None:
    with serve(FakeIntervals()) as fake, tempfile.TemporaryDirectory() as tmp:
        fake.activities = history()
        fake.wellness = wellness(today_hrv=60.0)
        src = IntervalsIcuSource(config(fake.url), State(Path(tmp) / "a"))
        print("source (activities, planned runs, wellness):")
        print("  first cycle      ", counted(fake, lambda: src.fetch(window(NOW))))
        later = NOW + timedelta(minutes=15)
        print("  quiet cycle      ", counted(fake, lambda: src.fetch(window(later))))
        fake.activities.append(activity("i424242", NOW + timedelta(minutes=20)))
        then = NOW + timedelta(minutes=30)
        print("  one new activity ", counted(fake, lambda: src.fetch(window(then))))
        tomorrow = NOW + timedelta(days=1)
        print("  next day         ", counted(fake, lambda: src.fetch(window(tomorrow))))

    with serve(FakeIntervals()) as fake, tempfile.TemporaryDirectory() as tmp:
        sink = IntervalsIcuSink(config(fake.url), State(Path(tmp) / "b"), "Europe/Berlin")

        def cycle(plan, now):
            def run():
                sink.pull(now)
                sink.push(plan, now, dry_run=False)
            return run

        print("sink (3 sessions ahead):")
        print("  first cycle      ", counted(fake, cycle(PLAN, NOW)))
        print("  quiet cycle      ", counted(fake, cycle(PLAN, NOW + timedelta(minutes=15))))
        moved = [replace(PLAN[0], start=PLAN[0].start + timedelta(hours=1),
                         end=PLAN[0].end + timedelta(hours=1)), *PLAN[1:]]
        print("  plan moved one   ", counted(fake, cycle(moved, NOW + timedelta(minutes=30))))
        ev = next(e for e in fake.events.values() if e["external_id"].endswith(PLAN[1].uid))
        ev["start_date_local"] = ev["start_date_local"][:11] + "06:30:00"
        print("  athlete moved one", counted(fake, cycle(moved, NOW + timedelta(minutes=45))))
        print("  quiet cycle      ", counted(fake, cycle(moved, NOW + timedelta(minutes=60))))


if __name__ == "__main__":
    main()
