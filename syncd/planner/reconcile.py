"""Reconcile what was planned with what happened, before any placement.

Runs: a planned run is *done* when a completed run shares its local day; *skipped* once its
local day has ended with none (never a race): until then it is "not yet done", since a run
planned for 07:00 may well be done at 16:00, and taking it as skipped at noon would move the
day's heavy session away for good. *Done early* when an unplanned completed run of the same
hard kind came up to two days before it. Completed runs then stand in for the plan, so a run
done at another time (a late run re-anchors the day: R3 counts from its real end) or on
another day moves the hard day with it.

Sessions: a published session matched by a strength activity within ±1 day is done; one
whose time has passed by more than the grace without one is missed. A core session is done
only by an activity recorded while it was on (a core circuit the watch logged as strength).
Unmatched strength activities still count toward the week (the athlete lifted on their own).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.model import (
    Race,
    Run,
    RunKind,
    RunStatus,
    Session,
    SessionStatus,
    StrengthActivity,
)
from syncd.planner.realtime import local_day, wall

GRACE = timedelta(hours=3)
RACE_START = time(9, 0)  # a race from the race calendar, whose start time nobody gave
EARLY_DAYS = 2


@dataclass(frozen=True)
class Reconciled:
    runs: tuple[Run, ...]
    notes: tuple[tuple[date, str], ...]
    sessions: tuple[Session, ...]
    extra_strength: tuple[StrengthActivity, ...]


def reconcile_runs(planned: tuple[Run, ...], completed: tuple[Run, ...], races: tuple[Race, ...],
                   now: datetime, tz: ZoneInfo) -> tuple[tuple[Run, ...], list[tuple[date, str]]]:
    notes: list[tuple[date, str]] = []
    done_by_day: dict[date, list[Run]] = {}
    for run in completed:
        done_by_day.setdefault(local_day(run.start, tz), []).append(run)
    used: dict[str, RunKind] = {}  # completed run id -> kind of the planned run it matched
    kept: list[Run] = []
    for p in sorted(planned, key=lambda r: r.start):
        day = local_day(p.start, tz)
        same_day = [c for c in done_by_day.get(day, []) if c.id not in used]
        if same_day:
            match = next((c for c in same_day if c.kind is p.kind), same_day[0])
            used[match.id] = p.kind
            if match.start.astimezone(tz).time() != p.start.astimezone(tz).time() and p.time_known:
                notes.append((day, f"{p.title or p.kind.value} was run at "
                                   f"{match.start.astimezone(tz):%H:%M} instead of "
                                   f"{p.start.astimezone(tz):%H:%M}"))
            continue
        if _skipped(p, now, tz):
            notes.append((day, f"planned {p.kind.value} run '{p.title or p.kind.value}' "
                               "was skipped (no matching activity)"))
            continue
        kept.append(p)
    # A hard run done on a day with nothing (or only an easy run) planned may be a planned
    # hard run done early: the athlete swapped days.
    final: list[Run] = []
    unplanned_hard = sorted((c for c in completed if c.kind.is_hard
                             and used.get(c.id) is not c.kind), key=lambda r: r.start)
    hard_by_day: dict[date, list[Run]] = {}
    for c in unplanned_hard:
        hard_by_day.setdefault(local_day(c.start, tz), []).append(c)
    early_used: set[str] = set()
    for p in kept:
        pday = local_day(p.start, tz)
        near = [c for gap in range(1, EARLY_DAYS + 1)
                for c in hard_by_day.get(pday - timedelta(days=gap), ())]
        early = next((c for c in sorted(near, key=lambda r: r.start)
                      if c.id not in early_used and c.kind is p.kind), None)
        if early is not None and p.kind in (RunKind.QUALITY, RunKind.LONG):
            early_used.add(early.id)
            notes.append((pday, f"planned {p.kind.value} run '{p.title or p.kind.value}' "
                                f"was done early on {local_day(early.start, tz):%a %d %b}"))
            continue
        final.append(p)
    # A race replaces that day's planned run: a template's Sunday long run on marathon day
    # is not run as well (issue 23); the day's hard run is the race.
    raced = {local_day(r.start, tz) for r in (*completed, *final) if r.kind is RunKind.RACE}
    raced |= {r.day for r in races}
    replaced = [p for p in final if p.kind is not RunKind.RACE
                and local_day(p.start, tz) in raced]
    for p in replaced:
        notes.append((local_day(p.start, tz), f"planned {p.kind.value} run "
                      f"'{p.title or p.kind.value}' is replaced by the race"))
    final = [p for p in final if p not in replaced]
    runs = list(completed) + final
    race_days = {local_day(r.start, tz) for r in runs if r.kind is RunKind.RACE}
    for race in races:
        if race.day not in race_days:
            start = wall(race.day, RACE_START, tz)
            runs.append(Run(id=f"race:{race.day.isoformat()}", source="races", start=start,
                            end=start + timedelta(hours=2), kind=RunKind.RACE,
                            status=RunStatus.PLANNED, title=race.name,
                            reason=f"race ({race.priority.value})", time_known=False))
    runs.sort(key=lambda r: (r.start, r.id))
    return tuple(runs), notes


def _skipped(p: Run, now: datetime, tz: ZoneInfo) -> bool:
    """A planned run is skipped once its local day is over with no run recorded that day.

    A race is never taken as skipped for want of an upload: the day stays a race day.
    """
    if p.kind is RunKind.RACE:
        return False
    return local_day(now, tz) > local_day(p.start, tz)


def reconcile_sessions(published: tuple[Session, ...], strength: tuple[StrengthActivity, ...],
                       now: datetime, tz: ZoneInfo
                       ) -> tuple[tuple[Session, ...], tuple[StrengthActivity, ...]]:
    """Mark past sessions done or missed; return them with the unmatched activities."""
    acts = sorted(strength, key=lambda a: a.start)
    by_day: dict[date, list[StrengthActivity]] = {}
    for a in acts:
        by_day.setdefault(local_day(a.start, tz), []).append(a)
    used: set[str] = set()
    out: list[Session] = []

    def claim(s: Session, sday: date) -> StrengthActivity | None:
        # Only lifting sessions claim by day; a core session only what it overlaps (above).
        candidates = [a for gap in (-1, 0, 1)
                      for a in by_day.get(sday + timedelta(days=gap), ())
                      if a.id not in used and s.kind.is_lifting]
        if not candidates:
            return None
        best = min(candidates, key=lambda a: abs((a.start - s.start).total_seconds()))
        used.add(best.id)
        return best

    def claim_during(s: Session) -> StrengthActivity | None:
        # A core circuit recorded on the watch (as strength) while a core session was on is
        # that session done, not lifting on the athlete's own: counted as lifting, it would
        # take a heavy session's place in the week and in R9's 7-day window.
        during = [a for a in by_day.get(local_day(s.start, tz), ())
                  if a.id not in used and a.start < s.end and a.end > s.start]
        if not during:
            return None
        used.add(during[0].id)
        return during[0]

    # Sessions already done keep the activity that proved it, so it is not counted twice.
    for s in published:
        if s.status is SessionStatus.DONE and s.kind.is_lifting:
            claim(s, local_day(s.start, tz))
        elif s.status is SessionStatus.DONE:
            claim_during(s)
    core_done = {s.uid for s in sorted(published, key=lambda s: (s.start, s.uid))
                 if not s.kind.is_lifting and s.status is not SessionStatus.DECLINED
                 and s.status is not SessionStatus.DONE and claim_during(s) is not None}
    # Then the earliest sessions claim activities first, each activity at most once.
    for s in sorted(published, key=lambda s: (s.start, s.uid)):
        if s.status in (SessionStatus.DECLINED, SessionStatus.DONE):
            out.append(s)
            continue
        sday = local_day(s.start, tz)
        if s.uid in core_done or (s.start <= now + timedelta(days=1)
                                  and claim(s, sday) is not None):
            out.append(replace(s, status=SessionStatus.DONE))
        elif s.end + GRACE < now and s.status in (SessionStatus.PLANNED, SessionStatus.PINNED):
            out.append(replace(s, status=SessionStatus.MISSED))
        else:
            out.append(s)
    extra = tuple(a for a in acts if a.id not in used)
    return tuple(out), extra
