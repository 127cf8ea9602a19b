"""Completed runs, morning readiness and the planned runs of an intervals.icu athlete.

Cheap by design (calls counted by ``bench/bench_intervals_icu.py``):

* Activities: one list call a cycle, from the newest activity already known minus a week
  (an activity synced up to a week late is found the next cycle; the list is the same one
  call, a few entries longer). Once a day the whole ``history_days`` window is read again,
  for anything later still and for deletions. A full page (``limit``) is followed by the
  next older page, by date. Everything read is cached in the state.
* Wellness: read once a day (28 days, for the HRV baseline), retried hourly until today's
  entry carries a readiness or an HRV value; then no more calls that day.
* Planned runs: one call for the WORKOUT events of runs from a week ago to the plan's end;
  syncd's own strength events (``external_id`` "syncd:...") are not runs and are skipped.

A refused key is said once and not tried again for an hour unless the key changes: never a
storm of 401s. When the service fails, ``cached`` feeds the planner the last good data.
Field names and meanings: see ``syncd.sources.intervals_shapes``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.classify import is_run, is_strength
from syncd.config.loader import IntervalsIcuConfig
from syncd.errors import AuthError, TransientError
from syncd.model import Readiness, Run, StrengthActivity
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.incremental import read_since
from syncd.sources.intervals_client import IntervalsApi
from syncd.sources.intervals_shapes import (
    BadEntry,
    activity_run,
    activity_start,
    history_for,
    planned_run,
    readiness,
    type_key,
)
from syncd.sources.running_calendar import run_from_json, run_json
from syncd.state import State

log = logging.getLogger(__name__)
SCOPE = "intervals_icu"
PAGE = 200
MAX_PAGES = 20
OVERLAP = timedelta(days=7)
DEEP_EVERY = timedelta(days=1)
AUTH_PAUSE = timedelta(hours=1)
WELLNESS_RETRY = timedelta(hours=1)
KEY_PATH = "sources.intervals_icu.api_key"
OURS = "syncd:"


class IntervalsIcuSource:
    name = "intervals_icu"

    def __init__(self, settings: IntervalsIcuConfig, state: State,
                 api: IntervalsApi | None = None) -> None:
        self.settings = settings
        self.state = state
        self.api = api or IntervalsApi(settings.api_url, settings.athlete_id,
                                       settings.api_key, KEY_PATH)

    # -- auth pause ------------------------------------------------------------------------

    def _key_stamp(self) -> str:
        """Which key was refused (a digest, never the key): a changed key is tried at once."""
        key = self.settings.api_key
        return hashlib.sha256(key.value.encode()).hexdigest()[:16] if key else "none"

    def _check_pause(self, now: datetime) -> None:
        at = self.state.get(SCOPE, "rejected_at")
        if at is None or self.state.get(SCOPE, "rejected_key") != self._key_stamp():
            return
        if now < datetime.fromisoformat(at) + AUTH_PAUSE:
            raise AuthError(self.state.get(SCOPE, "rejected_why") or "intervals.icu refused "
                            f"the API key: check {KEY_PATH}")

    def _list(self, now: datetime, path: str, params: dict[str, str], what: str) -> list[Any]:
        try:
            return self.api.get_list(path, params, what)
        except AuthError as exc:
            self.state.put(SCOPE, "rejected_at", now.isoformat())
            self.state.put(SCOPE, "rejected_key", self._key_stamp())
            self.state.put(SCOPE, "rejected_why", str(exc))
            raise

    # -- fetch -----------------------------------------------------------------------------

    def fetch(self, window: FetchWindow) -> Observations:
        now = window.now
        self._check_pause(now)
        since, deep = self._since(window)
        seen = self._read_activities(window, since)
        self._store(seen, since)
        if deep:
            self.state.put(SCOPE, "deep_read_at", now.isoformat())
        if self.settings.planned_runs:
            self._read_plan(window)
        self.state.put(SCOPE, "rejected_at", None)
        obs = self.cached(window)
        if self.settings.readiness:
            obs = obs.merge(Observations(readiness=self._readiness(window)))
        return obs

    def _since(self, window: FetchWindow) -> tuple[datetime, bool]:
        """How far back to read this cycle, and whether it is the day's deep re-read."""
        return read_since(self.state, self.name, SCOPE, window.now,
                          self.settings.history_days, OVERLAP, DEEP_EVERY)

    def _read_activities(self, window: FetchWindow, since: datetime) -> dict[str, Any]:
        """Newest first, ``PAGE`` at a time; a full page asks again up to its oldest day."""
        oldest = since.astimezone(window.tz).date() - timedelta(days=1)
        newest = window.now.astimezone(window.tz).date() + timedelta(days=1)
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(MAX_PAGES):
            page = self._list(window.now, "/activities",
                              {"oldest": oldest.isoformat(), "newest": newest.isoformat(),
                               "limit": str(PAGE)}, "reading activities")
            before = len(seen)
            low: date | None = None
            for act in page:
                if not isinstance(act, dict) or not isinstance(act.get("id"), (str, int)):
                    continue
                try:
                    start = activity_start(act, window.tz)
                except BadEntry as exc:
                    log.warning("intervals.icu: skipped activity %s: %s", act.get("id"), exc)
                    continue
                day = start.astimezone(window.tz).date()
                low = day if low is None else min(low, day)
                if start >= since:
                    seen[str(act["id"])[:64]] = act
            if len(page) < PAGE or low is None or len(seen) == before or low <= oldest:
                break
            newest = low  # the same day again: ids already seen are not counted twice
        else:
            log.warning("intervals.icu: stopped after %d pages of activities", MAX_PAGES)
        return seen

    def _store(self, seen: dict[str, dict[str, Any]], since: datetime) -> None:
        rows = []
        for ident, act in seen.items():
            if "_note" in act or not (act.get("moving_time") or act.get("elapsed_time")):
                continue  # a Strava stub (it may carry a type and a name, never a duration)
            try:
                start = activity_start(act, ZoneInfo("UTC"))
            except BadEntry:
                continue
            rows.append((self.name, ident, start.isoformat(), json.dumps(act)))
        with self.state.transaction():
            self.state.db.execute("DELETE FROM activities WHERE source=? AND start>=?",
                                  (self.name, since.astimezone(UTC).isoformat()))
            self.state.db.executemany(
                "INSERT OR REPLACE INTO activities (source, id, start, payload) "
                "VALUES (?,?,?,?)", rows)

    def _read_plan(self, window: FetchWindow) -> None:
        today = window.now.astimezone(window.tz).date()
        events = self._list(window.now, "/events",
                            {"oldest": (today - timedelta(days=7)).isoformat(),
                             "newest": window.end.astimezone(window.tz).date().isoformat(),
                             "category": "WORKOUT"}, "reading planned workouts")
        runs: list[Run] = []
        for ev in events:
            if not isinstance(ev, dict):
                continue
            ext = ev.get("external_id")
            if isinstance(ext, str) and ext.startswith(OURS):
                continue
            try:
                run = planned_run(ev, window.tz)
            except BadEntry as exc:
                log.warning("intervals.icu: skipped event %s: %s", ev.get("id"), exc)
                continue
            if run is not None:
                runs.append(run)
        self.state.put(SCOPE, "planned", json.dumps([run_json(r) for r in runs]))

    # -- cache -----------------------------------------------------------------------------

    def cached(self, window: FetchWindow) -> Observations:
        """What the state knows, without a call (also used when intervals.icu fails)."""
        rows = self.state.db.execute(
            "SELECT payload FROM activities WHERE source=? AND start>=? ORDER BY start",
            (self.name, (window.start - timedelta(days=28)).astimezone(UTC).isoformat()))
        runs: list[Run] = []
        lifts: list[StrengthActivity] = []
        for (payload,) in rows:
            act = json.loads(payload)
            key = type_key(act)
            try:
                if is_run(key):
                    runs.append(activity_run(act, window.tz,
                                             history_for(runs, activity_start(act, window.tz))))
                elif is_strength(key):
                    start = activity_start(act, window.tz)
                    secs = float(act.get("elapsed_time") or act.get("moving_time") or 3600)
                    lifts.append(StrengthActivity(
                        f"intervals_icu:{act['id']}", "intervals_icu", start,
                        start + timedelta(seconds=max(secs, 60.0)), str(act.get("name", ""))))
            except (BadEntry, TypeError, ValueError) as exc:
                log.warning("intervals.icu: skipped activity %s: %s", act.get("id"), exc)
        raw = self.state.get(SCOPE, "planned")
        planned = [r for r in map(run_from_json, json.loads(raw) if raw else [])
                   if r.start < window.end]
        return Observations(completed_runs=tuple(r for r in runs if r.start >= window.start),
                            planned_runs=tuple(planned), strength=tuple(lifts))

    def _readiness(self, window: FetchWindow) -> tuple[Readiness, ...]:
        today = window.now.astimezone(window.tz).date()
        key = f"wellness:{today.isoformat()}"
        cached = self.state.get(SCOPE, key)
        if cached is not None:
            data = json.loads(cached)
            if data.get("score") is not None or data.get("hrv") is not None:
                return (Readiness(today, data["score"], data["hrv"], self.name),)
            if window.now < datetime.fromisoformat(data["tried"]) + WELLNESS_RETRY:
                return ()
        try:
            days = self._list(window.now, "/wellness",
                              {"oldest": (today - timedelta(days=28)).isoformat(),
                               "newest": today.isoformat()}, "reading wellness")
        except TransientError as exc:
            log.info("intervals.icu: readiness not read this cycle: %s", exc)
            days = []
        got = readiness(days, today)
        with self.state.transaction():  # yesterday's entries are not needed again
            self.state.db.execute("DELETE FROM kv WHERE scope=? AND key LIKE 'wellness:%' "
                                  "AND key < ?", (SCOPE, key))
        self.state.put(SCOPE, key, json.dumps({
            "score": got.score if got else None, "hrv": got.hrv_status if got else None,
            "tried": window.now.isoformat()}))
        return (got,) if got else ()
