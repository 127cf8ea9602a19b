"""Planner speed: a 12-week horizon over 5 years of history (~1,500 runs); target < 50 ms.

Run: python bench/bench_planner.py
Prints the median wall time of plan() (one core, one process) for the headline case, then
two series to show how cost grows: with history (at a 12-week horizon) and with horizon (at
5 years of history). A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import random
import statistics
import time as clock
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.model import (
    Athlete,
    Race,
    RacePriority,
    RuleSettings,
    Run,
    RunKind,
    RunStatus,
    Session,
    SessionKind,
    SessionStatus,
    StrengthActivity,
)
from syncd.planner import PlanInputs, plan

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=TZ)
WEEK = ((1, RunKind.QUALITY, 60), (2, RunKind.EASY, 45), (3, RunKind.QUALITY, 60),
        (4, RunKind.EASY, 40), (6, RunKind.LONG, 110))


def scenario(history_runs: int, horizon_weeks: int, seed: int = 7) -> PlanInputs:
    rng = random.Random(seed)
    weeks_back = max(1, history_runs // len(WEEK) + 1)
    completed, strength, published = [], [], []
    monday = NOW.date() - timedelta(days=NOW.weekday())
    for w in range(weeks_back, 0, -1):
        base = monday - timedelta(days=7 * w)
        for day, kind, minutes in WEEK:
            if len(completed) >= history_runs:
                break
            start = datetime.combine(base + timedelta(days=day), time(7), TZ)
            start += timedelta(minutes=rng.randint(-30, 30))
            completed.append(Run(f"c{len(completed)}", "bench", start,
                                 start + timedelta(minutes=minutes), kind,
                                 RunStatus.COMPLETED, "run", "bench"))
        for day in (1, 3):
            s = datetime.combine(base + timedelta(days=day), time(18), TZ)
            strength.append(StrengthActivity(f"s{w}-{day}", "bench", s, s + timedelta(minutes=45)))
            published.append(Session(f"syncd-b{w}-{day}@syncd", SessionKind.HEAVY, s,
                                     s + timedelta(minutes=45), SessionStatus.DONE))
    planned = []
    for w in range(horizon_weeks + 1):
        base = monday + timedelta(days=7 * w)
        for day, kind, minutes in WEEK:
            start = datetime.combine(base + timedelta(days=day), time(7), TZ)
            planned.append(Run(f"p{w}-{day}", "bench", start, start + timedelta(minutes=minutes),
                               kind, RunStatus.PLANNED, "planned"))
    return PlanInputs(
        athlete=Athlete(timezone="Europe/Berlin", rest_days=frozenset({0}), core_per_week=2),
        rules=RuleSettings(), races=(Race(NOW.date() + timedelta(days=70), "A race",
                                          RacePriority.A),),
        planned_runs=tuple(planned), completed_runs=tuple(completed),
        strength=tuple(strength), published=tuple(published),
        horizon_days=7 * horizon_weeks)


def timed(inputs: PlanInputs, repeat: int = 15) -> float:
    plan(inputs, NOW)  # warm caches (catalogue, zoneinfo)
    samples = []
    for _ in range(repeat):
        t0 = clock.perf_counter()
        plan(inputs, NOW)
        samples.append((clock.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    head = scenario(1500, 12)
    ms = timed(head)
    print(f"headline: 12-week horizon, {len(head.completed_runs)} runs of history: "
          f"{ms:.1f} ms median (target < 50 ms: {'met' if ms < 50 else 'NOT met'})")
    print("\nhistory series (12-week horizon); the marginal cost should stay flat if linear:")
    print(f"{'runs':>8} {'ms':>8} {'ms per 1000 runs over 0':>26}")
    base = timed(scenario(0, 12), repeat=9)
    print(f"{0:>8} {base:>8.1f} {'':>26}")
    for n in (250, 500, 1000, 1500, 3000, 6000):
        t = timed(scenario(n, 12), repeat=9)
        print(f"{n:>8} {t:>8.1f} {(t - base) / n * 1000:>26.2f}")
    print("\nhorizon series (1,500 runs of history):")
    print(f"{'weeks':>8} {'ms':>8} {'ms per week over 1 week':>26}")
    one = timed(scenario(1500, 1), repeat=9)
    print(f"{1:>8} {one:>8.1f} {'':>26}")
    for weeks in (2, 4, 8, 12):
        t = timed(scenario(1500, weeks), repeat=9)
        print(f"{weeks:>8} {t:>8.1f} {(t - one) / (weeks - 1):>26.2f}")


if __name__ == "__main__":
    main()
