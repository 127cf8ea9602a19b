"""Strava's HTTP API with its documented rate limits honoured.

Facts followed (Strava's "Rate Limits" page, developers.strava.com/docs/rate-limits): limits
are per application, a 15-minute window that resets at 0, 15, 30 and 45 minutes past the
hour and a daily one that resets at midnight UTC; every answer carries ``X-RateLimit-Limit``
and ``X-RateLimit-Usage`` as "15-minute,daily" pairs (and ``X-ReadRateLimit-*`` for the
stricter non-upload limit); past a limit Strava answers 429, and a refused request still
counts toward the daily one. So an exhausted window is remembered in the state with its
reset time, no request is sent before then, and the error carries the wait.

Plain ``urllib`` rather than ``stravalib``: syncd needs three calls (token exchange, token
refresh, the activity list) and needs the raw limit headers, the 401/429 distinction and
the exact moment of each refresh to save the rotated token first; stravalib's client hides
the headers behind its own limiter (which sleeps in-process), brings pydantic models and
its own token handling that would have to be bypassed anyway.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.errors import AuthError, SyncdError, TransientError
from syncd.state import State

log = logging.getLogger(__name__)
TIMEOUT = 30.0
MAX_BODY = 8 * 1024 * 1024  # a page of 200 summaries is ~0.5 MB
SCOPE = "strava"
LIMIT_HEADERS = (("x-ratelimit-limit", "x-ratelimit-usage"),
                 ("x-readratelimit-limit", "x-readratelimit-usage"))


class Refused(SyncdError):
    """401: the access token is expired or revoked (the caller refreshes once)."""


def next_quarter(now: datetime) -> datetime:
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    return now.replace(minute=now.minute - now.minute % 15) + timedelta(minutes=15)


def next_midnight(now: datetime) -> datetime:
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _pair(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    parts = value[:64].split(",")
    try:
        return (int(parts[0]), int(parts[1])) if len(parts) == 2 else None
    except ValueError:
        return None


def lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers.items() if headers else [])}


def blocked_until(headers: Mapping[str, str], now: datetime, refused: bool) -> datetime | None:
    """When the next request may go, from the limit headers (lowercased names; None: now).
    A 429 without readable headers waits for the next 15-minute window."""
    until: datetime | None = None
    for limit_h, usage_h in LIMIT_HEADERS:
        limit, usage = _pair(headers.get(limit_h)), _pair(headers.get(usage_h))
        if limit is None or usage is None:
            continue
        if usage[1] >= limit[1] > 0:
            until = max(until or now, next_midnight(now))
        elif usage[0] >= limit[0] > 0:
            until = max(until or now, next_quarter(now))
    if refused and until is None:
        until = next_quarter(now)
    return until


class StravaHttp:
    """One base URL (``https://www.strava.com``; a local fake in tests), the state for the
    remembered limits, and a count of requests sent (the bench reads it)."""

    def __init__(self, base_url: str, state: State | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.state = state
        self.calls = 0

    def _check_window(self, now: datetime) -> None:
        raw = self.state.get(SCOPE, "blocked_until") if self.state else None
        if raw is None:
            return
        until = datetime.fromisoformat(raw)
        if now < until:
            err = TransientError(f"Strava's rate limit is used up until {until:%H:%M} UTC; "
                                 "syncd waits for the window to reset")
            err.retry_after = (until - now).total_seconds()
            raise err

    def _note(self, headers: Mapping[str, str], now: datetime, refused: bool) -> None:
        until = blocked_until(headers, now, refused)
        if self.state is not None:
            self.state.put(SCOPE, "blocked_until", until.isoformat() if until else None)
        if refused:
            assert until is not None
            err = TransientError(f"Strava answered 429 (rate limit); waiting until "
                                 f"{until:%H:%M} UTC, when its window resets")
            err.retry_after = (until - now).total_seconds()
            raise err

    def _send(self, req: urllib.request.Request, now: datetime,
              what: str) -> tuple[Any, Mapping[str, str]]:
        self._check_window(now)
        self.calls += 1
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                body = resp.read(MAX_BODY + 1)
                headers = lower(resp.headers)
        except urllib.error.HTTPError as exc:
            headers = lower(exc.headers)
            code = exc.code
            exc.close()
            if code == 429:
                self._note(headers, now, refused=True)
            self._note(headers, now, refused=False)
            if code == 401:
                raise Refused(f"Strava refused the access token while {what}") from None
            if code >= 500:
                err = TransientError(f"Strava answered {code} while {what}; will retry")
                raise err from None
            raise AuthError(f"Strava answered {code} while {what}; run `syncd login "
                            "strava` again (was access to your activities granted?)") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransientError(f"Strava did not answer while {what} ({reason}); "
                                 "will retry") from None
        self._note(headers, now, refused=False)
        if len(body) > MAX_BODY:
            raise TransientError(f"Strava sent more than {MAX_BODY} bytes while {what}")
        try:
            return json.loads(body), headers
        except ValueError:
            raise TransientError(f"Strava sent no JSON while {what}; will retry") from None

    def post_form(self, path: str, fields: dict[str, str], now: datetime) -> Any:
        data = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method="POST",
                                     headers={"User-Agent": "syncd",
                                              "Accept": "application/json"})
        try:
            return self._send(req, now, "renewing the login")[0]
        except Refused:
            raise AuthError("Strava refused the saved login (revoked, or the client secret "
                            "changed); run `syncd login strava`") from None

    def get_json(self, path: str, params: dict[str, Any], token: str, now: datetime) -> Any:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        req = urllib.request.Request(url, headers={"User-Agent": "syncd",
                                                   "Accept": "application/json",
                                                   "Authorization": f"Bearer {token}"})
        return self._send(req, now, "reading activities")[0]
