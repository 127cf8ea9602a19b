"""Domain types shared by sources, the planner and the sinks.

Everything here is a plain frozen dataclass or enum so that the planner can stay a pure
function of its inputs, and so that two plans can be compared with ``==``. Every datetime is
timezone-aware; local dates are computed in the athlete's zone by the code that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# What an athlete can lift with (athlete.equipment); "none" is bodyweight only.
EQUIPMENT = ("barbell", "trap bar", "dumbbells", "kettlebell", "bands", "box", "pull-up bar",
             "none")
GYM_EQUIPMENT = EQUIPMENT[:-1]


class RunKind(StrEnum):
    """How hard a run is, in the vocabulary of the rules contract."""

    EASY = "easy"
    LONG = "long"
    QUALITY = "quality"
    RACE = "race"

    @property
    def is_hard(self) -> bool:
        return self is not RunKind.EASY


class RunStatus(StrEnum):
    PLANNED = "planned"
    COMPLETED = "completed"


class SessionKind(StrEnum):
    HEAVY = "heavy"
    LIGHT = "light"
    CORE = "core"
    FOUNDATION = "foundation"

    @property
    def is_lifting(self) -> bool:
        """Lifting sessions count toward R9's weekly cap and G1's target; core does not."""
        return self is not SessionKind.CORE


class SessionStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    MISSED = "missed"
    PINNED = "pinned"
    DECLINED = "declined"


class Phase(StrEnum):
    BASE = "base"
    BUILD = "build"
    PEAK = "peak"
    TAPER = "taper"
    RACE_WEEK = "race-week"
    RECOVERY = "recovery"
    MAINTENANCE = "maintenance"


class RacePriority(StrEnum):
    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True, slots=True)
class Run:
    """A run the athlete did (completed) or intends to do (planned).

    ``time_known`` is False for runs whose day is known but not their time of day (an
    all-day calendar event, a template entry without a time): R3 then places a heavy
    session in the latest window of that day.
    """

    id: str
    source: str
    start: datetime
    end: datetime
    kind: RunKind
    status: RunStatus
    title: str = ""
    reason: str = ""
    time_known: bool = True
    distance_m: float | None = None
    detail: int = 0  # how many signals its source had (``Evidence.richness``): richer wins

    @property
    def duration(self) -> timedelta:
        # Real time: two readings that share a ZoneInfo subtract as wall-clock times.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ExerciseGuess:
    """The watch's guess of what a set was: a Garmin category, a name ("" when it only knows
    the category), and its probability in percent (0-100)."""

    category: str
    name: str
    probability: float


@dataclass(frozen=True, slots=True)
class LiftedSet:
    """One set a watch recorded in a strength activity (Garmin's exerciseSets, FIT ``set``).

    ``step_index`` ties it to the step of the scheduled workout the runner followed; None
    when no workout was followed. REST sets carry no reps or weight."""

    active: bool
    reps: int | None = None
    weight_kg: float | None = None
    step_index: int | None = None
    start: datetime | None = None
    guesses: tuple[ExerciseGuess, ...] = ()


@dataclass(frozen=True, slots=True)
class StrengthActivity:
    """A strength workout recorded by a watch or service (evidence a session was done), with
    the sets the watch recorded when the source has them."""

    id: str
    source: str
    start: datetime
    end: datetime
    title: str = ""
    sets: tuple[LiftedSet, ...] = ()


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """Time the athlete is not free (an event in one of their busy calendars, R10)."""

    start: datetime
    end: datetime
    title: str = "busy"


@dataclass(frozen=True, slots=True)
class Readiness:
    """Morning readiness for one local day (Garmin training readiness, HRV status)."""

    day: date
    score: int | None = None
    hrv_status: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Race:
    day: date
    name: str
    priority: RacePriority = RacePriority.A


@dataclass(frozen=True, slots=True)
class Exercise:
    """One prescribed exercise: what, how much, how long to rest."""

    name: str
    pattern: str
    sets: int
    reps: str
    load: str = ""
    rest_s: int = 0
    note: str = ""

    def describe(self) -> str:
        dose = f"{self.sets} × {self.reps}"
        parts = [f"{self.name}: {dose}"]
        if self.load:
            parts.append(self.load)
        if self.rest_s:
            parts.append(f"rest {self.rest_s // 60}:{self.rest_s % 60:02d}")
        text = ", ".join(parts)
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True, slots=True)
class Session:
    """A strength session as planned (or as observed in the calendar for pinned ones)."""

    uid: str
    kind: SessionKind
    start: datetime
    end: datetime
    status: SessionStatus = SessionStatus.PLANNED
    title: str = ""
    warmup: str = ""
    exercises: tuple[Exercise, ...] = ()
    rules: tuple[str, ...] = ()
    explanation: str = ""

    @property
    def duration_min(self) -> int:
        # Real minutes, also on the night the clocks change.
        return int((self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A window of availability within one day, in local wall-clock time."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Athlete:
    timezone: str = "UTC"
    sessions_per_week: int = 2
    max_sessions_per_week: int = 3
    core_per_week: int = 1
    rest_days: frozenset[int] = frozenset()
    availability: tuple[tuple[TimeWindow, ...], ...] = field(
        default_factory=lambda: tuple((TimeWindow(time(6, 0), time(21, 0)),) for _ in WEEKDAYS)
    )
    preferred_time: str = "evening"
    session_minutes: int = 45
    birth_year: int | None = None
    supervised: bool = False
    running_since: date | None = None
    one_rep_max: tuple[tuple[str, float], ...] = ()
    # What the athlete lifts with (config athlete.equipment); the default is a gym.
    equipment: tuple[str, ...] = GYM_EQUIPMENT

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def equipment_set(self) -> frozenset[str]:
        """"none" means bodyweight only, whatever else is listed with it."""
        return frozenset() if "none" in self.equipment else frozenset(self.equipment)


@dataclass(frozen=True, slots=True)
class RuleSettings:
    heavy_to_quality_hours: float = 36.0
    run_to_lift_gap_hours: float = 3.0
    taper_days: int = 10
    min_running_weeks: int = 6
    readiness_low_score: int = 33
    readiness_low_hrv: tuple[str, ...] = ("LOW", "POOR")
    phase: Phase | None = None
    recovery_days: int = 14
