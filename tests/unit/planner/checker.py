"""An independent checker of the hard rules R1-R11 on a plan.

Written from the rules contract (docs/recovery-rules.md), not from the planner's code: it
re-derives phases, hard days and the athlete's status from the raw inputs, and shares no
predicate with ``syncd.planner``. It returns every violation found, as text naming the rule.

Conventions the contract leaves open, which the checker and the planner both document:
a planned run whose time passed more than 3 h ago with nothing recorded that day is skipped;
a run whose time is unknown counts as starting at 06:00 for R2; race day itself holds no
session (the 2-day rule of R6 extended to the day); a session starts at least 2 h after now.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.model import RacePriority, Run, RunKind, Session, SessionKind, SessionStatus
from syncd.planner import Plan, PlanInputs

HARD = {RunKind.QUALITY, RunKind.LONG, RunKind.RACE}


def _day(dt: datetime, tz: ZoneInfo) -> date:
    return dt.astimezone(tz).date()


def expected_phase(inputs: PlanInputs, d: date) -> str:
    if inputs.rules.phase is not None:
        return inputs.rules.phase.value
    a = sorted(r.day for r in inputs.races if r.priority is RacePriority.A)
    after = [x for x in a if x >= d]
    before = [x for x in a if x < d]
    recent = bool(before) and (d - before[-1]).days <= inputs.rules.recovery_days
    if not after:
        return "recovery" if recent else "maintenance"
    n = (after[0] - d).days
    if recent and n > 28:
        return "recovery"
    if n < 7:
        return "race-week"
    if n <= inputs.rules.taper_days:
        return "taper"
    if n <= 28:
        return "peak"
    if n <= 84:
        return "build"
    return "base"


def consistent_weeks(inputs: PlanInputs, today: date, tz: ZoneInfo) -> int | None:
    """R7: the larger of the weeks since athlete.running_since and the longest chain of weeks
    with 2+ completed runs in which no two weeks in a row are missing."""
    options = []
    if inputs.athlete.running_since is not None:
        options.append(max(0, (today - inputs.athlete.running_since).days // 7))
    if inputs.completed_runs:
        counts: dict[date, int] = {}
        for r in inputs.completed_runs:
            d = _day(r.start, tz)
            if d <= today:
                counts[d - timedelta(days=d.weekday())] = counts.get(
                    d - timedelta(days=d.weekday()), 0) + 1
        good = sorted(m for m, n in counts.items() if n >= 2)
        best, chain = 0, 0
        for i, m in enumerate(good):
            chain = chain + 1 if i and (m - good[i - 1]).days <= 14 else 1
            best = max(best, chain)
        options.append(best)
    return max(options) if options else None


def ramp_days(inputs: PlanInputs, today: date, tz: ZoneInfo) -> set[date]:
    """Days of the return ramp: after 7+ days without a completed run, as many days as the
    break lasted (at most 14) from the first day back (today while it goes on)."""
    days = sorted({_day(r.start, tz) for r in inputs.completed_runs
                   if _day(r.start, tz) <= today})
    out: set[date] = set()
    ends = list(itertools.pairwise(days))
    if days:
        ends.append((days[-1], today))
    for a, b in ends:
        off = (b - a).days - 1
        if off >= 7:
            out |= {b + timedelta(days=k) for k in range(min(off, 14))}
    return out


def check_plan(inputs: PlanInputs, now: datetime, result: Plan) -> list[str]:
    a = inputs.athlete
    r = inputs.rules
    tz = ZoneInfo(a.timezone)
    today = _day(now, tz)
    done_days = {_day(x.start, tz) for x in inputs.completed_runs}

    def skipped(x: Run) -> bool:
        # The contract's "run skipped" trigger: a planned run (not a race) whose known time
        # passed more than 3 h ago with no completed run that day no longer happens.
        return (x.kind is not RunKind.RACE and x.time_known and _day(x.start, tz) not in done_days
                and x.end + timedelta(hours=3) < now)

    runs: list[Run] = [x for x in inputs.planned_runs if not skipped(x)]
    runs += list(inputs.completed_runs)
    race_days = {x.day for x in inputs.races} | {_day(x.start, tz) for x in runs
                                                if x.kind is RunKind.RACE}
    a_races = [x.day for x in inputs.races if x.priority is RacePriority.A]

    def runs_on(d: date) -> list[Run]:
        return [x for x in runs if _day(x.start, tz) == d]

    def start_for_r2(x: Run) -> datetime:
        if x.time_known:
            return x.start
        return datetime.combine(_day(x.start, tz), time(6, 0), tz)

    pinned_in = {s.uid: s for s in inputs.published if s.status is SessionStatus.PINNED}
    declined = [(s.kind.is_lifting, _day(s.start, tz)) for s in inputs.published
                if s.status is SessionStatus.DECLINED]
    weeks = consistent_weeks(inputs, today, tz)
    new_runner = weeks is not None and weeks < r.min_running_weeks
    ramp = ramp_days(inputs, today, tz)
    minor = a.birth_year is not None and now.astimezone(tz).year - a.birth_year < 18
    errors: list[str] = []
    out = list(result.sessions)

    horizon_end = today + timedelta(days=inputs.horizon_days)
    for uid, pinned in pinned_in.items():
        shown = today - timedelta(days=today.weekday()) <= _day(pinned.start, tz) < horizon_end
        if not shown:
            continue
        if not any(s.uid == uid and s.start == pinned.start and s.end == pinned.end
                   for s in out):
            errors.append(f"R11: pinned session {uid} was moved or dropped")
    uids = [s.uid for s in out]
    if len(uids) != len(set(uids)):
        errors.append("duplicate UIDs in the plan")

    new = [s for s in out if s.status is SessionStatus.PLANNED and s.uid not in pinned_in
           and s.start > now]
    for s in new:
        d = _day(s.start, tz)
        label = f"{s.kind.value} {s.start.astimezone(tz):%a %d %b %H:%M} ({s.uid})"
        if not s.uid.startswith("syncd-"):
            errors.append(f"R11: {label} does not carry syncd's UID prefix")
        if s.start < now + timedelta(hours=2):
            errors.append(f"lead time: {label} starts less than 2 h from now")
        if (s.kind.is_lifting, d) in declined:
            errors.append(f"R11: {label} re-created on a day the user declined")
        day_runs = runs_on(d)
        heavy = s.kind is SessionKind.HEAVY
        if heavy and any(x.kind in HARD for x in runs_on(d + timedelta(days=1))):
            errors.append(f"R1: {label} is the day before a hard run")
        if heavy and (d + timedelta(days=1)) in race_days:
            errors.append(f"R1: {label} is the day before a race")
        if heavy:
            limit = timedelta(hours=r.heavy_to_quality_hours)
            for x in runs:
                if x.kind in HARD and start_for_r2(x) > s.start and start_for_r2(x) - s.end < limit:
                    errors.append(f"R2: {label} ends less than {limit} before {x.title}")
            for x in day_runs:
                if x.time_known and s.start < x.end + timedelta(hours=r.run_to_lift_gap_hours):
                    errors.append(f"R3: {label} is less than the gap after {x.title} "
                                  f"(or before it)")
            if any(not x.time_known for x in day_runs):
                windows = a.availability[d.weekday()]
                last = windows[-1] if windows else None
                if last is None or s.start.astimezone(tz).time() < last.start:
                    errors.append(f"R3: {label} not in the latest window on a day whose run "
                                  "time is unknown")
            phase = expected_phase(inputs, d)
            if day_runs and all(x.kind is RunKind.EASY for x in day_runs) and phase not in (
                    "base", "maintenance"):
                errors.append(f"R4: {label} on an easy day in {phase}")
        if d.weekday() in a.rest_days:
            errors.append(f"R5: {label} on a rest day")
        if heavy and any(0 <= (x - d).days <= r.taper_days for x in a_races):
            errors.append(f"R6: {label} inside the taper window")
        if any(0 <= (x - d).days <= 2 for x in race_days):
            errors.append(f"R6: {label} within 2 days before a race (or on race day)")
        if new_runner and s.kind in (SessionKind.HEAVY, SessionKind.LIGHT):
            errors.append(f"R7: {label} for a runner with {weeks} consistent weeks")
        if s.kind in (SessionKind.HEAVY, SessionKind.LIGHT) and minor and not a.supervised:
            errors.append(f"R8: {label}: loaded lifting for an unsupervised athlete under 18")
        if heavy and d in ramp:
            errors.append(f"R7: {label} in the reduced-load days after a break")
        for b in inputs.busy:
            if s.start < b.end and s.end > b.start:
                errors.append(f"R10: {label} overlaps busy '{b.title}'")
        for x in runs:
            if x.time_known and s.start < x.end and s.end > x.start:
                errors.append(f"R10: {label} overlaps the run {x.title}")
        windows = a.availability[d.weekday()]
        lt_start, lt_end = s.start.astimezone(tz), s.end.astimezone(tz)
        inside = any(datetime.combine(d, w.start, tz) <= lt_start
                     and lt_end <= datetime.combine(d, w.end, tz) for w in windows)
        if not inside:
            errors.append(f"R10: {label} outside the availability windows")
        for o in out:
            if o is not s and o.status is not SessionStatus.DECLINED and (
                    s.start < o.end and s.end > o.start):
                errors.append(f"R10: {label} overlaps session {o.uid}")

    # R9 per ISO week, and 48 h between heavy sessions.
    lifting = [s for s in out if s.kind.is_lifting and s.status in (
        SessionStatus.PLANNED, SessionStatus.PINNED, SessionStatus.DONE)]
    by_week: dict[tuple[int, int], list[Session]] = {}
    for s in lifting:
        by_week.setdefault(_day(s.start, tz).isocalendar()[:2], []).append(s)
    for week, items in by_week.items():
        fixed = [s for s in items if s not in new]
        if len(items) > max(a.max_sessions_per_week, len(fixed)):
            errors.append(f"R9: {len(items)} lifting sessions in week {week}")
    heavies = sorted((s for s in lifting if s.kind is SessionKind.HEAVY), key=lambda s: s.start)
    for i, s in enumerate(heavies):
        for o in heavies[i + 1:]:
            if (s in new or o in new) and o.start - s.start < timedelta(hours=48):
                errors.append(f"R9: heavy {s.uid} and {o.uid} less than 48 h apart")
    return errors
