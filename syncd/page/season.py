"""The season week by week, for the page's chart: phase, races, lifting and running load.

Pure: the plan, the sessions syncd remembers and the completed runs in, one row per ISO week
out. The weeks run from a few weeks back (what was done) to the end of the recovery after
the last A race ahead, or twelve weeks ahead when no A race is set, and never more than a
year: a chart with a bar per week stays readable on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from syncd.model import (
    Athlete,
    Phase,
    Race,
    RacePriority,
    RuleSettings,
    Run,
    RunStatus,
    Session,
    SessionStatus,
)
from syncd.planner.phases import PHASE_CAP, phase_for

WEEKS_BACK = 4
WEEKS_AHEAD_WITHOUT_RACE = 12
MAX_WEEKS = 52


@dataclass(frozen=True)
class Week:
    monday: date
    phase: Phase
    races: tuple[Race, ...]
    done: int  # lifting sessions the watch or the user marked done
    planned: int  # lifting sessions still planned (or pinned by the user)
    missed: int
    target: int  # lifting sessions the phase asks for (G1), for weeks not planned yet
    run_minutes: int  # completed running time that week
    when: str  # "past", "now" or "ahead"

    @property
    def label(self) -> str:
        return f"{self.monday:%d %b}"


def season_weeks(today: date, races: tuple[Race, ...], rules: RuleSettings, athlete: Athlete,
                 sessions: tuple[Session, ...], runs: tuple[Run, ...], tz: ZoneInfo
                 ) -> list[Week]:
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS_BACK)
    last = _last_day(today, races, rules)
    count = min(MAX_WEEKS, (last - first).days // 7 + 1)
    lifting: dict[date, list[SessionStatus]] = {}
    for s in sessions:
        if s.kind.is_lifting and s.status is not SessionStatus.DECLINED:
            lifting.setdefault(_monday(s.start.astimezone(tz).date()), []).append(s.status)
    minutes: dict[date, float] = {}
    for r in runs:
        if r.status is RunStatus.COMPLETED:
            key = _monday(r.start.astimezone(tz).date())
            minutes[key] = minutes.get(key, 0.0) + r.duration.total_seconds() / 60
    this_monday = _monday(today)
    out = []
    for i in range(count):
        monday = first + timedelta(weeks=i)
        phase = phase_for(monday + timedelta(days=3), races, rules)
        statuses = lifting.get(monday, [])
        out.append(Week(
            monday=monday, phase=phase,
            races=tuple(sorted((r for r in races if monday <= r.day < monday + timedelta(7)),
                               key=lambda r: r.day)),
            done=statuses.count(SessionStatus.DONE),
            planned=sum(st in (SessionStatus.PLANNED, SessionStatus.PINNED) for st in statuses),
            missed=statuses.count(SessionStatus.MISSED),
            target=min(athlete.sessions_per_week, athlete.max_sessions_per_week,
                       PHASE_CAP[phase]),
            run_minutes=round(minutes.get(monday, 0.0)),
            when="past" if monday < this_monday else "now" if monday == this_monday
            else "ahead"))
    return out


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _last_day(today: date, races: tuple[Race, ...], rules: RuleSettings) -> date:
    ahead = sorted(r.day for r in races if r.priority is RacePriority.A and r.day >= today)
    if ahead:
        return ahead[-1] + timedelta(days=rules.recovery_days)
    return today + timedelta(weeks=WEEKS_AHEAD_WITHOUT_RACE)
