"""Plain-language reasons for where a session sits, naming the rules and the runs around it.

Example: "Thu threshold run 07:00–08:00 → heavy 17:30 (R3: 3 h after the run; G2: hard day).
Not Wed: Thu has a quality run (R1)."
"""

from __future__ import annotations

import bisect
import copy
from datetime import UTC, date, datetime, time, timedelta

from syncd.model import Phase, RunKind, SessionKind
from syncd.planner.inputs import Rejection
from syncd.planner.phases import PHASE_KINDS, describe_phase
from syncd.planner.realtime import wall
from syncd.planner.rules import World, day_name, run_label
from syncd.planner.schedule import Placed
from syncd.planner.slots import preferred_time

Refusals = dict[date, list[tuple[SessionKind, Rejection]]]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def last_race(world: World, d: date) -> tuple[date, str, int] | None:
    """The latest race before ``d`` within the recovery window: (day, name, days since)."""
    before = [r for r in world.race_days if r < d and (d - r).days <= world.rules.recovery_days]
    if not before:
        return None
    day = max(before)
    name = next((r.name for r in world.races if r.day == day), None) or next(
        (run.title or "the race" for run in world.runs_by_day.get(day, [])
         if run.kind is RunKind.RACE), "the race")
    return day, name, (d - day).days


def explain(world: World, p: Placed, refused: Refusals) -> tuple[str, tuple[str, ...]]:
    tz = world.tz
    rules: list[str] = []
    parts: list[str] = []
    runs = [r for r in world.runs_by_day.get(p.day, []) if r.time_known]
    at = f"{p.kind.value} {p.start.astimezone(tz):%H:%M}"
    day = day_name(p.day)
    why: list[str] = []
    if runs:
        last = max(runs, key=lambda r: r.end)
        gap = (p.start - last.end).total_seconds() / 3600
        head = f"{day} {run_label(last, tz)} → {at}"
        if p.kind is SessionKind.HEAVY:
            why.append(f"R3: at least {world.rules.run_to_lift_gap_hours:g} h after the run")
            rules.append("R3")
        elif gap > 0:
            why.append(f"{gap:.1f} h after the run".replace(".0 h", " h"))
    elif world.unknown_time_runs(p.day):
        head = f"{day} {run_label(world.unknown_time_runs(p.day)[0], tz)} → {at}"
        why.append("R3: latest window of the day")
        rules.append("R3")
    else:
        head = f"{day} (no run) → {at}"
    dtype = world.day_type(p.day)
    if p.kind is SessionKind.HEAVY and dtype == "hard":
        why.append("G2: hard day")
        rules.append("G2")
    elif p.kind is SessionKind.HEAVY and dtype == "easy":
        why.append(f"R4: heavy allowed on an easy day in {world.phase(p.day).value}")
        rules.append("R4")
    elif p.kind is SessionKind.CORE:
        why.append("G5: easy day" if dtype == "easy" else "G5: day without a run")
        rules.append("G5")
    parts.append(f"{head}" + (f" ({'; '.join(why)})." if why else "."))
    if p.kind is SessionKind.HEAVY:
        i = bisect.bisect_right(world.hard_starts, p.start)
        if i < len(world.hard_starts):
            nxt = world.hard_runs[i]
            hours = (world.hard_starts[i] - p.end).total_seconds() / 3600
            parts.append(f"Next hard run: {run_label(nxt, tz)} on "
                         f"{day_name(world.hard_starts[i].astimezone(tz).date())}, "
                         f"{hours:.0f} h after this session ends "
                         f"(R2: at least {world.rules.heavy_to_quality_hours:g} h).")
            rules.append("R2")
    if p.kind is not SessionKind.HEAVY and p.kind.is_lifting:
        reasons = [r for k, r in refused.get(p.day, []) if k is SessionKind.HEAVY]
        main = PHASE_KINDS[world.phase(p.day)]
        if reasons:
            parts.append(f"{p.kind.value.capitalize()}, not heavy: {reasons[0].text()}.")
            if reasons[0].rule[0] in "RG":
                rules.append(reasons[0].rule)
        elif main and main[0] is p.kind:
            phase = world.phase(p.day)
            # R6 is the taper's rule; after a race the recovery phase's target is G1's.
            taper = phase is Phase.TAPER and p.kind is SessionKind.LIGHT
            if phase is Phase.RECOVERY:
                parts.append(f"{p.kind.value.capitalize()} only: the recovery phase after an "
                             "A race holds at most one lifting session a week (G1).")
            else:
                parts.append(f"{p.kind.value.capitalize()} sessions only in the "
                             f"{phase.value} phase (G1{', R6' if taper else ''}).")
            rules += ["G1", "R6"] if taper else ["G1"]
    race = last_race(world, p.day)
    if race is not None:
        parts.append(f"{race[2]} day{'s' if race[2] > 1 else ''} after {race[1]} "
                     f"({race[0]:%a %d %b}).")
    for neighbour in (p.day - timedelta(days=1), p.day + timedelta(days=1)):
        if p.kind is not SessionKind.HEAVY:
            break
        # From the runs, not from what this re-plan refused: a neighbour that has passed is
        # no longer planned, and the text must not change for that alone.
        not_there = world.heavy_day_rejection(neighbour, world.phase(neighbour))
        if not_there is not None:
            parts.append(f"Not {day_name(neighbour)}: {not_there.text()}.")
            rules.append(not_there.rule)
    pref = preferred_time(world.athlete.preferred_time)
    if p.start.astimezone(tz).time() == pref:
        parts.append("At your preferred time (G6).")
        rules.append("G6")
    else:
        text, rule = _not_preferred(world, p, pref)
        parts.append(f"Not at your preferred time ({pref:%H:%M}): {text} ({rule}).")
        rules.append(rule)
    parts.append(f"Phase: {describe_phase(p.day, world.races, world.phase(p.day))}.")
    return " ".join(parts), tuple(dict.fromkeys(rules))


def _not_preferred(world: World, p: Placed, pref: time) -> tuple[str, str]:
    """Why a session is not at the preferred time (issue 23). Said from that day's rules
    and availability only, never from the clock or from whether it was published before,
    so the text, and with it the calendar event, does not change from one cycle to the
    next while nothing else does."""
    start = wall(p.day, pref, world.tz)
    end = start + (p.end - p.start)
    # The day's rules as they stand whatever the hour: the lead time (the only rule that
    # reads `now`) would change the text once the preferred time of that day has passed.
    timeless = copy.copy(world)
    timeless.now = EPOCH
    why = timeless.slot_rejection(p.kind, start, end, published=True)
    if why is not None:
        return f"at {pref:%H:%M}, {why.reason}", why.rule
    windows = world.athlete.availability[p.day.weekday()]
    ends = (start + (p.end - p.start)).astimezone(world.tz).time()
    if not any(w.start <= pref and ends <= w.end for w in windows):
        return "outside your availability that day", "R10"
    return "kept where it was first planned, as a planned session moves only when a rule asks", \
        "G3"
