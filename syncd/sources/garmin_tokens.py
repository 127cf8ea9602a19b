"""A Garmin login that lasts: saved rotated tokens, one refresher at a time, login throttles.

Garmin's refresh tokens rotate: each refresh answers a new one and the old one dies, so the
new one must reach the disk every time, or the login is lost within days. The library
saves it only when it was given a token path, and swallows write errors; its refresh lock
is per process. Here:

* every refresh and every token write happens under ``fcntl.flock`` on a file in the state
  directory, so a daemon, a timer's oneshot and ``syncd login`` never refresh at once;
* under the lock the token file is read first: if another process already rotated the
  tokens, those are taken and no refresh is sent;
* the file is written atomically (a 0600 temporary file, fsync, rename) and a failed write
  is an error the user sees;
* a 429 on login or refresh (an account throttle that lasts hours and re-arms when retried)
  is recorded in the state directory with its end (Retry-After, at least an hour when
  Garmin does not say), and no process sends a login or refresh before then.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.utils
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.atomic import atomic_write
from syncd.errors import AuthError, SyncdError, TransientError

TOKEN_FILE = "garmin_tokens.json"
LOCK_FILE = "garmin_tokens.lock"
THROTTLE_FILE = "garmin_throttle.json"
THROTTLE_DEFAULT = timedelta(hours=1)
LOCK_TIMEOUT_S = 120.0
GARTH_FILES = ("oauth1_token.json", "oauth2_token.json")


class RateLimited(TransientError):
    """429 or a Cloudflare block; ``retry_after`` in seconds when known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenWriteError(SyncdError):
    """The refreshed login could not be saved: the next run would have a dead token."""


# -- the lock and the file ---------------------------------------------------------------

@contextmanager
def token_lock(state_dir: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """An exclusive lock across processes, held around every refresh and token write."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TransientError("another syncd process has held the Garmin login "
                                         f"lock for {timeout:g} s; will retry") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_tokens(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def save_tokens(path: Path, tokens: dict[str, Any]) -> None:
    """Atomically replace the token file (0600); any failure is the user's to see."""
    try:
        atomic_write(path, json.dumps(tokens).encode(), 0o600, dir_mode=0o700)
    except OSError as exc:
        raise TokenWriteError(f"cannot save the renewed Garmin login to {path}: "
                              f"{exc.strerror or exc}; free space or fix the permissions of "
                              "the state directory, then run `syncd login`") from None


def garth_layout(tokens: Path) -> bool:
    """A login saved by garminconnect < 0.3 (garth): two oauth files, or garth's dump."""
    if not tokens.exists():
        return any((tokens.parent / f).exists() for f in GARTH_FILES)
    try:
        text = tokens.read_text("utf-8").strip()
    except OSError:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        try:  # garth.dumps(): base64 of a JSON list [oauth1, oauth2]
            data = json.loads(base64.b64decode(text, validate=True))
        except (ValueError, binascii.Error):
            return False
    if isinstance(data, list):
        return True
    return isinstance(data, dict) and "di_token" not in data and bool(
        {"oauth_token", "oauth_token_secret"} & set(data)
        or {"access_token", "refresh_token", "expires_at"} <= set(data))


# -- throttles ---------------------------------------------------------------------------

def retry_after_of(exc_or_resp: Any) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date) on a response/error."""
    resp = exc_or_resp
    if not hasattr(resp, "headers"):
        resp = getattr(exc_or_resp, "response", None) or getattr(
            getattr(exc_or_resp, "__cause__", None), "response", None)
    headers = getattr(resp, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def record_throttle(state_dir: Path, now: datetime, retry_after: float | None) -> datetime:
    until = now + (timedelta(seconds=retry_after) if retry_after else THROTTLE_DEFAULT)
    with contextlib.suppress(OSError):
        atomic_write(state_dir / THROTTLE_FILE,
                     json.dumps({"until": until.astimezone(UTC).isoformat(),
                                 "since": now.astimezone(UTC).isoformat()}).encode(), 0o600)
    return until.astimezone(UTC)


def throttled_until(state_dir: Path) -> datetime | None:
    data = read_tokens(state_dir / THROTTLE_FILE)
    try:
        return datetime.fromisoformat(data["until"]) if data else None
    except (KeyError, TypeError, ValueError):
        return None


def check_throttle(state_dir: Path, now: datetime) -> None:
    until = throttled_until(state_dir)
    if until is not None and now < until:
        wait = until - now
        raise RateLimited(f"Garmin is throttling logins for this account (HTTP 429); next try "
                          f"at {until:%Y-%m-%d %H:%M} UTC, in {_span(wait)} (trying sooner "
                          "restarts the wait)", wait.total_seconds())


def clear_throttle(state_dir: Path) -> None:
    (state_dir / THROTTLE_FILE).unlink(missing_ok=True)


def _span(d: timedelta) -> str:
    minutes = max(1, round(d.total_seconds() / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


# -- the refresher -----------------------------------------------------------------------

class LockedRefresh:
    """Installed as the client's ``_refresh_session``: the library calls it when the access
    token is about to expire and after a 401."""

    def __init__(self, client: Any, tokens: Path, clock: Callable[[], datetime]) -> None:
        self.client = client
        self.tokens = tokens
        self.clock = clock
        self.refreshed = 0
        self.adopted = 0

    def __call__(self) -> None:
        c = self.client
        with token_lock(self.tokens.parent):
            disk = read_tokens(self.tokens) or {}
            if disk.get("di_refresh_token") and disk["di_refresh_token"] != c.di_refresh_token:
                # Another process rotated the tokens while we held the old ones.
                c.di_token = disk.get("di_token")
                c.di_refresh_token = disk["di_refresh_token"]
                c.di_client_id = disk.get("di_client_id") or c.di_client_id
                self.adopted += 1
                if not c._token_expires_soon():
                    return
            self._refresh()

    def _refresh(self) -> None:
        c = self.client
        now = self.clock()
        check_throttle(self.tokens.parent, now)
        if not c.di_refresh_token or not c.di_client_id:
            raise AuthError("the saved Garmin login cannot be renewed; run `syncd login`")
        try:
            r = c._di_token_post(c.di_client_id, "application/json", {
                "grant_type": "refresh_token", "client_id": c.di_client_id,
                "refresh_token": c.di_refresh_token})
        except Exception as exc:
            raise TransientError("could not reach Garmin to renew the login "
                                 f"({exc.__class__.__name__}); will retry") from None
        if r.status_code in (427, 429):
            until = record_throttle(self.tokens.parent, now, retry_after_of(r))
            raise RateLimited(f"Garmin is throttling logins for this account (HTTP "
                              f"{r.status_code}); next try at {until:%Y-%m-%d %H:%M} UTC, in "
                              f"{_span(until - now)}", (until - now).total_seconds())
        if r.status_code >= 500:
            raise TransientError(f"Garmin could not renew the login ({r.status_code}); "
                                 "will retry")
        if not r.ok:
            raise AuthError("Garmin rejected the saved login; run `syncd login` (Garmin "
                            f"did not refresh it: HTTP {r.status_code})")
        try:
            data = r.json()
            access = str(data["access_token"])
        except (ValueError, KeyError, TypeError):
            raise TransientError("Garmin sent an unreadable answer to a login renewal; "
                                 "will retry") from None
        c.di_token = access
        c.di_refresh_token = data.get("refresh_token") or c.di_refresh_token
        c.di_client_id = c._extract_client_id_from_jwt(access) or c.di_client_id
        save_tokens(self.tokens, {"di_token": c.di_token,
                                  "di_refresh_token": c.di_refresh_token,
                                  "di_client_id": c.di_client_id})
        self.refreshed += 1
