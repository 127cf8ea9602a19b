"""The hard rules R1-R10 as checks that say which rule refused what, and why.

``World`` indexes the inputs once (runs and busy time by local day, hard runs in time order)
so that each check is a dictionary lookup or a bisect. Day-level checks decide which session
kinds a day may hold; slot-level checks decide whether one start time works. Every instant
in a ``World`` is UTC, so each gap and overlap below is real elapsed time (see ``realtime``).
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.model import (
    WEEKDAYS,
    Athlete,
    BusyInterval,
    Phase,
    Race,
    Readiness,
    RuleSettings,
    Run,
    RunKind,
    SessionKind,
)
from syncd.planner.inputs import Rejection
from syncd.planner.phases import (
    HEAVY_ON_EASY_DAYS,
    PHASE_CAP,
    PHASE_KINDS,
    a_races,
    phase_for,
)
from syncd.planner.ramp import Break
from syncd.planner.realtime import utc, wall

HEAVY_SPACING = timedelta(hours=48)
# R9: no more heavy sessions than the week's target in any 7 consecutive days.
HEAVY_WINDOW_DAYS = 7
UNKNOWN_RUN_START = time(6, 0)
RACE_BLACKOUT_DAYS = 2
# R13: no plyometrics on the day of a long run this long, nor this close before a quality run.
PLYO_LONG_RUN = timedelta(minutes=90)
PLYO_BEFORE_QUALITY = timedelta(hours=24)
# No lifting in the first days after an A race: the recovery phase starts with rest.
RACE_REST_DAYS = 3
# A session never appears at such short notice that the athlete cannot get to it.
LEAD_TIME = timedelta(hours=2)


def day_name(d: date) -> str:
    return WEEKDAYS[d.weekday()].capitalize()


@functools.lru_cache(maxsize=4096)
def run_label(run: Run, tz: ZoneInfo) -> str:
    what = run.title or f"{run.kind.value} run"
    if not run.time_known:
        return f"{what} (time not set)"
    return f"{what} {run.start.astimezone(tz):%H:%M}–{run.end.astimezone(tz):%H:%M}"


@dataclass
class World:
    athlete: Athlete
    rules: RuleSettings
    races: tuple[Race, ...]
    runs: tuple[Run, ...]
    busy: tuple[BusyInterval, ...]
    readiness: tuple[Readiness, ...]
    now: datetime
    tz: ZoneInfo = field(init=False)
    runs_by_day: dict[date, list[Run]] = field(init=False)
    busy_by_day: dict[date, list[tuple[datetime, datetime, str]]] = field(init=False)
    hard_starts: list[datetime] = field(init=False)
    hard_runs: list[Run] = field(init=False)
    readiness_by_day: dict[date, Readiness] = field(init=False)
    race_days: set[date] = field(init=False)
    a_race_days: list[date] = field(init=False)
    running_weeks: int | None = None
    comeback: Break | None = None

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.athlete.timezone)
        self.now = utc(self.now)
        self.runs = tuple(r if r.start.tzinfo is UTC and r.end.tzinfo is UTC
                          else replace(r, start=utc(r.start), end=utc(r.end)) for r in self.runs)
        self.busy = tuple(b if b.start.tzinfo is UTC and b.end.tzinfo is UTC
                          else replace(b, start=utc(b.start), end=utc(b.end)) for b in self.busy)
        self.runs_by_day = {}
        for run in self.runs:
            self.runs_by_day.setdefault(run.start.astimezone(self.tz).date(), []).append(run)
        self.busy_by_day = {}
        for b in self.busy:
            d = b.start.astimezone(self.tz).date()
            while d <= (b.end - timedelta(microseconds=1)).astimezone(self.tz).date():
                self.busy_by_day.setdefault(d, []).append((b.start, b.end, b.title))
                d += timedelta(days=1)
        hard = sorted((r for r in self.runs if r.kind.is_hard), key=self.effective_start)
        self.hard_runs = hard
        self.hard_starts = [self.effective_start(r) for r in hard]
        self.readiness_by_day = {r.day: r for r in self.readiness}
        self.race_days = {r.day for r in self.races} | {
            r.start.astimezone(self.tz).date() for r in self.runs if r.kind is RunKind.RACE}
        self.a_race_days = a_races(self.races)

    def effective_start(self, run: Run) -> datetime:
        """When a run counts as starting for R2: its time, or 06:00 if only the day is known."""
        if run.time_known:
            return run.start
        d = run.start.astimezone(self.tz).date()
        return wall(d, UNKNOWN_RUN_START, self.tz)

    def phase(self, d: date) -> Phase:
        return phase_for(d, self.races, self.rules)

    def day_type(self, d: date) -> str:
        runs = self.runs_by_day.get(d, [])
        if not runs:
            return "rest"
        return "hard" if any(r.kind.is_hard for r in runs) else "easy"

    def is_minor(self) -> bool:
        """R8 with only a birth year: under 18 until the year the athlete turns 19 (cautious)."""
        by = self.athlete.birth_year
        return by is not None and self.now.astimezone(self.tz).year - by <= 18

    def is_new_runner(self) -> bool:
        weeks = self.running_weeks
        return weeks is not None and weeks < self.rules.min_running_weeks

    # -- day level -------------------------------------------------------------------------

    def day_blocks(self, d: date) -> Rejection | None:
        """Rules that forbid any session on a day."""
        if d.weekday() in self.athlete.rest_days:
            return Rejection("R5", "rest day")
        if d in self.race_days:
            return Rejection("R6", "race day")
        for gap in range(1, RACE_BLACKOUT_DAYS + 1):
            if d + timedelta(days=gap) in self.race_days:
                return Rejection("R6", f"{gap} day{'s' if gap > 1 else ''} before a race")
        return None

    def lifting_kinds(
            self, d: date) -> tuple[list[SessionKind], list[tuple[SessionKind, Rejection]]]:
        """Lifting kinds allowed on ``d`` in order of preference, and the refused ones."""
        phase = self.phase(d)
        wanted = list(PHASE_KINDS[phase])
        refused: list[tuple[SessionKind, Rejection]] = []
        after = [a for a in self.a_race_days if 0 < (d - a).days <= RACE_REST_DAYS]
        if wanted and phase is Phase.RECOVERY and after:
            wanted = []
            refused.append((SessionKind.LIGHT, Rejection(
                "G1", f"{(d - after[-1]).days} day{'s' if (d - after[-1]).days > 1 else ''} "
                      f"after the A race on {after[-1]:%a %d %b}: rest first")))
        if self.is_new_runner():
            if wanted:
                wanted = [SessionKind.FOUNDATION]
            refused.append((SessionKind.HEAVY, Rejection(
                "R7", f"{self.running_weeks} of {self.rules.min_running_weeks} weeks of "
                      "consistent running: foundation and core only")))
        if wanted and self.is_minor() and not self.athlete.supervised:
            # 000: open growth plates, professional advice: no barbell loading at all.
            wanted = [SessionKind.FOUNDATION]
            refused.append((SessionKind.HEAVY, Rejection(
                "R8", "under 18 without a supervising coach: no loaded lifting, foundation "
                      "and core only")))
        if SessionKind.HEAVY in wanted and (ramp := self.ramp_rejection(d)) is not None:
            wanted = [SessionKind.LIGHT if k is SessionKind.HEAVY else k for k in wanted]
            wanted = list(dict.fromkeys(wanted))
            refused.append((SessionKind.HEAVY, ramp))
        if SessionKind.HEAVY in wanted:
            why = self.heavy_day_rejection(d, phase)
            if why is not None:
                wanted.remove(SessionKind.HEAVY)
                refused.append((SessionKind.HEAVY, why))
                if phase is Phase.PEAK and SessionKind.LIGHT not in wanted:
                    wanted.append(SessionKind.LIGHT)
        if SessionKind.HEAVY in wanted and (low := self.low_readiness(d)):
            wanted = [SessionKind.LIGHT if k is SessionKind.HEAVY else k for k in wanted]
            wanted = list(dict.fromkeys(wanted))
            refused.append((SessionKind.HEAVY, Rejection("readiness", low)))
        if not wanted and not PHASE_KINDS[phase]:
            refused.append((SessionKind.LIGHT, Rejection(
                "G1", f"the {phase.value} phase has no lifting")))
        return wanted, refused

    def ramp_rejection(self, d: date) -> Rejection | None:
        """R7 after a break: light instead of heavy for as many days as the break (7-14)."""
        b = self.comeback
        if b is None or not b.covers(d):
            return None
        since = "since" if b.ongoing else "after"
        return Rejection("R7", f"{b.days_off} days without a run {since} {b.last:%a %d %b}: "
                               f"reduced load, full load again from {b.ramp_end:%a %d %b} "
                               "(return ramp)")

    def heavy_cap(self, d: date) -> int:
        """The week's target of heavy sessions on day ``d``'s phase (G1, R9)."""
        a = self.athlete
        return min(a.sessions_per_week, a.max_sessions_per_week, PHASE_CAP[self.phase(d)])

    def heavy_crowded(self, start: datetime, anchors: list[datetime]) -> bool:
        """R9's rolling cap: True when a heavy session at ``start`` would put more heavy
        sessions in some 7 consecutive local days than the week's target. Weekly caps alone
        let Fri, Sun and the next Tue hold three in five days. A window's target is the
        largest of its days' (so a phase change never forbids what both phases allow)."""
        d = start.astimezone(self.tz).date()
        days = [a.astimezone(self.tz).date() for a in anchors]
        for first in (d - timedelta(days=k) for k in range(HEAVY_WINDOW_DAYS)):
            last = first + timedelta(days=HEAVY_WINDOW_DAYS - 1)
            cap = max(self.heavy_cap(first + timedelta(days=k))
                      for k in range(HEAVY_WINDOW_DAYS))
            if 1 + sum(1 for x in days if first <= x <= last) > cap:
                return True
        return False

    def race_before(self, d: date) -> Rejection | None:
        """R12: the day after any race (A, B or C) holds nothing heavy and no jumps."""
        if d - timedelta(days=1) in self.race_days:
            return Rejection("R12", "the day after a race: nothing heavy, no jumps")
        return None

    def plyometrics_rejection(self, d: date, start: datetime, end: datetime
                              ) -> Rejection | None:
        """R13: why a session from ``start`` to ``end`` on ``d`` holds no plyometrics."""
        if (after := self.race_before(d)) is not None:
            return after
        for run in self.runs_by_day.get(d, []):
            if run.kind is RunKind.LONG and run.end - run.start >= PLYO_LONG_RUN:
                return Rejection("R13", f"no jumps on the day of the {run_label(run, self.tz)} "
                                        f"({(run.end - run.start).total_seconds() / 60:.0f} min)")
        i = bisect.bisect_right(self.hard_starts, start)
        for run, at in zip(self.hard_runs[i:], self.hard_starts[i:], strict=True):
            if at - end >= PLYO_BEFORE_QUALITY:
                break
            if run.kind is RunKind.QUALITY:
                return Rejection("R13", f"no jumps within 24 h before the "
                                        f"{run_label(run, self.tz)}")
        return None

    def heavy_day_rejection(self, d: date, phase: Phase) -> Rejection | None:
        if (after := self.race_before(d)) is not None:
            return after
        nxt = [r for r in self.runs_by_day.get(d + timedelta(days=1), []) if r.kind.is_hard]
        if nxt:
            run = nxt[0]
            return Rejection("R1", f"{day_name(d + timedelta(days=1))} has a {run.kind.value} "
                                   f"run ({run.title or run.kind.value})")
        for a in self.a_race_days:
            if 0 <= (a - d).days <= self.rules.taper_days:
                return Rejection("R6", f"within {self.rules.taper_days} days of the A race "
                                       f"on {a:%a %d %b}: light at most")
        if self.day_type(d) == "easy" and phase not in HEAVY_ON_EASY_DAYS:
            return Rejection("R4", f"easy day in the {phase.value} phase")
        return None

    def low_readiness(self, d: date) -> str:
        r = self.readiness_by_day.get(d)
        if r is None:
            return ""
        if r.score is not None and r.score < self.rules.readiness_low_score:
            return f"readiness {r.score} is below {self.rules.readiness_low_score}: light instead"
        if r.hrv_status and r.hrv_status.upper() in self.rules.readiness_low_hrv:
            return f"HRV status {r.hrv_status.upper()}: light instead of heavy"
        return ""

    # -- slot level ------------------------------------------------------------------------

    def slot_rejection(self, kind: SessionKind, start: datetime, end: datetime,
                       published: bool = False) -> Rejection | None:
        """Why ``start`` does not work, or None. A ``published`` session's own time is
        exempt from the lead time (it is already in the calendar), not from any rule."""
        if start <= self.now or (start < self.now + LEAD_TIME and not published):
            return Rejection("now", "too soon: sessions are planned at least 2 h ahead", start)
        d = start.astimezone(self.tz).date()
        lifting = kind.is_lifting
        gap = timedelta(hours=self.rules.run_to_lift_gap_hours if lifting else 0.5)
        for run in self.runs_by_day.get(d, []):
            if not run.time_known:
                continue
            if start < run.end and end > run.start:
                return Rejection("R10", f"overlaps the {run_label(run, self.tz)}", start)
            if kind is SessionKind.HEAVY and start < run.start:
                return Rejection("R3", f"before the {run_label(run, self.tz)}: run first, "
                                       "lift after", start)
            if kind is SessionKind.HEAVY and start < run.end + gap:
                return Rejection("R3", f"less than {gap.total_seconds() / 3600:g} h after the "
                                       f"{run_label(run, self.tz)}", start)
            if start < run.end + gap and end > run.start - timedelta(minutes=30):
                return Rejection("R3", f"too close to the {run_label(run, self.tz)}", start)
        for b_start, b_end, title in self.busy_by_day.get(d, []):
            if start < b_end and end > b_start:
                return Rejection("R10", f"busy: {title}", start)
        if kind is SessionKind.HEAVY:
            i = bisect.bisect_right(self.hard_starts, start)
            if i < len(self.hard_starts):
                nxt = self.hard_runs[i]
                limit = timedelta(hours=self.rules.heavy_to_quality_hours)
                if self.hard_starts[i] - end < limit:
                    return Rejection("R2", f"ends less than {limit.total_seconds() / 3600:g} h "
                                           f"before the {run_label(nxt, self.tz)} on "
                                           f"{self.hard_starts[i].astimezone(self.tz):%a}", start)
        return None

    def unknown_time_runs(self, d: date) -> list[Run]:
        return [r for r in self.runs_by_day.get(d, []) if not r.time_known]
