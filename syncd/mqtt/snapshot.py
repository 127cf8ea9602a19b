"""What each entity shows, read from the state and the last cycle's summary.

``values`` is pure (state rows in, entity values out), so it is tested on built sessions
and components; ``read_values`` opens the state read-only, as ``syncd status`` does, so
the resident process never writes to it while a cycle's child does.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from syncd.errors import StateUnusableError
from syncd.model import Session, SessionStatus
from syncd.mqtt.entities import HRV_STATUSES, NONE, OFF, ON
from syncd.planner.lifted import told
from syncd.state import ComponentStatus, State

Value = tuple[str | None, dict[str, Any] | None]  # state None: not known, not published
SHOWN = (SessionStatus.PLANNED, SessionStatus.PINNED, SessionStatus.DONE)
MAX_LIFTED = 6  # lines in the ``lifted`` attribute
MAX_LIFTED_CHARS = 200  # a line


@dataclass(frozen=True)
class StateView:
    """The rows of the state the entities are made from."""

    sessions: tuple[Session, ...] = ()
    components: tuple[ComponentStatus, ...] = ()
    garmin_rejected: bool = False
    readiness: dict[str, Any] | None = None  # {"score", "hrv"} for today, from Garmin


def read_view(state_dir: Path, today: date) -> StateView:
    try:
        state = State(state_dir, readonly=True)
    except (FileNotFoundError, StateUnusableError):  # the daemon says a damaged state once
        return StateView()
    try:
        raw = state.get("garmin", f"readiness:{today.isoformat()}")
        return StateView(tuple(state.sessions()), tuple(state.components()),
                         state.get("garmin", "rejected_at") is not None,
                         json.loads(raw) if raw else None)
    except sqlite3.DatabaseError:
        return StateView()
    finally:
        state.close()


def values(view: StateView, now: datetime, tz: ZoneInfo, phase: str | None,
           cycle_failed: bool) -> dict[str, Value]:
    today = now.astimezone(tz).date()
    local = [(s.start.astimezone(tz).date(), s) for s in view.sessions]
    out: dict[str, Value] = {
        "today": _today([s for d, s in local if d == today and s.status in SHOWN], tz),
        **_next(view.sessions, now, tz),
        "phase": (phase, None),  # known once a cycle has said it
        **_week(local, today),
        **_readiness(view.readiness),
        "last_result": _result(view.components, cycle_failed),
        "garmin_login": (ON if view.garmin_rejected else OFF, None),
        "calendar_problem": _calendars(view.components),
    }
    return out


def _today(sessions: list[Session], tz: ZoneInfo) -> Value:
    if not sessions:
        return "No session", {}
    s = sessions[0]
    return s.title[:255], {
        "kind": s.kind.value, "status": s.status.value,
        "time": f"{s.start.astimezone(tz):%H:%M}", "start": s.start.isoformat(),
        "end": s.end.isoformat(), "warmup": s.warmup,
        "exercises": [e.describe() for e in s.exercises], "rules": list(s.rules),
        "explanation": s.explanation, "lifted": lifted(s)}


def lifted(s: Session) -> list[str]:
    """"Back squat: last time: 4 × 6 at 90 kg, all reps; e1RM 108 kg → today 92.5 kg", for
    each load taken from what the watch recorded: a few short lines, so the attributes of a
    session stay small (Home Assistant keeps them in its database on every change)."""
    return [line[:MAX_LIFTED_CHARS] for line in told(s.exercises)[:MAX_LIFTED]]


def _next(sessions: tuple[Session, ...], now: datetime, tz: ZoneInfo) -> dict[str, Value]:
    s = next((s for s in sessions if s.start > now
              and s.status in (SessionStatus.PLANNED, SessionStatus.PINNED)), None)
    if s is None:
        return {"next_title": ("No session planned", {}), "next_session": (NONE, {})}
    attrs = {"title": s.title, "kind": s.kind.value, "status": s.status.value,
             "start": s.start.astimezone(tz).isoformat(), "end": s.end.astimezone(tz).isoformat(),
             "lifted": lifted(s)}
    return {"next_title": (s.title[:255], attrs),
            "next_session": (s.start.astimezone(tz).isoformat(), attrs)}


def _week(local: list[tuple[date, Session]], today: date) -> dict[str, Value]:
    monday = today - timedelta(days=today.weekday())
    week = [s for d, s in local if monday <= d < monday + timedelta(days=7)
            and s.status is not SessionStatus.DECLINED]
    done = sum(1 for s in week if s.status is SessionStatus.DONE)
    missed = sum(1 for s in week if s.status is SessionStatus.MISSED)
    return {"week_done": (str(done), {"missed": missed, "week_of": monday.isoformat()}),
            "week_planned": (str(len(week)), None)}


def _readiness(r: dict[str, Any] | None) -> dict[str, Value]:
    score = r.get("score") if r else None
    hrv = r.get("hrv") if r else None
    status = str(hrv).lower() if hrv is not None else None
    return {"readiness": (NONE if score is None else str(score), {"hrv_status": hrv}),
            "hrv_status": (status if status in HRV_STATUSES else NONE, None)}


def _result(components: tuple[ComponentStatus, ...], cycle_failed: bool) -> Value:
    if cycle_failed:
        return "failed", {"errors": "the cycle's process failed; see the journal"}
    cycle = next((c for c in components if c.name == "cycle"), None)
    if cycle is None:
        return None, {}  # no cycle ever ran: nothing to say
    if cycle.last_error:
        return "errors", {"errors": cycle.last_error}
    return "ok", {}


def _calendars(components: tuple[ComponentStatus, ...]) -> Value:
    failing = {c.name.removeprefix("sink:"): c.last_error for c in components
               if c.name.startswith("sink:") and c.last_error}
    return (ON if failing else OFF), {"failing": failing}
