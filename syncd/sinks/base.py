"""The small interface every calendar sink implements, and what a sync reports back.

A sink receives the plan's sessions and makes its calendar match; it reports the actions it
took (or would take, with ``dry_run``) and what it learned about the user's edits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from syncd.model import Session

if TYPE_CHECKING:
    from syncd.planner import Plan, PlanInputs


class Op(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PIN = "pin"
    DECLINE = "decline"


@dataclass(frozen=True)
class Action:
    op: Op
    uid: str
    summary: str = ""
    start: datetime | None = None
    detail: str = ""

    def describe(self, tz_name: str) -> str:
        from zoneinfo import ZoneInfo

        when = f" {self.start.astimezone(ZoneInfo(tz_name)):%a %d %b %H:%M}" if self.start else ""
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.op.value:<7} {self.summary}{when}{extra}"


@dataclass(frozen=True)
class UserChange:
    """The user moved/edited a session (pinned) or deleted it (declined)."""

    uid: str
    pinned: bool
    start: datetime | None = None
    end: datetime | None = None


@dataclass
class SinkReport:
    name: str
    actions: list[Action] = field(default_factory=list)
    changes: list[UserChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    details: list[str] = field(default_factory=list)  # what a dry run would send, shown as is
    # syncd's own events found in the calendar that the state did not know (a lost, fresh
    # or shared state): the sessions they stand for, for the planner's published input.
    adopted: list[Session] = field(default_factory=list)


class Sink(Protocol):
    name: str

    def pull(self, now: datetime) -> SinkReport:
        """Read the calendar and report the user's edits to syncd's sessions."""
        ...

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        """Make the calendar match ``sessions``; with ``dry_run`` only report actions.

        ``stop`` is asked between writes: when it says True the sink returns after the write
        in progress, leaving the rest for the next cycle."""
        ...


class Publisher(Protocol):
    """A destination that shows the whole plan rather than syncing sessions one by one (the
    page). It is told after the sinks, never in a dry run; its failure is logged, never
    fails the cycle."""

    name: str

    def publish(self, inputs: PlanInputs, plan: Plan, warnings: Sequence[str]) -> None: ...
