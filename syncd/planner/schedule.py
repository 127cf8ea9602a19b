"""Choose the days, kinds and times of one ISO week's sessions.

Hard rules come first: a day or a start time that breaks one is never a candidate. Among the
layouts left, the scheduler compares soft goals in the contract's order by scoring each
layout with a tuple: G1 (as many lifting sessions as the target, of the phase's main kind),
G2 (heavy on hard days, quality days first), G3 (published sessions kept at their time),
G4 (no back-to-back lifting days), G6 (closeness to the preferred time). A week has at most
seven days and the target at most seven sessions, so trying every layout costs little; the
search stops at the largest number of sessions that fits. Times are UTC instants throughout,
so spacing (R9) and closeness to the preferred time are real hours.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from syncd.model import RunKind, SessionKind
from syncd.planner.inputs import Rejection
from syncd.planner.phases import PHASE_CAP, PHASE_KINDS
from syncd.planner.realtime import elapsed, hours, utc, wall
from syncd.planner.rules import HEAVY_SPACING, World, day_name
from syncd.planner.slots import Candidates, candidates, duration_for, preferred_time


@dataclass(frozen=True)
class Placed:
    """A session placed on ``day`` (local), from ``start`` to ``end`` (UTC instants)."""

    day: date
    kind: SessionKind
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start))
        object.__setattr__(self, "end", utc(self.end))


@dataclass
class WeekInput:
    days: list[date]
    planable: list[date]
    fixed_lifting_days: set[date]
    fixed_core: int
    fixed_lifting: int
    kept: dict[tuple[date, bool], datetime]
    declined: set[tuple[date, bool]]
    neighbours: set[date]
    heavy_anchors: list[datetime]
    # Next week's heavy sessions whose days this week leaves room for in R9's 7-day window.
    ahead: list[datetime] = field(default_factory=list)


@dataclass
class WeekResult:
    placed: list[Placed] = field(default_factory=list)
    target: int = 0
    warnings: list[str] = field(default_factory=list)
    kind_rejections: dict[date, list[tuple[SessionKind, Rejection]]] = field(default_factory=dict)
    slot_rejections: dict[date, list[tuple[SessionKind, tuple[Rejection, ...]]]] = field(
        default_factory=dict)


def week_target(world: World, week: WeekInput) -> int:
    cap = max(PHASE_CAP[world.phase(d)] for d in week.days)
    return min(world.athlete.sessions_per_week, cap, world.athlete.max_sessions_per_week)


def schedule_week(world: World, week: WeekInput) -> WeekResult:
    res = WeekResult(target=week_target(world, week))
    limit = world.athlete.max_sessions_per_week - week.fixed_lifting
    remaining = max(0, min(res.target - week.fixed_lifting, limit))
    options: dict[date, list[tuple[SessionKind, Candidates]]] = {}
    for d in week.planable:
        kinds, refused = world.lifting_kinds(d)
        res.kind_rejections[d] = list(refused)
        if (d, True) in week.declined:
            res.kind_rejections[d].append((SessionKind.HEAVY, Rejection(
                "R11", "you deleted the session planned here")))
            continue
        opts = []
        for kind in kinds:
            c = candidates(world, d, kind, week.kept.get((d, True)))
            res.slot_rejections.setdefault(d, []).append((kind, c.rejected))
            if c.starts:
                opts.append((kind, c))
            else:
                res.kind_rejections[d].append((kind, dominant(c.rejected)))
        if opts:
            options[d] = opts
    best: tuple[tuple[float, ...], list[Placed]] | None = None
    for k in range(min(remaining, len(options)), 0, -1):
        for days in itertools.combinations(sorted(options), k):
            for choice in itertools.product(*(options[d] for d in days)):
                layout = _assign(world, week, list(zip(days, choice, strict=True)))
                if layout is None:
                    continue
                score = _score(world, week, layout)
                if best is None or score > best[0]:
                    best = (score, layout)
        if best is not None:
            break
    res.placed = best[1] if best else []
    if len(res.placed) < remaining:
        res.warnings.append(_shortfall(world, week, res, remaining))
    res.placed += _place_core(world, week, res)
    return res


def dominant(rejected: tuple[Rejection, ...]) -> Rejection:
    """The rule that refused most of a day's times, to say why nothing fits that day."""
    counts: dict[str, int] = {}
    for r in rejected:
        if r.start is not None:
            counts[r.rule] = counts.get(r.rule, 0) + 1
    if not counts:
        first = next(iter(rejected), None)
        return first or Rejection("R10", "no free time that day")
    rule = max(counts, key=lambda k: (counts[k], k))
    reason = next(r.reason for r in reversed(rejected) if r.rule == rule)
    if rule == "now":
        return Rejection("R10", "no time left today")
    return Rejection(rule, f"no time fits: {reason}")


def _assign(world: World, week: WeekInput,
            picks: list[tuple[date, tuple[SessionKind, Candidates]]]) -> list[Placed] | None:
    anchors = list(week.heavy_anchors)
    out = []
    length = {}
    for d, (kind, cands) in picks:
        if kind not in length:
            length[kind] = duration_for(kind, world.athlete.session_minutes)
        for start in cands.starts:
            # Next week's sessions hold their days, not their times: only the 7-day count
            # sees them (next week fits its times around this week's, as before).
            if kind is SessionKind.HEAVY and (any(abs(elapsed(a, start)) < HEAVY_SPACING
                                                  for a in anchors)
                                              or world.heavy_crowded(start,
                                                                     anchors + week.ahead)):
                continue
            break
        else:
            return None
        if kind is SessionKind.HEAVY:
            anchors.append(start)
        out.append(Placed(d, kind, start, start + length[kind]))
    return out


def _score(world: World, week: WeekInput, layout: list[Placed]) -> tuple[float, ...]:
    main = 0
    heavy_on_hard = 0
    kept = 0
    for p in layout:
        kinds = PHASE_KINDS[world.phase(p.day)]
        # A heavy session turned light by low readiness still stands for the heavy one.
        as_heavy = p.kind is SessionKind.HEAVY or (
            p.kind is SessionKind.LIGHT and bool(world.low_readiness(p.day)))
        if kinds and (p.kind is kinds[0] or (as_heavy and kinds[0] is SessionKind.HEAVY)):
            main += 1
        if as_heavy and world.day_type(p.day) == "hard":
            # G2, refined: a quality day beats a long-run day (002 pairs lifting with
            # quality sessions; a heavy session after a long run stacks two big loads).
            run_kinds = {r.kind for r in world.runs_by_day.get(p.day, [])}
            heavy_on_hard += 2 if RunKind.QUALITY in run_kinds else 1
        if week.kept.get((p.day, True)) == p.start:
            kept += 1
    days = sorted({p.day for p in layout} | week.fixed_lifting_days | week.neighbours)
    adjacent = sum(1 for a, b in itertools.pairwise(days) if (b - a).days == 1)
    pref = preferred_time(world.athlete.preferred_time)
    drift = sum(abs(hours(elapsed(wall(p.day, pref, world.tz), p.start))) for p in layout)
    return (main, heavy_on_hard, kept, -adjacent, -drift)


def _shortfall(world: World, week: WeekInput, res: WeekResult, wanted: int) -> str:
    got = len(res.placed)
    label = f"week of {week.days[0]:%a %d %b}"
    kinds = {k for d in week.planable for k in PHASE_KINDS[world.phase(d)]}
    noun = "heavy" if kinds == {SessionKind.HEAVY} else "lifting"
    reasons = []
    for d in week.days:
        if d not in week.planable:
            if d in week.fixed_lifting_days:
                continue
            block = world.day_blocks(d)
            if block is not None and d >= world.now.astimezone(world.tz).date():
                reasons.append(f"{day_name(d)}: {block.text()}")
            continue
        if any(p.day == d for p in res.placed):
            continue
        refused = [r for _, r in res.kind_rejections.get(d, [])]
        if refused:
            reasons.append(f"{day_name(d)}: {refused[0].text()}")
        elif d in {p.day for p in res.placed}:
            continue
        elif crowds := [a for a in week.ahead if 0 < (a.astimezone(world.tz).date() - d).days
                        < 7]:
            reasons.append(f"{day_name(d)}: would crowd next week's heavy session on "
                           f"{crowds[0].astimezone(world.tz):%a %d %b} off its day (R9: at "
                           f"most {world.heavy_cap(d)} in any 7 days)")
        else:
            reasons.append(f"{day_name(d)}: too close to other heavy sessions (R9: 48 h apart, "
                           f"at most {world.heavy_cap(d)} in any 7 days)")
    why = "; ".join(reasons) if reasons else "no day left this week"
    return (f"{label}: only {got} of {wanted} {noun} session{'s' if wanted > 1 else ''} "
            f"fit{'s' if got == 1 else ''}: {why}")


def _place_core(world: World, week: WeekInput, res: WeekResult) -> list[Placed]:
    want = max(0, world.athlete.core_per_week - week.fixed_core)
    if not want:
        return []
    busy = {p.day for p in res.placed} | week.fixed_lifting_days
    lifting = busy | week.neighbours
    choices = []
    for d in week.planable:
        if d in busy or (d, False) in week.declined or world.day_type(d) == "hard":
            continue
        c = candidates(world, d, SessionKind.CORE, week.kept.get((d, False)))
        res.slot_rejections.setdefault(d, []).append((SessionKind.CORE, c.rejected))
        if not c.starts:
            continue
        near = sum(1 for o in lifting if abs((o - d).days) == 1)
        kept = week.kept.get((d, False)) == c.starts[0]
        # The contract's order: stability (G3) before easy days (G5), then spread (G4).
        choices.append(((kept, world.day_type(d) == "easy", -near), d, c.starts[0]))
    out: list[Placed] = []
    length = duration_for(SessionKind.CORE, world.athlete.session_minutes)
    while choices and len(out) < want:
        choices.sort(key=lambda c: (c[0], -c[1].toordinal()), reverse=True)
        _, d, start = choices.pop(0)
        out.append(Placed(d, SessionKind.CORE, start, start + length))
        # Spread core days: a day next to a chosen one drops behind the others.
        choices = [((s[0], s[1], s[2] - (1 if abs((dd - d).days) == 1 else 0)), dd, st)
                   for s, dd, st in choices]
    # Only a week wholly ahead is worth a warning: in the current one, time simply ran out.
    if len(out) < want and week.days[0] > world.now.astimezone(world.tz).date():
        res.warnings.append(
            f"week of {week.days[0]:%a %d %b}: only {len(out)} of {want} core sessions fit "
            "(G5: no free easy or run-free day)")
    return out


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]
