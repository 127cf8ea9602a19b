"""Completed runs from Strava, for watches that reach syncd only through it (Coros, Polar,
Suunto, Wahoo, Apple Watch).

Incremental, like garmin.py: ``GET /api/v3/athlete/activities`` with ``after`` (epoch
seconds; Strava filters on the activity's start) set to the newest start already known
minus two days, so a run uploaded a day or two late is still found, and ``per_page=200``
(Strava's maximum), so a quiet cycle costs one list call. Once a day the last 14 days are
read again instead (still one call for any runner), which finds an activity uploaded up to
two weeks late and forgets one deleted on Strava. The first sync reads ``history_days``,
page after page. Everything read is cached in the state; when Strava fails or its rate
limit is used up (strava_http.py), the cache still feeds the planner.

The login is the athlete's own Strava API application (strava_auth.py); a 401 refreshes the
access token once and retries the call once; a second 401 is an AuthError.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.config.loader import StravaConfig
from syncd.errors import AuthError, TransientError
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.strava_auth import current_tokens
from syncd.sources.strava_http import Refused, StravaHttp
from syncd.sources.strava_shapes import BadSummary, ident, parse_start, records
from syncd.state import State

log = logging.getLogger(__name__)
PER_PAGE = 200
MAX_PAGES = 50
OVERLAP = timedelta(days=2)
LATE_WINDOW = timedelta(days=14)
DEEP_EVERY = timedelta(days=1)
SCOPE = "strava"
DEFAULT_URL = "https://www.strava.com"


class StravaSource:
    name = "strava"

    def __init__(self, settings: StravaConfig, state: State) -> None:
        self.settings = settings
        self.state = state
        self.http = StravaHttp(settings.base_url or DEFAULT_URL, state)

    def _token(self, now: datetime, stale: str | None = None) -> str:
        secret = self.settings.client_secret
        return current_tokens(self.state.directory, self.settings.client_id, secret.value,
                              lambda path, form: self.http.post_form(path, form, now),
                              now.timestamp(), stale).access_token

    def _list(self, now: datetime, params: dict[str, Any]) -> Any:
        token = self._token(now)
        try:
            return self.http.get_json("/api/v3/athlete/activities", params, token, now)
        except Refused:
            log.info("Strava refused the access token; renewing it once")
            token = self._token(now, stale=token)
            try:
                return self.http.get_json("/api/v3/athlete/activities", params, token, now)
            except Refused:
                raise AuthError("Strava refused a freshly renewed login; run `syncd login "
                                "strava` again") from None

    def fetch(self, window: FetchWindow) -> Observations:
        now = window.now
        after, deep = self._after(window)
        seen: dict[str, dict[str, Any]] = {}
        for page_no in range(1, MAX_PAGES + 1):
            page = self._list(now, {"after": int(after.timestamp()), "page": page_no,
                                    "per_page": PER_PAGE})
            if not isinstance(page, list):
                raise TransientError("Strava sent an unreadable activity list; will retry")
            for act in page:
                try:
                    if isinstance(act, dict) and parse_start(act) >= after:
                        seen[ident(act)] = act
                except BadSummary as exc:
                    log.warning("skipped a Strava activity: %s", exc)
            if len(page) < PER_PAGE:
                break
        else:
            log.warning("Strava: read %d activities, the most syncd reads in one cycle; "
                        "the rest follow in later cycles", MAX_PAGES * PER_PAGE)
        self._store(seen, after)
        if deep:
            self.state.put(SCOPE, "deep_read_at", now.isoformat())
        return self.cached(window)

    def _after(self, window: FetchWindow) -> tuple[datetime, bool]:
        """Where this cycle's read starts, and whether it is the day's re-read."""
        floor = window.now - timedelta(days=self.settings.history_days)
        row = self.state.db.execute(
            "SELECT max(start) FROM activities WHERE source=?", (self.name,)).fetchone()
        if row[0] is None:
            return floor, True
        deep_at = self.state.get(SCOPE, "deep_read_at")
        if deep_at is None or window.now - datetime.fromisoformat(deep_at) >= DEEP_EVERY:
            return max(floor, window.now - LATE_WINDOW), True
        newest = datetime.fromisoformat(row[0])
        return max(floor, min(newest, window.now) - OVERLAP), False

    def _store(self, seen: dict[str, dict[str, Any]], after: datetime) -> None:
        with self.state.transaction():
            # Deleted on Strava inside the window read: gone from the cache too.
            self.state.db.execute("DELETE FROM activities WHERE source=? AND start>=?",
                                  (self.name, after.astimezone(UTC).isoformat()))
            self.state.db.executemany(
                "INSERT OR REPLACE INTO activities (source, id, start, payload) VALUES (?,?,?,?)",
                [(self.name, key, parse_start(act).isoformat(), json.dumps(act))
                 for key, act in seen.items()])

    def cached(self, window: FetchWindow) -> Observations:
        """What the cache knows, without calling Strava (used when Strava fails)."""
        rows = self.state.db.execute(
            "SELECT payload FROM activities WHERE source=? AND start>=? ORDER BY start",
            (self.name, (window.start - timedelta(days=28)).astimezone(UTC).isoformat()))
        runs, lifts = records(json.loads(r[0]) for r in rows)
        return Observations(completed_runs=tuple(r for r in runs if r.start >= window.start),
                            strength=tuple(s for s in lifts if s.start >= window.start))
