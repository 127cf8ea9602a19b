"""The few intervals.icu API calls syncd makes, over the standard library's HTTP client.

Shapes and paths follow intervals.icu's published OpenAPI description
(https://intervals.icu/api/v1/docs): ``/api/v1/athlete/{id}/activities``,
``/wellness``, ``/events`` (GET with ``oldest``/``newest``, POST, PUT and DELETE of
``/events/{eventId}``). Authentication is HTTP Basic with the user name ``API_KEY`` and
the athlete's key as the password (intervals.icu Settings → Developer Settings).

Every answer is bounded in size and time, and every failure is one line: 401/403 an
``AuthError`` naming the config key to fix, 404 ``NotFound``, 429 and 5xx a
``TransientError`` carrying the server's Retry-After, so the cycle's backoff honours it.
No new dependency: ``urllib`` is enough for a handful of JSON calls.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from syncd.config.secrets import Secret
from syncd.errors import AuthError, SyncdError, TransientError

log = logging.getLogger(__name__)
DEFAULT_URL = "https://intervals.icu"
TIMEOUT = 30.0
MAX_BYTES = 16 * 1024 * 1024  # a year of activities is a few MB; more is not an answer
MAX_RETRY_AFTER = 6 * 3600.0


class NotFound(Exception):
    """intervals.icu answered 404: the event (or athlete) is not there."""


class IntervalsApi:
    def __init__(self, base_url: str | None, athlete_id: str, api_key: Secret | None,
                 key_path: str, timeout: float = TIMEOUT) -> None:
        self.base = (base_url or DEFAULT_URL).rstrip("/")
        self.athlete_id = athlete_id
        self.api_key = api_key
        self.key_path = key_path  # the config key a refusal names
        self.timeout = timeout
        self.calls = 0

    def athlete_path(self, tail: str) -> str:
        return f"/api/v1/athlete/{urllib.parse.quote(self.athlete_id, safe='')}{tail}"

    def _auth(self) -> str:
        if self.api_key is None:
            raise AuthError(f"intervals.icu needs an API key: set {self.key_path} (or "
                            f"{self.key_path}_command/_env/_credential)")
        token = base64.b64encode(f"API_KEY:{self.api_key.value}".encode()).decode()
        return f"Basic {token}"

    def request(self, method: str, path: str, params: dict[str, str] | None = None,
                body: Any = None, what: str = "") -> Any:
        """One HTTP request; the decoded JSON answer (None for an empty body)."""
        what = what or f"{method} {path}"
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", self._auth())
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        self.calls += 1
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, what) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransientError(f"intervals.icu did not answer while {what} ({reason}); "
                                 "will retry") from None
        if len(raw) > MAX_BYTES:
            raise TransientError(f"intervals.icu sent more than {MAX_BYTES // 2**20} MB while "
                                 f"{what}; will retry")
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise TransientError(f"intervals.icu sent an unreadable answer while {what}; "
                                 "will retry") from None

    def _http_error(self, exc: urllib.error.HTTPError, what: str) -> Exception:
        code = exc.code
        exc.close()
        if code in (401, 403):
            return AuthError(f"intervals.icu refused the API key (HTTP {code}) while {what}: "
                             f"check {self.key_path} and the athlete id (a new key is made in "
                             "intervals.icu under Settings → Developer Settings)")
        if code == 404:
            return NotFound(what)
        if code == 429 or code >= 500:
            err = TransientError(f"intervals.icu answered HTTP {code} while {what}; "
                                 "will retry")
            err.retry_after = retry_after(exc.headers.get("Retry-After"))
            return err
        return SyncdError(f"intervals.icu answered HTTP {code} while {what}")

    def get_list(self, path: str, params: dict[str, str], what: str) -> list[Any]:
        answer = self.request("GET", self.athlete_path(path), params, what=what)
        if not isinstance(answer, list):
            raise TransientError(f"intervals.icu sent no list while {what}; will retry")
        return answer


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), bounded."""
    if not value:
        return None
    value = value.strip()[:64]
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
