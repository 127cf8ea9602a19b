"""What the planner takes and what it gives back.

``PlanInputs`` holds everything the planner may know; ``Plan`` everything it decided, plus the
per-day reasoning (``DayReport``) behind ``syncd plan --explain DATE``. Instants may come in any
zone; ``in_utc`` gives the planner the same inputs with every instant in UTC, so that no
arithmetic inside it is ever done on wall-clock readings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from syncd.model import (
    Athlete,
    BusyInterval,
    Phase,
    Race,
    Readiness,
    RuleSettings,
    Run,
    Session,
    SessionKind,
    StrengthActivity,
)
from syncd.planner.catalogue import Catalogue, default_catalogue
from syncd.planner.realtime import utc


@dataclass(frozen=True)
class PlanInputs:
    athlete: Athlete
    rules: RuleSettings = field(default_factory=RuleSettings)
    races: tuple[Race, ...] = ()
    planned_runs: tuple[Run, ...] = ()
    completed_runs: tuple[Run, ...] = ()
    strength: tuple[StrengthActivity, ...] = ()
    published: tuple[Session, ...] = ()
    busy: tuple[BusyInterval, ...] = ()
    readiness: tuple[Readiness, ...] = ()
    horizon_days: int = 14
    known_uids: frozenset[str] = frozenset()
    catalogue: Catalogue = field(default_factory=default_catalogue, repr=False)


def in_utc(inputs: PlanInputs, runs_since: datetime) -> PlanInputs:
    """The same inputs with every instant in UTC (dates and wall-clock settings unchanged),
    keeping only the completed runs that end after ``runs_since``: older ones count only for
    R7, which reads their dates from the inputs as given."""
    def runs(rs: tuple[Run, ...]) -> tuple[Run, ...]:
        return tuple(replace(r, start=utc(r.start), end=utc(r.end)) for r in rs)
    return replace(
        inputs,
        planned_runs=runs(inputs.planned_runs),
        completed_runs=runs(tuple(r for r in inputs.completed_runs if r.end > runs_since)),
        strength=tuple(replace(a, start=utc(a.start), end=utc(a.end)) for a in inputs.strength),
        published=tuple(replace(s, start=utc(s.start), end=utc(s.end))
                        for s in inputs.published),
        busy=tuple(replace(b, start=utc(b.start), end=utc(b.end)) for b in inputs.busy))


@dataclass(frozen=True)
class Rejection:
    """Why something was not placed: a rule id and a sentence."""

    rule: str
    reason: str
    start: datetime | None = None

    def text(self) -> str:
        return f"{self.reason} ({self.rule})"


@dataclass(frozen=True)
class DayReport:
    day: date
    phase: Phase
    day_type: str
    runs: tuple[Run, ...]
    kinds: tuple[tuple[SessionKind, tuple[Rejection, ...]], ...]
    slots: tuple[tuple[SessionKind, tuple[Rejection, ...]], ...]
    session_uid: str | None = None
    notes: tuple[str, ...] = ()

    def kind_rejections(self, kind: SessionKind) -> tuple[Rejection, ...]:
        return next((r for k, r in self.kinds if k is kind), ())


@dataclass(frozen=True)
class Plan:
    now: datetime
    timezone: str
    phase: Phase
    runs: tuple[Run, ...]
    sessions: tuple[Session, ...]
    warnings: tuple[str, ...]
    days: tuple[DayReport, ...] = ()

    def report(self, day: date) -> DayReport | None:
        return next((d for d in self.days if d.day == day), None)
