"""Completed runs and strength workouts from Garmin Connect, plus morning readiness.

Incremental: activities are read newest first, a page of 20 at a time, back to the newest
one already known minus an overlap of two days (renamed or deleted activities), so a cycle
with nothing new costs one request. Once a day the whole ``history_days`` window is read
again, so an activity uploaded late (a watch synced after a week away) is found too; a
window longer than 100 pages is cut, and the log says where. Everything read is cached in
the state; when Garmin fails, the cache still feeds the planner. The exercise sets of strength
activities (one call each, once) are kept only for activities inside ``history_days``.

Only saved tokens are used (``syncd login`` makes them). When Garmin rejects them, syncd
says so once, stops calling Garmin, and tries again after a pause or as soon as the token
file changes: never a login storm.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from syncd.config.loader import GarminConfig
from syncd.errors import AuthError, TransientError
from syncd.model import Readiness, Run, StrengthActivity
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.garmin_client import garmin_errors, login_with_tokens, token_path
from syncd.sources.garmin_sets import from_rows, parse_exercise_sets, to_rows
from syncd.sources.garmin_shapes import BadActivity, parse_start, records_from_activities
from syncd.sources.incremental import read_since
from syncd.state import State

log = logging.getLogger(__name__)
PAGE = 20
MAX_PAGES = 100
MAX_SET_READS = 20  # exercise-set reads a cycle (a first sync reads the rest later)
MAX_SET_PRUNES = 500  # stored sets dropped a cycle (a long-running state catches up later)
SETS_DAYS = 42  # sets are read for strength activities this recent (the loads' history)
OVERLAP = timedelta(days=2)
DEEP_EVERY = timedelta(days=1)
AUTH_PAUSE = timedelta(hours=6)
READINESS_RETRY = timedelta(hours=1)
SCOPE = "garmin"


class GarminSource:
    name = "garmin"

    def __init__(self, settings: GarminConfig, state: State) -> None:
        self.settings = settings
        self.state = state
        self.tokens = token_path(state.directory)
        self._client: Any = None

    # -- auth ------------------------------------------------------------------------------

    def _token_stamp(self) -> str:
        try:
            st = self.tokens.stat()
        except OSError:
            return "missing"
        return f"{st.st_mtime_ns}:{st.st_size}"

    def _client_for(self, now: datetime) -> Any:
        rejected = self.state.get(SCOPE, "rejected_at")
        if rejected is not None:
            same_tokens = self.state.get(SCOPE, "rejected_tokens") == self._token_stamp()
            if same_tokens and now < datetime.fromisoformat(rejected) + AUTH_PAUSE:
                # The same words as the rejection itself: the log says it once.
                raise AuthError(self.state.get(SCOPE, "rejected_why")
                                or "Garmin rejected the saved login; run `syncd login`")
        if self._client is None:
            try:
                self._client = login_with_tokens(self.settings.api_url, self.tokens, now=now)
            except AuthError as exc:
                self._rejected(now, str(exc))
                raise
        return self._client

    def _rejected(self, now: datetime, why: str) -> None:
        """Remember the rejection and its words; saying so is the cycle's job (once, not per
        call), and the pause repeats the same words so the log does not take it for news."""
        self._client = None
        self.state.put(SCOPE, "rejected_at", now.isoformat())
        self.state.put(SCOPE, "rejected_tokens", self._token_stamp())
        self.state.put(SCOPE, "rejected_why", why)

    def _call(self, now: datetime, what: str, fn: str, *args: Any) -> Any:
        client = self._client_for(now)
        try:
            with garmin_errors(what):
                return getattr(client, fn)(*args)
        except AuthError as exc:
            self._rejected(now, str(exc))
            raise

    # -- fetching --------------------------------------------------------------------------

    def fetch(self, window: FetchWindow) -> Observations:
        now = window.now
        since, deep = self._since(window)
        seen: dict[str, dict[str, Any]] = {}
        oldest_read: datetime | None = None
        for page_no in range(MAX_PAGES):
            page = self._call(now, "reading activities", "get_activities", page_no * PAGE, PAGE)
            if not isinstance(page, list):
                raise TransientError("Garmin sent an unreadable activity list; will retry")
            oldest = None
            for act in page:
                if not isinstance(act, dict) or "activityId" not in act:
                    log.warning("skipped an activity without an id")
                    continue
                try:
                    start = parse_start(act)
                except BadActivity as exc:
                    log.warning("skipped activity %s: %s", act.get("activityId"), exc)
                    continue
                oldest = start if oldest is None else min(oldest, start)
                if start >= since:
                    seen[str(act["activityId"])] = act
            if oldest is not None:
                oldest_read = oldest
            if len(page) < PAGE or (oldest is not None and oldest < since):
                break
        else:
            since = self._cut(since, oldest_read)
        self._store(seen, since)
        self.state.put(SCOPE, "rejected_at", None)
        self.state.put(SCOPE, "rejected_why", None)
        if deep:
            self.state.put(SCOPE, "deep_read_at", now.isoformat())
        if self._read_sets(now, self.cached(window).strength):
            log.debug("Garmin: read the sets of new strength activities")
        self._prune_sets(now)
        obs = self.cached(window)
        if self.settings.readiness:
            obs = obs.merge(Observations(readiness=self._readiness(window)))
        return obs

    def _since(self, window: FetchWindow) -> tuple[datetime, bool]:
        """How far back to read this cycle, and whether it is the day's deep re-read."""
        return read_since(self.state, self.name, SCOPE, window.now,
                          self.settings.history_days, OVERLAP, DEEP_EVERY)

    def _cut(self, since: datetime, oldest_read: datetime | None) -> datetime:
        """The page limit stopped the read before ``since``: say so (when the cut moves a day
        or more), and keep the cache older than what was read."""
        if oldest_read is None or oldest_read <= since:
            return since
        day = oldest_read.date().isoformat()
        if self.state.get(SCOPE, "cut_at") != day:
            log.warning("Garmin: read the newest %d activities (back to %s), the most syncd "
                        "reads in one cycle; older ones inside sources.garmin.history_days "
                        "(%d days) come from the cache only", MAX_PAGES * PAGE, day,
                        self.settings.history_days)
            self.state.put(SCOPE, "cut_at", day)
        return oldest_read

    def _store(self, seen: dict[str, dict[str, Any]], since: datetime) -> None:
        with self.state.transaction():
            # Activities deleted on Garmin inside the re-read window go from the cache too.
            self.state.db.execute("DELETE FROM activities WHERE source=? AND start>=?",
                                  (self.name, since.isoformat()))
            self.state.db.executemany(
                "INSERT OR REPLACE INTO activities (source, id, start, payload) VALUES (?,?,?,?)",
                [(self.name, ident, parse_start(act).isoformat(), json.dumps(act))
                 for ident, act in seen.items()])

    def cached(self, window: FetchWindow) -> Observations:
        """What the cache knows, without calling Garmin (used when Garmin fails)."""
        runs, lifts = stored_activities(self.state, window.start - timedelta(days=28),
                                        window.tz)
        runs = [r for r in runs if r.start >= window.start]
        return Observations(completed_runs=tuple(runs), strength=tuple(lifts))

    def _read_sets(self, now: datetime, lifts: tuple[StrengthActivity, ...]) -> int:
        """The recorded sets of each strength activity not read yet: one call each, once
        (kept in the state), at most ``MAX_SET_READS`` a cycle, newest first, only for the last
        ``SETS_DAYS`` and never before the history window (what ``_prune_sets`` drops is not
        read again). A failure leaves the rest for the next cycle."""
        days = min(SETS_DAYS, self.settings.history_days)
        todo = [a for a in lifts if a.start >= now - timedelta(days=days)
                and a.id.removeprefix("garmin:").isdigit()
                and self.state.get(SCOPE, f"sets:{a.id}") is None]
        read = 0
        for act in sorted(todo, key=lambda a: a.start, reverse=True)[:MAX_SET_READS]:
            try:
                body = self._call(now, "reading exercise sets",
                                  "get_activity_exercise_sets",
                                  int(act.id.removeprefix("garmin:")))
            except TransientError as exc:
                log.info("exercise sets not read this cycle: %s", exc)
                break
            self.state.put(SCOPE, f"sets:{act.id}",
                           json.dumps(to_rows(parse_exercise_sets(body))))
            read += 1
        return read

    def _prune_sets(self, now: datetime) -> int:
        """Drop the stored sets of activities older than ``history_days`` or no longer in the
        cache (deleted on Garmin), at most ``MAX_SET_PRUNES`` a cycle: without it the state
        grows by one row per strength activity for as long as syncd runs."""
        floor = (now - timedelta(days=self.settings.history_days)).astimezone(UTC).isoformat()
        keys = [r[0] for r in self.state.db.execute(
            "SELECT kv.key FROM kv LEFT JOIN activities a ON a.source=? "
            "AND kv.key = 'sets:garmin:' || a.id WHERE kv.scope=? AND kv.key LIKE 'sets:%' "
            "AND (a.id IS NULL OR a.start < ?) LIMIT ?",
            (self.name, SCOPE, floor, MAX_SET_PRUNES))]
        if keys:
            with self.state.transaction():
                self.state.db.executemany("DELETE FROM kv WHERE scope=? AND key=?",
                                          [(SCOPE, k) for k in keys])
            log.debug("Garmin: dropped the stored sets of %d old activities", len(keys))
        return len(keys)

    def _readiness(self, window: FetchWindow) -> tuple[Readiness, ...]:
        """This morning's readiness and HRV status: read once a day, retried hourly until set."""
        day = window.now.astimezone(window.tz).date()
        key = f"readiness:{day.isoformat()}"
        cached = self.state.get(SCOPE, key)
        if cached is not None:
            data = json.loads(cached)
            if data.get("score") is not None or data.get("hrv") is not None:
                return (Readiness(day, data.get("score"), data.get("hrv"), "garmin"),)
            if window.now < datetime.fromisoformat(data["tried"]) + READINESS_RETRY:
                return ()
        try:
            morning = self._call(window.now, "reading readiness",
                                 "get_morning_training_readiness", day.isoformat())
            hrv = self._call(window.now, "reading HRV", "get_hrv_data", day.isoformat())
        except TransientError as exc:
            # Tried: the next try waits the hour like a morning without data, instead of
            # two more requests on every cycle.
            log.info("readiness not read this cycle: %s", exc)
            self.state.put(SCOPE, key, json.dumps({"score": None, "hrv": None,
                                                   "tried": window.now.isoformat()}))
            return ()
        score = morning.get("score") if isinstance(morning, dict) else None
        summary = hrv.get("hrvSummary") if isinstance(hrv, dict) else None
        status = summary.get("status") if isinstance(summary, dict) else None
        self.state.put(SCOPE, key, json.dumps({"score": score if isinstance(score, int) else None,
                                               "hrv": status if isinstance(status, str) else None,
                                               "tried": window.now.isoformat()}))
        if score is None and status is None:
            return ()
        return (Readiness(day, score if isinstance(score, int) else None,
                          status if isinstance(status, str) else None, "garmin"),)


def stored_activities(state: State, since: datetime, tz: ZoneInfo
                      ) -> tuple[list[Run], list[StrengthActivity]]:
    """The cached activities from ``since`` on, strength ones with their stored sets: no call
    to Garmin (``syncd status`` reads them from a read-only state too)."""
    rows = state.db.execute(
        "SELECT payload FROM activities WHERE source=? AND start>=? ORDER BY start",
        (GarminSource.name, since.astimezone(UTC).isoformat()))
    runs, lifts, _ = records_from_activities([json.loads(r[0]) for r in rows], tz)
    with_sets = []
    for lift in lifts:
        kept = state.get(SCOPE, f"sets:{lift.id}")
        with_sets.append(replace(lift, sets=from_rows(json.loads(kept))) if kept else lift)
    return runs, with_sets


def tokens_exist(state_dir: Path) -> bool:
    return token_path(state_dir).is_file()
