"""The planner: a pure function from what syncd knows to the sessions it proposes.

``plan(inputs, now)`` reads no clock, network or file. It reconciles planned and completed
runs and published sessions, then plans each ISO week that the horizon touches (whole weeks,
so a week's target is never crammed into the days the horizon happens to cut), and returns
the sessions from the start of the current week to the end of the horizon.

Inside, every instant is UTC (``inputs.in_utc``), so every duration, gap and overlap is real
elapsed time whatever the clocks do; new sessions come out as readings in the athlete's zone,
and sessions passed through (done, pinned, missed) keep the instants they came in with.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.model import Session, SessionKind, SessionStatus
from syncd.planner.content import session_content
from syncd.planner.explain import explain
from syncd.planner.inputs import DayReport, Plan, PlanInputs, Rejection, in_utc
from syncd.planner.lifted import lift_history, match_session, outcome_notes, told
from syncd.planner.phases import describe_phase
from syncd.planner.ramp import experience_weeks, last_break, run_days
from syncd.planner.realtime import in_zone, local_day, utc, wall
from syncd.planner.reconcile import reconcile_runs, reconcile_sessions
from syncd.planner.rules import World
from syncd.planner.schedule import Placed, WeekInput, schedule_week, week_days
from syncd.planner.uids import assign_uids

__all__ = ["Plan", "PlanInputs", "plan"]

HISTORY_DAYS = 14

TITLES = {
    SessionKind.HEAVY: "Strength",
    SessionKind.LIGHT: "Light strength",
    SessionKind.CORE: "Core",
    SessionKind.FOUNDATION: "Foundation strength",
}


def _title(kind: SessionKind, main_lifts: tuple[str, ...], minutes: int) -> str:
    """What a calendar shows: the main lifts first ("Strength: squat + RDL · 45 min")."""
    lifts = f": {' + '.join(main_lifts)}" if main_lifts else ""
    return f"{TITLES[kind]}{lifts} · {minutes} min"


def plan(inputs: PlanInputs, now: datetime) -> Plan:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    given, given_now, originals = inputs, now, {s.uid: s for s in inputs.published}
    tz = inputs.athlete.tz
    today = now.astimezone(tz).date()
    # Runs done before the week ahead of the first planned week matter only for R7.
    monday = today - timedelta(days=today.weekday())
    inputs = in_utc(inputs, runs_since=wall(monday - timedelta(days=HISTORY_DAYS), time(0), tz))
    now = utc(now)
    runs, notes = reconcile_runs(inputs.planned_runs, inputs.completed_runs, inputs.races,
                                 now, tz)
    sessions, extra = reconcile_sessions(inputs.published, inputs.strength, now, tz)
    notes += outcome_notes(inputs.strength, sessions, tz)  # done, partial or replaced
    world = World(inputs.athlete, inputs.rules, inputs.races, runs, inputs.busy,
                  inputs.readiness, now)
    days_run = run_days(given.completed_runs, tz, today)
    world.running_weeks = experience_weeks(days_run, inputs.athlete.running_since, today)
    world.comeback = last_break(days_run, today)
    first = today - timedelta(days=today.weekday())
    horizon_end = today + timedelta(days=inputs.horizon_days)
    last = horizon_end - timedelta(days=1)
    mondays = [first + timedelta(days=7 * i) for i in range((last - first).days // 7 + 1)]

    # Only what lies near the planned weeks matters below; history stays out of the loops.
    near_from = first - timedelta(days=7)
    near = [s for s in sessions if local_day(s.start, tz) >= near_from]
    # Sessions that stay as they are: done, pinned by the user, or already under way.
    fixed = [s for s in near if s.status in (SessionStatus.DONE, SessionStatus.PINNED)
             or (s.status is SessionStatus.PLANNED and s.start <= now)]
    fixed_uids = {s.uid for s in fixed}
    extra = tuple(a for a in extra if local_day(a.start, tz) >= near_from)
    fixed_days = [(local_day(s.start, tz), s) for s in fixed]
    extra_days = [local_day(a.start, tz) for a in extra]
    declined = {(local_day(s.start, tz), s.kind.is_lifting) for s in near
                if s.status is SessionStatus.DECLINED}
    anchors = sorted([s.start for s in fixed if s.kind is SessionKind.HEAVY]
                     + [a.start for a in extra])
    kept = {(local_day(s.start, tz), s.kind.is_lifting): s.start for s in near
            if s.status is SessionStatus.PLANNED and s.start > now}
    occupied = {d for d, _ in fixed_days} | set(extra_days)
    warnings: list[str] = []
    if world.is_new_runner():
        # Name the key that fixes it: one FIT file is not a runner's whole history (issue 23).
        since = inputs.athlete.running_since
        fix = ("if you have run regularly for longer, set athlete.running_since to when you "
               "began" if since is None else f"counted from athlete.running_since = {since}")
        warnings.append(f"{world.running_weeks} of {inputs.rules.min_running_weeks} weeks of "
                        f"consistent running so far: foundation and core sessions only (R7); "
                        f"{fix}")
    if world.is_minor() and not inputs.athlete.supervised:
        warnings.append("under 18 without a coach: foundation and core only, no loaded "
                        "lifting (R8; set athlete.supervised if a coach supervises)")
    placed: list[Placed] = []
    refused: dict[date, list[tuple[SessionKind, Rejection]]] = {}
    slot_refusals: dict[date, list[tuple[SessionKind, tuple[Rejection, ...]]]] = {}
    lifting_days = {d for d, s in fixed_days if s.kind.is_lifting} | set(extra_days)
    def week_input(monday: date, before: list[Placed]) -> WeekInput:
        days = week_days(monday)
        sunday = monday + timedelta(days=6)
        in_week = [s for d, s in fixed_days if monday <= d <= sunday]
        extra_in_week = [d for d in extra_days if monday <= d <= sunday]
        # A week back and ahead: R9's 48 h and the 7-day heavy cap look that far.
        lo, hi = monday - timedelta(days=7), monday + timedelta(days=13)
        return WeekInput(
            days=days,
            planable=[d for d in days if d >= today and d not in occupied
                      and world.day_blocks(d) is None],
            fixed_lifting_days={d for d in lifting_days if d in days},
            fixed_core=sum(1 for s in in_week if not s.kind.is_lifting),
            fixed_lifting=sum(1 for s in in_week if s.kind.is_lifting) + len(extra_in_week),
            kept=kept,
            declined=declined,
            neighbours={d for d in lifting_days
                        if d in (monday - timedelta(days=1), monday + timedelta(days=7))}
            | {p.day for p in before if p.kind.is_lifting and p.day == monday - timedelta(1)},
            heavy_anchors=[a for a in anchors if lo <= local_day(a, tz) <= hi]
            + [p.start for p in before if p.kind is SessionKind.HEAVY and p.day >= lo],
        )

    for monday in mondays:
        week = week_input(monday, placed)
        nxt = monday + timedelta(days=7)
        if nxt in mondays:
            # One week of lookahead: next week's heavy sessions on its hard days (G2) or at
            # their published time (G3), as next week alone would place them, count in this
            # week's R9 window. A catch-up is left out rather than push them off for good.
            ahead = schedule_week(world, week_input(nxt, [])).placed
            week.ahead = [p.start for p in ahead if p.kind is SessionKind.HEAVY and (
                world.day_type(p.day) == "hard" or kept.get((p.day, True)) == p.start)]
        res = schedule_week(world, week)
        placed += res.placed
        warnings += res.warnings
        refused.update(res.kind_rejections)
        slot_refusals.update(res.slot_rejections)

    _say_rolling_cap(world, placed, anchors, refused)
    new_sessions = _build_sessions(inputs, world, placed, refused, sessions)
    keep = [s for s in near if s.status is not SessionStatus.DECLINED
            and (s.uid in fixed_uids or s.status is SessionStatus.MISSED)]
    out = sorted(assign_uids(new_sessions, tuple(near), inputs.known_uids | {
        s.uid for s in sessions}, now, tz) + keep,
                 key=lambda s: (s.start, s.uid))
    out = [s for s in out if first <= local_day(s.start, tz) < horizon_end]
    out = [_as_given(s, originals, tz) for s in out]
    days_report = _reports(world, first, horizon_end, refused, slot_refusals, out, notes)
    since = min(first, today - timedelta(days=7))
    shown_runs = tuple(r for r in runs if since <= local_day(r.start, tz) < horizon_end)
    return Plan(now=given_now, timezone=inputs.athlete.timezone, phase=world.phase(today),
                runs=shown_runs, sessions=tuple(out), warnings=tuple(warnings),
                days=days_report)


def _say_rolling_cap(world: World, placed: list[Placed], anchors: list[datetime],
                     refused: dict[date, list[tuple[SessionKind, Rejection]]]) -> None:
    """For ``--explain``: a day that could hold heavy but has none because R9's 7-day window
    is full says so (the refusal is a layout's, so no day-level check records it)."""
    heavy = sorted([*anchors, *(p.start for p in placed if p.kind is SessionKind.HEAVY)])
    lifting = {p.day for p in placed if p.kind.is_lifting}
    for d, why in refused.items():
        if d in lifting or any(k is SessionKind.HEAVY for k, _ in why):
            continue
        if SessionKind.HEAVY not in world.lifting_kinds(d)[0]:
            continue
        if world.heavy_crowded(wall(d, time(12), world.tz), heavy):
            why.append((SessionKind.HEAVY, Rejection(
                "R9", f"{world.heavy_cap(d)} heavy sessions already in 7 days around it")))


def _as_given(s: Session, originals: dict[str, Session], tz: ZoneInfo) -> Session:
    """A session passed through keeps the instants it came in with; a new or moved one is
    given as readings in the athlete's zone (each with its right DST fold)."""
    old = originals.get(s.uid)
    if old is not None and (utc(old.start), utc(old.end)) == (s.start, s.end):
        return replace(s, start=old.start, end=old.end)
    return replace(s, start=in_zone(s.start, tz), end=in_zone(s.end, tz))


def _build_sessions(inputs: PlanInputs, world: World, placed: list[Placed],
                    refused: dict[date, list[tuple[SessionKind, Rejection]]],
                    history: tuple[Session, ...]) -> list[Session]:
    orm = dict(inputs.athlete.one_rep_max)
    equipment = inputs.athlete.equipment_set
    # Only the last weeks matter below (6 weeks of progression, this week's slots).
    history = tuple(s for s in history if s.start >= world.now - timedelta(days=60))
    slots = _week_slots(world, placed, history)
    nxt = _next_heavy(world, placed, history)
    # Progression counts the heavy sessions done in the 6 weeks before the next one, not
    # before now: as time passes with nothing new, its load stays what it was.
    cutoff = (nxt or world.now) - timedelta(days=42)
    done_heavy = sum(1 for s in history if s.status is SessionStatus.DONE
                     and s.kind is SessionKind.HEAVY and cutoff <= s.start < (nxt or world.now))
    level = min(4, done_heavy // 2)
    lifted = lift_history(inputs.strength, world.tz,  # per lift, what the watch recorded
                          {a.id: m for a in inputs.strength
                           if (m := match_session(a, history, world.tz)) is not None})
    out = []
    for p in sorted(placed, key=lambda p: p.start):
        phase = world.phase(p.day)
        exact = p.start == nxt
        no_jumps = world.plyometrics_rejection(p.day, p.start, p.end)
        minutes = int((p.end.astimezone(UTC) - p.start.astimezone(UTC)).total_seconds() // 60)
        content = session_content(
            p.kind, inputs.catalogue, rotation=slots[(p.kind.is_lifting, p.start)],
            level=level if exact else 0, one_rep_max=orm,
            plyometrics=phase.value not in ("taper", "race-week", "peak") and no_jumps is None,
            phase=phase.value, minutes=minutes, exact_load=exact,
            after_run=any(not r.time_known or r.end <= p.start
                          for r in world.runs_by_day.get(p.day, [])),
            equipment=equipment, lifted=lifted, units=inputs.athlete.units)
        text, rules = explain(world, p, refused)
        if lines := told(content.exercises):
            text += f" From what you lifted: {'; '.join(lines)}."
        if no_jumps is not None and p.kind is SessionKind.HEAVY and phase.value not in (
                "taper", "race-week", "peak"):
            text += f" No plyometrics: {no_jumps.text()}."
            rules = tuple(dict.fromkeys((*rules, no_jumps.rule)))
        if p.kind is SessionKind.HEAVY and level and exact:
            text += f" Load +{level * 2.5:g} % after {done_heavy} completed heavy sessions."
        if content.orm_used:
            text += f" Loads from: {'; '.join(content.orm_used)}."
        out.append(Session(uid="", kind=p.kind, start=p.start, end=p.end,
                           title=_title(p.kind, content.main_lifts, minutes),
                           warmup=content.warmup,
                           exercises=content.exercises, rules=rules, explanation=text))
    return out


def _stays(s: Session, now: datetime) -> bool:
    """A published session that keeps its place: done, pinned, or under way."""
    return s.status in (SessionStatus.DONE, SessionStatus.PINNED) or (
        s.status is SessionStatus.PLANNED and s.start <= now)


def _week_slots(world: World, placed: list[Placed], history: tuple[Session, ...]
                ) -> dict[tuple[bool, datetime], int]:
    """Rotation index of each placed session: its ISO week and its place among the week's
    sessions of its family (lifting or core), counting those that already stay. A function
    of the session's identity, so a session starting does not shift the ones after it."""
    members: dict[tuple[int, int, bool], list[datetime]] = {}
    for start, lifting in ([(s.start, s.kind.is_lifting) for s in history
                            if _stays(s, world.now)]
                           + [(p.start, p.kind.is_lifting) for p in placed]):
        iso = start.astimezone(world.tz).isocalendar()
        members.setdefault((iso.year, iso.week, lifting), []).append(start)
    out = {}
    for p in placed:
        iso = p.start.astimezone(world.tz).isocalendar()
        week = sorted(members[(iso.year, iso.week, p.kind.is_lifting)])
        out[(p.kind.is_lifting, p.start)] = (iso.year * 53 + iso.week) * 2 + week.index(p.start)
    return out


def _next_heavy(world: World, placed: list[Placed], history: tuple[Session, ...]
                ) -> datetime | None:
    """The start of the next heavy session not yet done: the only one progression changes.
    One under way or pinned by the user counts, so its start does not pass the step on."""
    pending = [s.start for s in history if s.kind is SessionKind.HEAVY and _stays(s, world.now)
               and s.status is not SessionStatus.DONE]
    pending += [p.start for p in placed if p.kind is SessionKind.HEAVY]
    return min(pending, default=None)


def _reports(world: World, first: date, end: date,
             refused: dict[date, list[tuple[SessionKind, Rejection]]],
             slot_refusals: dict[date, list[tuple[SessionKind, tuple[Rejection, ...]]]],
             sessions: list[Session], notes: list[tuple[date, str]]) -> tuple[DayReport, ...]:
    out = []
    d = first
    while d < end:
        block = world.day_blocks(d)
        kinds = [(k, (r,)) for k, r in refused.get(d, [])]
        if block is not None:
            kinds = [(SessionKind.HEAVY, (block,)), *kinds]
        uid = next((s.uid for s in sessions if local_day(s.start, world.tz) == d), None)
        out.append(DayReport(
            day=d, phase=world.phase(d), day_type=world.day_type(d),
            runs=tuple(world.runs_by_day.get(d, [])), kinds=tuple(kinds),
            slots=tuple(slot_refusals.get(d, [])), session_uid=uid,
            notes=(*(n for nd, n in notes if nd == d),
                   describe_phase(d, world.races, world.phase(d)))))
        d += timedelta(days=1)
    return tuple(out)

