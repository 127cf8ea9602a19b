"""An independent checker of the hard rules R1-R11 on a plan.

Written from the rules contract (docs/recovery-rules.md), not from the planner's code: it
re-derives phases, hard days and the athlete's status from the raw inputs, and shares no
predicate with ``syncd.planner``. It returns every violation found, as text naming the rule.

Time is judged in real elapsed time: every instant is turned into UTC here (``_u``) and all
gaps, lengths and overlaps are UTC differences, with arithmetic of the checker's own (none of
the planner's time helpers). Local readings are used only for the calendar day and for the
availability windows, and each is checked to name one instant (``_readings``, which finds
every instant showing a wall-clock reading by trying each possible UTC offset).

Conventions the contract leaves open, which the checker and the planner both document:
a planned run is skipped once its local day has ended with nothing recorded that day (until
then it is "not yet done"); a run whose time is unknown counts as starting at 06:00 for R2;
race day itself holds no session (the 2-day rule of R6 extended to the day); a session
starts at least 2 h after now unless it is already in the calendar at that time; no session
starts or ends at a wall-clock reading that a DST change skips or repeats; a session lasts
the minutes its title says (heavy: the athlete's ``session_minutes``).
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.model import RacePriority, Run, RunKind, Session, SessionKind, SessionStatus
from syncd.planner import Plan, PlanInputs
from tests.unit.planner.checker_content import check_content

HARD = {RunKind.QUALITY, RunKind.LONG, RunKind.RACE}
# G1 of the contract: the most lifting sessions a week each phase asks for.
PHASE_TARGET = {"base": 3, "build": 2, "peak": 2, "taper": 1, "race-week": 0, "recovery": 1,
                "maintenance": 3}
Z = UTC
QUARTER = timedelta(minutes=15)


def _is_jump(name: str, pattern: str) -> bool:
    """Plyometrics, read from the words a runner sees (not the planner's slot names)."""
    return pattern == "plyometrics" or re.search(r"jump|hop|bound|skip", name, re.I) is not None


def _u(dt: datetime) -> datetime:
    assert dt.tzinfo is not None, f"naive datetime {dt}"
    return dt.astimezone(Z)


def _day(dt: datetime, tz: ZoneInfo) -> date:
    return _u(dt).astimezone(tz).date()


def _readings(d: date, t: time, tz: ZoneInfo) -> list[datetime]:
    """Every UTC instant at which the clock in ``tz`` shows ``d`` ``t``: tries each offset
    from -14 h to +14 h in quarter hours (every zone's offset today is a multiple of 15 min)."""
    naive = datetime.combine(d, t)
    found = []
    for k in range(-56, 57):
        cand = naive.replace(tzinfo=Z) - k * QUARTER
        if cand.astimezone(tz).replace(tzinfo=None) == naive:
            found.append(cand)
    return sorted(found)


def _once(instant: datetime, tz: ZoneInfo) -> bool:
    local = _u(instant).astimezone(tz)
    return len(_readings(local.date(), local.time().replace(tzinfo=None), tz)) == 1


def _six_am(d: date, tz: ZoneInfo) -> datetime:
    """06:00 local on ``d`` (the start R2 assumes for a run without a time), in UTC."""
    found = _readings(d, time(6, 0), tz)
    assert found, f"06:00 does not exist on {d} in {tz}: the checker needs a convention"
    return found[0]


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
    now = _u(now)
    today = _day(now, tz)
    done_days = {_day(x.start, tz) for x in inputs.completed_runs}

    def skipped(x: Run) -> bool:
        # The contract's "run skipped" trigger: a planned run (not a race) whose local day
        # is over with no completed run that day no longer happens.
        return (x.kind is not RunKind.RACE and _day(x.start, tz) not in done_days
                and _day(x.start, tz) < today)

    runs: list[Run] = [x for x in inputs.planned_runs if not skipped(x)]
    runs += list(inputs.completed_runs)
    race_days = {x.day for x in inputs.races} | {_day(x.start, tz) for x in runs
                                                if x.kind is RunKind.RACE}
    a_races = [x.day for x in inputs.races if x.priority is RacePriority.A]

    def runs_on(d: date) -> list[Run]:
        return [x for x in runs if _day(x.start, tz) == d]

    def start_for_r2(x: Run) -> datetime:
        if x.time_known:
            return _u(x.start)
        return _six_am(_day(x.start, tz), tz)

    pinned_in = {s.uid: s for s in inputs.published if s.status is SessionStatus.PINNED}
    # A session already in the calendar at that time needs no notice (lead time).
    in_calendar = {(s.uid, _u(s.start)) for s in inputs.published
                   if s.status is SessionStatus.PLANNED}
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
        if not any(s.uid == uid and _u(s.start) == _u(pinned.start)
                   and _u(s.end) == _u(pinned.end) for s in out):
            errors.append(f"R11: pinned session {uid} was moved or dropped")
    uids = [s.uid for s in out]
    if len(uids) != len(set(uids)):
        errors.append("duplicate UIDs in the plan")

    new = [s for s in out if s.status is SessionStatus.PLANNED and s.uid not in pinned_in
           and _u(s.start) > now]
    for s in new:
        d = _day(s.start, tz)
        start, end = _u(s.start), _u(s.end)
        label = f"{s.kind.value} {start.astimezone(tz):%a %d %b %H:%M} ({s.uid})"
        if not s.uid.startswith("syncd-"):
            errors.append(f"R11: {label} does not carry syncd's UID prefix")
        if start < now + timedelta(hours=2) and (s.uid, start) not in in_calendar:
            errors.append(f"lead time: {label} starts less than 2 h from now")
        for what, instant in (("starts", start), ("ends", end)):
            if not _once(instant, tz):
                errors.append(f"DST: {label} {what} at a reading the clock shows twice")
        length = end - start
        claimed = re.search(r"(\d+) min", s.title)
        if claimed and length != timedelta(minutes=int(claimed.group(1))):
            errors.append(f"length: {label} says {claimed.group(1)} min but lasts "
                          f"{length.total_seconds() / 60:g} real minutes")
        if s.kind is SessionKind.HEAVY and length != timedelta(minutes=a.session_minutes):
            errors.append(f"length: heavy {label} lasts {length.total_seconds() / 60:g} real "
                          f"minutes, not session_minutes = {a.session_minutes}")
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
                if x.kind in HARD and start_for_r2(x) > start and start_for_r2(x) - end < limit:
                    errors.append(f"R2: {label} ends less than {limit} before {x.title}")
            for x in day_runs:
                if x.time_known and start < _u(x.end) + timedelta(
                        hours=r.run_to_lift_gap_hours):
                    errors.append(f"R3: {label} is less than the gap after {x.title} "
                                  f"(or before it)")
            if any(not x.time_known for x in day_runs):
                windows = a.availability[d.weekday()]
                last = windows[-1] if windows else None
                if last is None or start.astimezone(tz).time() < last.start:
                    errors.append(f"R3: {label} not in the latest window on a day whose run "
                                  "time is unknown")
            phase = expected_phase(inputs, d)
            if day_runs and all(x.kind is RunKind.EASY for x in day_runs) and phase not in (
                    "base", "maintenance"):
                errors.append(f"R4: {label} on an easy day in {phase}")
        if heavy and (d - timedelta(days=1)) in race_days:
            errors.append(f"R12: {label} is the day after a race")
        jumps = [e.name for e in s.exercises if _is_jump(e.name, e.pattern)]
        if jumps and (d - timedelta(days=1)) in race_days:
            errors.append(f"R12: {label} has plyometrics ({jumps[0]}) the day after a race")
        if jumps and any(x.kind is RunKind.LONG and _u(x.end) - _u(x.start) >= timedelta(
                minutes=90) for x in day_runs):
            errors.append(f"R13: {label} has plyometrics on the day of a long run of 90+ min")
        if jumps and any(x.kind is RunKind.QUALITY and start < start_for_r2(x)
                         and start_for_r2(x) - end < timedelta(hours=24) for x in runs):
            errors.append(f"R13: {label} has plyometrics within 24 h before a quality run")
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
            if start < _u(b.end) and end > _u(b.start):
                errors.append(f"R10: {label} overlaps busy '{b.title}'")
        for x in runs:
            if x.time_known and start < _u(x.end) and end > _u(x.start):
                errors.append(f"R10: {label} overlaps the run {x.title}")
        # Inside a window: both ends read inside it on day d (each reading names one
        # instant, checked above, so the real interval lies between the window's edges).
        windows = a.availability[d.weekday()]
        lt_start, lt_end = start.astimezone(tz), end.astimezone(tz)
        inside = end > start and lt_end.date() == d and any(
            w.start <= lt_start.time() and lt_end.time() <= w.end for w in windows)
        if not inside:
            errors.append(f"R10: {label} outside the availability windows")
        for o in out:
            if o is not s and o.status is not SessionStatus.DECLINED and (
                    start < _u(o.end) and end > _u(o.start)):
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
    heavies = sorted((s for s in lifting if s.kind is SessionKind.HEAVY),
                     key=lambda s: _u(s.start))
    for i, s in enumerate(heavies):
        for o in heavies[i + 1:]:
            if (s in new or o in new) and _u(o.start) - _u(s.start) < timedelta(hours=48):
                errors.append(f"R9: heavy {s.uid} and {o.uid} less than 48 h apart")
    # R9, rolling: no more heavy sessions than the week's target in any 7 consecutive days
    # (a window's target is the largest of its days'), judged on windows holding a new one.
    heavy_days = [(_day(s.start, tz), s in new) for s in heavies]
    for first in sorted({d - timedelta(days=k) for d, fresh in heavy_days if fresh
                         for k in range(7)}):
        inside = [d for d, _ in heavy_days if first <= d < first + timedelta(days=7)]
        cap = max(min(a.sessions_per_week, a.max_sessions_per_week,
                      PHASE_TARGET[expected_phase(inputs, first + timedelta(days=k))])
                  for k in range(7))
        if len(inside) > cap and any(fresh and first <= d < first + timedelta(days=7)
                                     for d, fresh in heavy_days):
            errors.append(f"R9: {len(inside)} heavy sessions in the 7 days from {first}, "
                          f"target {cap}")
    return errors + check_content(inputs, now, result)

