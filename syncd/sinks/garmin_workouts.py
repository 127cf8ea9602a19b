"""The Garmin workouts sink: each session of the next days as a strength workout on the watch.

Plan, then apply, like the CalDAV sink, with the same safety rails:

* Ownership: syncd touches only workouts whose ids it created and recorded, and whose name
  still carries its marker (``[syncd 1a2b3c]``); before an update or a delete the workout is
  read back and a renamed one is left to the user. A workout the user deleted is not put
  back for that session. The user's own workouts are never read for writing.
* Intent first: before each call the record says what is about to happen (``pending``), and
  only the answer clears it. After a kill -9 the next cycle settles each pending intent by
  looking (an upload by the workout's name, a schedule by the day's calendar) or by doing
  it again (unschedule, update and delete are idempotent), so no duplicate and no orphan.
* Quiet: the records hold the content hash and the date, so a cycle with nothing changed
  makes no call at all; no client is even built.

A moved session is one read of its schedule and one move of it; changed content is one
read and one update; a session that disappears is read, unscheduled and deleted. Each read
checks the marker first: a workout the user renamed is theirs and is not moved, changed or
deleted.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.config.loader import GarminWorkoutsConfig
from syncd.model import Session, SessionStatus
from syncd.planner.uids import is_syncd_uid
from syncd.sinks.base import Action, Op, SinkReport
from syncd.sinks.garmin_calls import NotFound, WorkoutApi
from syncd.sinks.garmin_steps import build_workout, content_hash, describe, is_ours
from syncd.state import State

log = logging.getLogger(__name__)
SCOPE = "garmin_workouts"
WATCH_HOLDS = 28  # a watch holds about 30 scheduled workouts; keep a margin
WANTED = (SessionStatus.PLANNED, SessionStatus.PINNED)


@dataclass
class Record:
    """What syncd knows of one session's workout on Garmin."""

    uid: str
    state: str = "live"  # live | declined (user deleted it) | user (user renamed it)
    workout_id: int | None = None
    schedule_id: int | None = None
    date: str | None = None  # the day it is scheduled on
    hash: str | None = None
    pending: dict[str, Any] | None = None


class GarminWorkoutsSink:
    name = "garmin_workouts"

    def __init__(self, settings: GarminWorkoutsConfig, state: State, tz_name: str,
                 api: WorkoutApi | None = None) -> None:
        self.settings = settings
        self.state = state
        self.tz = ZoneInfo(tz_name)
        self._api = api
        self.calls = 0

    def api(self, now: datetime) -> WorkoutApi:
        if self._api is None:
            self._api = WorkoutApi.connect(self.settings.api_url, self.state.directory, now)
        return self._api

    # -- records ---------------------------------------------------------------------------

    def records(self) -> dict[str, Record]:
        rows = self.state.db.execute("SELECT key, value FROM kv WHERE scope=?", (SCOPE,))
        return {r[0]: Record(**json.loads(r[1])) for r in rows}

    def _save(self, rec: Record) -> None:
        self.state.put(SCOPE, rec.uid, json.dumps(asdict(rec)))

    def _forget(self, uid: str) -> None:
        self.state.db.execute("DELETE FROM kv WHERE scope=? AND key=?", (SCOPE, uid))

    # -- pull: nothing to read --------------------------------------------------------------

    def pull(self, now: datetime) -> SinkReport:
        """Garmin is not read each cycle (a quiet cycle makes no call); a user's delete is
        found when syncd next needs to write that workout."""
        return SinkReport(self.name)

    # -- plan ------------------------------------------------------------------------------

    def wanted(self, sessions: Sequence[Session], now: datetime) -> dict[str, Session]:
        today = now.astimezone(self.tz).date()
        last = today + timedelta(days=self.settings.days)
        out = [s for s in sessions if is_syncd_uid(s.uid) and s.status in WANTED
               and today <= self._day(s) < last]
        out.sort(key=lambda s: s.start)
        return {s.uid: s for s in out[:WATCH_HOLDS]}

    def _day(self, s: Session) -> date:
        return s.start.astimezone(self.tz).date()

    def plan_actions(self, sessions: Sequence[Session], now: datetime
                     ) -> list[tuple[Op, Session | None, Record | None]]:
        today = now.astimezone(self.tz).date()
        want = self.wanted(sessions, now)
        done = {s.uid for s in sessions if s.status in (SessionStatus.DONE,
                                                        SessionStatus.MISSED)}
        recs = self.records()
        out: list[tuple[Op, Session | None, Record | None]] = []
        for uid, s in want.items():
            rec = recs.get(uid)
            if rec is None or (rec.state == "live" and rec.workout_id is None):
                out.append((Op.CREATE, s, rec))
            elif rec.state != "live":
                continue
            elif rec.hash != content_hash(s) or rec.date != self._day(s).isoformat():
                out.append((Op.UPDATE, s, rec))
        for uid, rec in recs.items():
            if uid in want or rec.state != "live":
                continue
            gone_by = rec.date is not None and date.fromisoformat(rec.date) < today
            if uid in done or gone_by:
                continue  # history: left on the Garmin calendar as it was
            out.append((Op.DELETE, None, rec))
        return out

    # -- push ------------------------------------------------------------------------------

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        report = SinkReport(self.name)
        if not dry_run:
            self._forget_history(sessions, now)
            self._settle(now, report)
        for op, s, rec in self.plan_actions(sessions, now):
            detail = self._detail(op, s, rec)
            report.actions.append(Action(op, s.uid if s else rec.uid if rec else "",
                                         s.title if s else "a removed session",
                                         s.start if s else None, detail))
            if dry_run:
                if s is not None and op is not Op.DELETE:
                    body = build_workout(s).to_dict()
                    report.details.append(f"{body['workoutName']} on {self._day(s)}:")
                    report.details.extend(describe(body))
                continue
            if stop is not None and stop():
                report.warnings.append("stopped before all writes: the rest next cycle")
                break
            self._apply(op, s, rec, now, report)
        report.written = bool(report.actions) and not dry_run
        return report

    def _detail(self, op: Op, s: Session | None, rec: Record | None) -> str:
        if op is Op.CREATE:
            return "new workout on the watch"
        if op is Op.DELETE:
            return f"workout {rec.workout_id if rec else '?'} removed"
        assert s is not None and rec is not None
        parts = []
        if rec.date != self._day(s).isoformat():
            parts.append(f"moved from {rec.date or 'no day'}")
        if rec.hash != content_hash(s):
            parts.append("new content")
        return ", ".join(parts)

    def _forget_history(self, sessions: Sequence[Session], now: datetime) -> None:
        """Records of days long past are dropped (their workouts stay in Garmin's history)."""
        cutoff = (now.astimezone(self.tz).date() - timedelta(days=7)).isoformat()
        live = {s.uid for s in sessions}
        for uid, rec in self.records().items():
            if rec.date is not None and rec.date < cutoff and uid not in live \
                    and rec.pending is None:
                self._forget(uid)

    # -- apply -----------------------------------------------------------------------------

    def _apply(self, op: Op, s: Session | None, rec: Record | None, now: datetime,
               report: SinkReport) -> None:
        api = self.api(now)
        if op is Op.CREATE:
            assert s is not None
            rec = rec or Record(s.uid)
            h = content_hash(s)
            rec.pending = {"op": "upload", "hash": h}
            self._save(rec)
            rec.workout_id = api.upload(build_workout(s))
            rec.hash, rec.pending = h, None
            self._save(rec)
            self._schedule(api, rec, self._day(s), report)
            return
        assert rec is not None
        if op is Op.DELETE:
            self._remove(api, rec, report)
            return
        assert s is not None
        h = content_hash(s)
        if rec.hash != h and not self._update(api, rec, s, h, report):
            return
        day = self._day(s).isoformat()
        if rec.date != day:
            if rec.schedule_id is None:
                self._schedule(api, rec, self._day(s), report)
            else:
                self._reschedule(api, rec, self._day(s), report)

    def _owned(self, api: WorkoutApi, rec: Record, report: SinkReport) -> bool:
        """Read the workout back: still there and still carrying our marker?"""
        assert rec.workout_id is not None
        try:
            body = api.get(rec.workout_id)
        except NotFound:
            return False
        if not is_ours(body.get("workoutName"), rec.uid):
            self._users_now(rec, report)
            return False
        return True

    def _users_now(self, rec: Record, report: SinkReport) -> None:
        rec.state, rec.pending = "user", None
        self._save(rec)
        report.warnings.append(f"workout {rec.workout_id} was renamed in Garmin Connect: "
                               "it is yours now and left alone")

    def _update(self, api: WorkoutApi, rec: Record, s: Session, h: str,
                report: SinkReport) -> bool:
        if not self._owned(api, rec, report):
            if rec.state == "live":
                self._declined(rec, report)
            return False
        rec.pending = {"op": "update", "hash": h}
        self._save(rec)
        try:
            api.update(rec.workout_id or 0, build_workout(s))
        except NotFound:
            self._declined(rec, report)
            return False
        rec.hash, rec.pending = h, None
        self._save(rec)
        return True

    def _schedule(self, api: WorkoutApi, rec: Record, day: date, report: SinkReport) -> None:
        rec.pending = {"op": "schedule", "date": day.isoformat()}
        self._save(rec)
        try:
            rec.schedule_id = api.schedule(rec.workout_id or 0, day)
        except NotFound:
            self._declined(rec, report)
            return
        rec.date, rec.pending = day.isoformat(), None
        self._save(rec)

    def _reschedule(self, api: WorkoutApi, rec: Record, day: date, report: SinkReport) -> None:
        """Read the schedule (still there? still our workout, by name?), then move it.

        Both calls are safe to repeat, so the record changes only after the move: a crash
        in between leaves the old day recorded and the next cycle does it again."""
        sid = rec.schedule_id or 0
        try:
            current = api.get_schedule(sid)
        except NotFound:
            self._declined(rec, report)  # unscheduled or deleted in Garmin Connect
            return
        name = (current.get("workout") or {}).get("workoutName")
        if not is_ours(name, rec.uid):
            self._users_now(rec, report)
            return
        try:
            api.reschedule(sid, current, day)
        except NotFound:
            self._declined(rec, report)
            return
        rec.date = day.isoformat()
        self._save(rec)

    def _unschedule(self, api: WorkoutApi, rec: Record) -> None:
        rec.pending = {"op": "unschedule", "schedule_id": rec.schedule_id}
        self._save(rec)
        with contextlib.suppress(NotFound):  # already off the calendar
            api.unschedule(rec.schedule_id or 0)
        rec.schedule_id, rec.date, rec.pending = None, None, None
        self._save(rec)

    def _remove(self, api: WorkoutApi, rec: Record, report: SinkReport) -> None:
        """Read it back first (a renamed one is the user's), then unschedule and delete."""
        if rec.workout_id is None or not self._owned(api, rec, report):
            if rec.state == "live":
                self._forget(rec.uid)  # never landed, or the user deleted it
            return
        if rec.schedule_id is not None:
            self._unschedule(api, rec)
        rec.pending = {"op": "delete"}
        self._save(rec)
        with contextlib.suppress(NotFound):
            api.delete(rec.workout_id)
        self._forget(rec.uid)

    def _declined(self, rec: Record, report: SinkReport) -> None:
        rec.state, rec.pending, rec.schedule_id = "declined", None, None
        self._save(rec)
        report.actions.append(Action(Op.DECLINE, rec.uid, "", None,
                                     "you deleted the workout in Garmin Connect: not put back"))

    # -- settle what a crash left -----------------------------------------------------------

    def _settle(self, now: datetime, report: SinkReport) -> None:
        """Each intent a crash left unanswered: find out what happened, then record it."""
        for rec in self.records().values():
            if rec.pending is None:
                continue
            api = self.api(now)
            op = rec.pending.get("op")
            if op == "upload":
                found = api.find_by_name(rec.uid, is_ours)
                if found:
                    rec.workout_id, rec.hash = found[0], rec.pending.get("hash")
                    for extra in found[1:]:  # never expected; ours by name, so safe to drop
                        with contextlib.suppress(NotFound):
                            api.delete(extra)
                rec.pending = None
                self._save(rec)
                if rec.workout_id is None:
                    self._forget(rec.uid)
            elif op == "schedule":
                day = date.fromisoformat(rec.pending["date"])
                sid = api.find_schedule(rec.workout_id or 0, day)
                if sid is not None:
                    rec.schedule_id, rec.date = sid, day.isoformat()
                rec.pending = None
                self._save(rec)
            elif op == "unschedule":
                self._unschedule(api, rec)
            elif op == "update":
                rec.hash, rec.pending = None, None  # sent again by the plan
                self._save(rec)
            elif op == "delete":
                with contextlib.suppress(NotFound):
                    api.delete(rec.workout_id or 0)
                self._forget(rec.uid)
            log.info("garmin workouts: settled a %s interrupted last time", op)
