"""Calls a cycle makes to Garmin for the workouts on the watch: 0, 1 and 5 moved sessions.

Run: python bench/bench_garmin_workouts.py
The real garminconnect talks to the local fake Garmin service (tests/integration), which
counts every request. Eight sessions of the next 14 days are on the watch; then cycles run
in which nothing changed, 1 session moved to another day, 5 moved, 1 got new content, and
1 disappeared. A full cycle (Garmin source + planner + workouts sink) with nothing changed
is measured too: its one activity-list read is the source's, not the sink's; and three
weeks of daily cycles with the real planner, to show what a season costs.
Then the reads of what was lifted (issue #21): the exerciseSets calls of full cycles as
strength activities arrive.
Targets (issue #12): nothing changed → 0 workout calls; each moved session → at most 2.
Targets (issue #21): at most one sets call per new strength activity; 0 in a quiet cycle.
A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_httpserver import HTTPServer

from syncd.config.loader import load_config
from syncd.cycle import run_cycle
from syncd.state import State
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.fake_garmin_workouts import FakeWorkouts
from tests.integration.garmin_workouts_helpers import (
    NOW,
    config_text,
    make_sink,
    moved,
    planned,
)


def cycle_calls(fake: FakeWorkouts, state_dir: Path, sessions, now: datetime = NOW) -> int:
    before = len(fake.calls)
    sink = make_sink(fake.fake, state_dir)
    sink.pull(now)
    sink.push(sessions, now, dry_run=False)
    return len(fake.calls) - before


def sink_figures(server: HTTPServer) -> None:
    print(f"{'cycle':<34}{'workout calls':>14}{'per session':>13}{'target':>10}")
    for label, change, k in [("nothing changed", "none", 0), ("1 session moved", "move", 1),
                             ("5 sessions moved", "move", 5), ("1 with new content", "content",
                                                                1),
                             ("1 session disappeared", "remove", 1)]:
        with tempfile.TemporaryDirectory() as tmp:
            server.clear()
            fake = FakeGarmin(server)
            workouts = FakeWorkouts(fake)
            state_dir = Path(tmp)
            base = planned(8, every_days=1)
            cycle_calls(workouts, state_dir, base)
            if change == "move":
                target = moved(base, list(range(k)), days=1)
            elif change == "content":
                target = [replace(s, exercises=s.exercises[:-1]) if i == 0 else s
                          for i, s in enumerate(base)]
            elif change == "remove":
                target = base[1:]
            else:
                target = base
            n = cycle_calls(workouts, state_dir, target)
            per = f"{n / k:.1f}" if k else "-"
            goal = "0" if change == "none" else "≤ 2" if change == "move" else ""
            print(f"{label:<34}{n:>14}{per:>13}{goal:>10}")




def full_cycle(server: HTTPServer) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server.clear()
        fake = FakeGarmin(server)
        workouts = FakeWorkouts(fake)
        now = datetime.now().astimezone()
        fake.generate(120, now - timedelta(hours=3))
        cfg_path = Path(tmp) / "syncd.toml"
        cfg_path.write_text(config_text(fake.url))
        config = load_config(str(cfg_path))
        state_dir = Path(tmp) / "state"
        write_tokens(state_dir)
        state = State(state_dir)
        run_cycle(config, state, now)
        first = (len(fake.log), len(workouts.calls))
        run_cycle(config, state, now + timedelta(minutes=15))
        total = len(fake.log) - first[0]
        work = len(workouts.calls) - first[1]
        print(f"\nfull cycle, first run: {first[0]} Garmin requests, {first[1]} of them workout "
              f"calls ({len(workouts.workouts)} workouts on the watch)")
        print(f"full cycle, nothing changed: {total} Garmin request(s), {work} workout calls "
              "(target 0)")


def three_weeks(server: HTTPServer) -> None:
    """21 daily cycles with the real planner, each followed by a quiet one an hour later."""
    import collections
    import re

    with tempfile.TemporaryDirectory() as tmp:
        server.clear()
        fake = FakeGarmin(server)
        workouts = FakeWorkouts(fake)
        start = datetime.now().astimezone().replace(hour=6, minute=0, second=0,
                                                    microsecond=0)
        fake.generate(120, start - timedelta(hours=3))
        cfg_path = Path(tmp) / "syncd.toml"
        cfg_path.write_text(config_text(fake.url))
        config = load_config(str(cfg_path))
        state_dir = Path(tmp) / "state"
        write_tokens(state_dir)
        state = State(state_dir)
        quiet = 0
        for day in range(21):
            run_cycle(config, state, start + timedelta(days=day))
            before = len(workouts.calls)
            run_cycle(config, state, start + timedelta(days=day, hours=1))
            quiet += len(workouts.calls) - before
        kinds = collections.Counter(f"{m} {re.sub(r'/[0-9]+', '/{id}', p)}"
                                    for m, p in workouts.calls)
        print(f"\n21 daily cycles with the real planner: {len(workouts.calls)} workout calls "
              f"({len(workouts.calls) / 21:.1f} a day); the 21 quiet cycles between: {quiet}")
        for what, n in sorted(kinds.items()):
            print(f"  {n:>4}  {what}")


def sets_calls(server: HTTPServer) -> None:
    """exerciseSets calls of full cycles: a first sync, quiet ones, a new run, new lifts."""
    from tests.integration.test_garmin_sets import recorded

    with tempfile.TemporaryDirectory() as tmp:
        server.clear()
        fake = FakeGarmin(server)
        FakeWorkouts(fake)
        now = datetime.now().astimezone()
        fake.generate(120, now - timedelta(hours=3))
        for act in fake.activities:
            if act["activityType"]["typeKey"] == "strength_training":
                fake.exercise_sets[act["activityId"]] = recorded(act["activityId"])
        cfg_path = Path(tmp) / "syncd.toml"
        cfg_path.write_text(config_text(fake.url))
        config = load_config(str(cfg_path))
        state_dir = Path(tmp) / "state"
        write_tokens(state_dir)
        state = State(state_dir)

        def calls() -> int:
            return sum(1 for p in fake.log if p.endswith("/exerciseSets"))

        recent = sum(1 for a in fake.activities
                     if a["activityType"]["typeKey"] == "strength_training"
                     and datetime.fromisoformat(a["startTimeGMT"].replace(" ", "T") + "+00:00")
                     >= now - timedelta(days=42))
        print(f"\n{'full cycle':<44}{'sets calls':>11}{'target':>9}")
        rows = []
        run_cycle(config, state, now)
        rows.append((f"first sync ({recent} strength in 42 days)", calls(), f"<= {recent}"))
        t = now
        for label, kind in [("quiet", None), ("quiet", None), ("a new run", 0),
                            ("a new strength activity", 5), ("quiet", None),
                            ("two new strength activities", 5)]:
            t += timedelta(hours=1)
            before = calls()
            new = 0
            for _ in range(2 if label.startswith("two") else (0 if kind is None else 1)):
                act = fake.add_newest(kind or 0, t - timedelta(minutes=50 - new))
                new += kind == 5
                fake.exercise_sets[act["activityId"]] = recorded(act["activityId"])
            run_cycle(config, state, t)
            rows.append((label, calls() - before, f"<= {new}"))
        for label, n, target in rows:
            print(f"{label:<44}{n:>11}{target:>9}")


def main() -> None:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        sink_figures(server)
        full_cycle(server)
        three_weeks(server)
        sets_calls(server)
    finally:
        server.clear()
        server.stop()


if __name__ == "__main__":
    main()
