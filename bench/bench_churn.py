"""Plan churn (G3) over a simulated season: how many published sessions move per re-plan.

Run: python bench/bench_churn.py [--weeks 16] [--seed 1]
A runner follows a weekly plan for a season with the usual noise: runs skipped, done at
another time, swapped to the day before, an unplanned tempo now and then; 85 % of sessions
are done; now and then the user moves a session in the calendar (pinned). syncd re-plans
every 6 hours with what it would know at that moment. A "move" is a published, still-future
planned session whose start or kind changed, or that was dropped; an "update" one that kept
both but whose exercises or text changed. Re-plans in which no input changed are counted
apart: G3 wants those to move and update nothing. A session that passes undone,
or a planned run that passes without an activity, is news (the contract's "missed" and
"skipped" triggers). A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace
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
    SessionStatus,
    StrengthActivity,
)
from syncd.planner import PlanInputs, plan

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2027, 1, 4, 0, 0, tzinfo=TZ)  # a Monday
WEEK = ((1, RunKind.QUALITY, "07:00", 60, "Intervals"), (2, RunKind.EASY, "07:00", 45, "Easy"),
        (3, RunKind.QUALITY, "07:00", 60, "Tempo"), (4, RunKind.EASY, "12:15", 40, "Easy"),
        (5, RunKind.EASY, "08:00", 30, "Easy"), (6, RunKind.LONG, "08:00", 110, "Long run"))


def season(weeks: int, rng: random.Random) -> tuple[list[Run], list[Run]]:
    """(planned, what really happens)."""
    planned, real = [], []
    for w in range(weeks + 3):
        monday = START + timedelta(days=7 * w)
        for day, kind, hhmm, minutes, title in WEEK:
            start = datetime.combine((monday + timedelta(days=day)).date(),
                                     time.fromisoformat(hhmm), TZ)
            p = Run(f"p{w}-{day}", "plan", start, start + timedelta(minutes=minutes), kind,
                    RunStatus.PLANNED, title)
            planned.append(p)
            roll = rng.random()
            if roll < 0.08:
                continue  # skipped
            actual = start
            if roll < 0.18:
                actual += timedelta(hours=rng.choice([-1, 2, 3, 9]))
            elif roll < 0.22 and kind is RunKind.QUALITY:
                actual -= timedelta(days=1)  # swapped with the day before
            real_kind = kind
            if kind is RunKind.EASY and rng.random() < 0.04:
                real_kind = RunKind.QUALITY  # felt good: an unplanned tempo
            real.append(Run(f"r{w}-{day}", "watch", actual, actual + timedelta(minutes=minutes),
                            real_kind, RunStatus.COMPLETED, title))
    return planned, real


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weeks", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    opts = ap.parse_args()
    rng = random.Random(opts.seed)
    planned, real = season(opts.weeks, rng)
    athlete = Athlete(timezone="Europe/Berlin", rest_days=frozenset({0}), core_per_week=1)
    race = Race((START + timedelta(days=7 * opts.weeks - 1)).date(), "Goal race",
                RacePriority.A)
    published: dict[str, Session] = {}
    known: set[str] = set()
    strength: list[StrengthActivity] = []
    decided: set[str] = set()
    moves: list[int] = []
    idle_moves: list[int] = []
    updates: list[int] = []
    idle_updates: list[int] = []
    last_inputs: tuple[int, int, int, int, int] | None = None
    pins = 0
    now = START + timedelta(hours=6)
    end = START + timedelta(days=7 * opts.weeks)
    while now < end:
        done_runs = tuple(r for r in real if r.end + timedelta(hours=1) <= now)
        for s in published.values():
            if s.uid not in decided and s.end + timedelta(hours=1) <= now and s.status in (
                    SessionStatus.PLANNED, SessionStatus.PINNED):
                decided.add(s.uid)
                if random.Random(s.uid).random() < 0.85:
                    strength.append(StrengthActivity(f"a-{s.uid}", "watch", s.start, s.end))
        inputs = PlanInputs(athlete, RuleSettings(), races=(race,),
                            planned_runs=tuple(r for r in planned if r.start < now
                                               + timedelta(days=21)),
                            completed_runs=done_runs, strength=tuple(strength),
                            published=tuple(published.values()), known_uids=frozenset(known))
        result = plan(inputs, now)
        # A session that just passed undone is news too (the contract's "missed" trigger).
        missed = sum(1 for s in result.sessions if s.status is SessionStatus.MISSED)
        skipped = sum(1 for d in result.days for n in d.notes if "skipped" in n)
        inputs_key = (len(done_runs), len(strength), pins, missed, skipped)
        before = {u: s for u, s in published.items()
                  if s.status is SessionStatus.PLANNED and s.start > now}
        after = {s.uid: s for s in result.sessions}
        moved = sum(1 for u, s in before.items()
                    if u not in after or (after[u].start, after[u].kind) != (s.start, s.kind))
        (idle_moves if inputs_key == last_inputs else moves).append(moved)
        # Same time and kind, other text: the calendar still sees an update.
        updated = sum(1 for u, s in before.items() if u in after
                      and (after[u].start, after[u].kind) == (s.start, s.kind)
                      and (after[u].exercises, after[u].warmup, after[u].explanation)
                      != (s.exercises, s.warmup, s.explanation))
        (idle_updates if inputs_key == last_inputs else updates).append(updated)
        last_inputs = inputs_key
        for u in list(published):
            if u not in after and published[u].status is SessionStatus.PLANNED and (
                    published[u].start > now):
                del published[u]
        for s in result.sessions:
            published[s.uid] = s
            known.add(s.uid)
        # Now and then the user drags a fresh session one hour later: it becomes theirs.
        fresh = [s for s in result.sessions if s.status is SessionStatus.PLANNED
                 and s.start > now + timedelta(days=2) and s.uid not in before]
        if fresh and rng.random() < 0.05:
            s = fresh[0]
            published[s.uid] = replace(s, start=s.start + timedelta(hours=1),
                                       end=s.end + timedelta(hours=1),
                                       status=SessionStatus.PINNED)
            pins += 1
        now += timedelta(hours=6)
    allm = moves + idle_moves
    print(f"season: {opts.weeks} weeks, {len(allm)} re-plans every 6 h, seed {opts.seed}")
    print(f"sessions published: {len(known)}; pinned by the user: {pins}")
    print(f"moves per re-plan: mean {sum(allm) / len(allm):.3f}, max {max(allm)}, "
          f"re-plans with any move {sum(1 for m in allm if m)} of {len(allm)}")
    print(f"re-plans after new input: {len(moves)}, moves {sum(moves)} "
          f"(mean {sum(moves) / max(1, len(moves)):.3f})")
    print(f"re-plans with no new input (time passed only): {len(idle_moves)}, "
          f"moves {sum(idle_moves)}")
    print(f"moves per week: {sum(allm) / opts.weeks:.2f}")
    print(f"content updates (same time and kind): after new input {sum(updates)}, "
          f"with no new input {sum(idle_updates)}")


if __name__ == "__main__":
    main()
