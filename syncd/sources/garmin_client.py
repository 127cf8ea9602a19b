"""The one place syncd touches the garminconnect library: building a client, logging in,
keeping the login alive, and turning the library's errors into syncd's.

The library has no setting for its base URL. ``api_url`` (for tests and proxies) points the
client's private ``_connectapi``, ``_di_token_url`` and ``_sso`` attributes elsewhere; and
syncd replaces the client's ``_refresh_session`` with its own (``syncd.sources.garmin_tokens``)
so that a rotated refresh token is saved after every refresh, under a lock shared by every
syncd process. ``check_seam`` fails loudly, and a test fails, if a library upgrade renames
any of these.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.errors import AuthError, SyncdError, TransientError
from syncd.sources.garmin_tokens import (
    TOKEN_FILE,
    LockedRefresh,
    RateLimited,
    check_throttle,
    clear_throttle,
    garth_layout,
    record_throttle,
    retry_after_of,
    save_tokens,
    token_lock,
)

log = logging.getLogger(__name__)
SEAM = ("_connectapi", "_di_token_url", "_sso", "_refresh_session", "_di_token_post",
        "_token_expires_soon", "di_token", "di_refresh_token", "di_client_id")
OFFLINE = "check the network and run `syncd login` again"
OLD_LOGIN = ("is from before garminconnect 0.3 (the garth layout), which cannot be used "
             "any more: log in again with `syncd login`")

__all__ = ["TOKEN_FILE", "RateLimited", "check_seam", "garmin_errors", "interactive_login",
           "login_with_tokens", "make_garmin", "token_path"]


def check_seam(client: Any) -> None:
    missing = [a for a in SEAM if not hasattr(client, a)]
    if missing:
        raise SyncdError("the installed garminconnect no longer has "
                         f"{', '.join(missing)}: syncd cannot keep its Garmin login with it; "
                         "report this to syncd")


def make_garmin(api_url: str | None = None, *, email: str | None = None,
                password: str | None = None, retries: int = 2) -> Any:
    from garminconnect import Garmin

    g = Garmin(email=email, password=password, return_on_mfa=True,
               retry_attempts=retries, retry_min_wait=1.0, retry_max_wait=10.0)
    check_seam(g.client)
    if api_url:
        base = api_url.rstrip("/")
        g.client._connectapi = base
        g.client._di_token_url = f"{base}/di-oauth2-service/oauth/token"
        g.client._sso = base  # `syncd login` signs in at the same place
    return g


def token_path(state_dir: Path) -> Path:
    return state_dir / TOKEN_FILE


def _translate(exc: BaseException, what: str) -> SyncdError | None:
    """The one-line error for a library exception (never a token or password), or None."""
    from garminconnect import (
        GarminConnectAuthenticationError,
        GarminConnectConnectionError,
        GarminConnectTooManyRequestsError,
    )

    cause: BaseException | None = exc
    while cause is not None:  # the library wraps whatever a refresh raised
        if isinstance(cause, SyncdError):
            return cause
        cause = cause.__cause__
    if isinstance(exc, GarminConnectTooManyRequestsError):
        return RateLimited(f"Garmin is rate-limiting syncd while {what}; backing off",
                           retry_after_of(exc))
    if isinstance(exc, GarminConnectAuthenticationError):
        return AuthError("Garmin rejected the saved login; run `syncd login`")
    if isinstance(exc, GarminConnectConnectionError):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 401:
            return AuthError("Garmin rejected the saved login; run `syncd login`")
        if status == 403:
            return RateLimited(f"Garmin refused the request while {what} (403, usually a "
                               "Cloudflare block); backing off", retry_after_of(exc))
        if status == 429:
            return RateLimited(f"Garmin is rate-limiting syncd while {what}; backing off",
                               retry_after_of(exc))
        if isinstance(status, int) and 400 <= status < 500 and status != 404:
            # Garmin read the request and refused it: retrying sends the same again.
            detail = str(exc).split(" - ", 1)[1][:160] if " - " in str(exc) else ""
            return SyncdError(f"Garmin refused the request while {what} ({status}"
                              f"{': ' + detail if detail else ''}); report this to syncd")
        return TransientError(f"Garmin did not answer while {what} "
                              f"({status or 'network error'}); will retry")
    if isinstance(exc, ValueError | json.JSONDecodeError):
        return TransientError(f"Garmin sent an unreadable answer while {what} "
                              f"({exc.__class__.__name__}); will retry")
    if isinstance(exc, OSError):
        return TransientError(f"Garmin did not answer while {what} "
                              f"({exc.__class__.__name__}); will retry")
    return None


@contextmanager
def garmin_errors(what: str) -> Iterator[None]:
    """Each library error becomes one line that says what to do."""
    try:
        yield
    except SyncdError:
        raise
    except Exception as exc:
        mapped = _translate(exc, what)
        if mapped is None:
            raise
        raise mapped from None


def _check_not_garth(tokens: Path) -> None:
    if garth_layout(tokens):
        raise AuthError(f"the saved Garmin login in {tokens.parent} {OLD_LOGIN}")


def _clock_from(now: datetime | None) -> Callable[[], datetime]:
    """The cycle's ``now`` (which ``--now`` replays), moving on as real time passes, so a
    client kept for a long time still sees a throttle end."""
    if now is None:
        return lambda: datetime.now(UTC)
    start = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - start)


def login_with_tokens(api_url: str | None, tokens: Path, now: datetime | None = None,
                      clock: Callable[[], datetime] | None = None) -> Any:
    """A client holding the saved tokens: never a password, and no request.

    The library's ``login()`` would fetch the profile (two requests) to learn a display
    name that none of the calls syncd makes needs; a token Garmin no longer accepts shows
    up as a 401 on the first real call instead, after one (locked, saved) refresh.
    A login throttle recorded by any syncd process holds back refreshes, not data calls
    with a token that still works.
    """
    _check_not_garth(tokens)
    if not tokens.is_file():
        raise AuthError(f"no Garmin login saved in {tokens.parent}; run `syncd login`")
    if clock is None:
        clock = _clock_from(now)
    from garminconnect import GarminConnectConnectionError

    g = make_garmin(api_url)
    try:
        g.client.load(str(tokens))
    except (GarminConnectConnectionError, ValueError):
        raise AuthError(f"the saved Garmin login in {tokens} is unreadable; "
                        "run `syncd login`") from None
    g.client._tokenstore_path = None  # the library's own, silent, write is replaced by ours
    g.client._refresh_session = LockedRefresh(g.client, tokens, clock)
    return g


@contextmanager
def _retry_after_seen(waits: list[float]) -> Iterator[None]:
    """Collect the Retry-After of the sign-in pages' 429s: the library's login error does
    not carry its response. Without the private helper (an upgrade) the default applies."""
    from garminconnect.client import sso

    original = getattr(sso, "_raise_if_rate_limited", None)
    if original is None:
        yield
        return

    def watching(resp: Any, what: str) -> None:
        if getattr(resp, "status_code", None) in (427, 429):
            wait = retry_after_of(resp)
            if wait:
                waits.append(wait)
        original(resp, what)

    sso._raise_if_rate_limited = watching
    try:
        yield
    finally:
        sso._raise_if_rate_limited = original


def interactive_login(api_url: str | None, tokens: Path, email: str, password: str,
                      ask_mfa: Callable[[], str], now: datetime | None = None) -> str:
    """Log in with email and password (and MFA), save only the tokens (0600)."""
    from garminconnect import (
        GarminConnectAuthenticationError,
        GarminConnectConnectionError,
        GarminConnectTooManyRequestsError,
    )

    now = now or datetime.now(UTC)
    tokens.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_throttle(tokens.parent, now)
    g = make_garmin(api_url, email=email, password=password, retries=0)
    waits: list[float] = []
    try:
        with _retry_after_seen(waits):
            status, state = g.login()
            if status == "needs_mfa":
                g.resume_login(state, ask_mfa().strip())
    except GarminConnectTooManyRequestsError as exc:
        until = record_throttle(tokens.parent, now, max(waits, default=None)
                                or retry_after_of(exc))
        raise RateLimited(f"Garmin is throttling logins for this account (HTTP 429): wait "
                          f"until {until:%Y-%m-%d %H:%M} UTC, then run `syncd login` again "
                          "(trying sooner restarts the wait)",
                          (until - now).total_seconds()) from None
    except GarminConnectAuthenticationError:
        raise AuthError("Garmin did not accept that email and password (or MFA code); "
                        "run `syncd login` again") from None
    except GarminConnectConnectionError as exc:
        mapped = _translate(exc, "logging in")
        if isinstance(mapped, AuthError | RateLimited):
            raise mapped from None
        raise TransientError(f"could not reach Garmin to log in: {OFFLINE}") from None
    except SyncdError:
        raise
    except Exception as exc:
        mapped = _translate(exc, "logging in")
        if isinstance(mapped, AuthError):
            raise mapped from None
        raise TransientError(f"could not reach Garmin to log in "
                             f"({exc.__class__.__name__}): {OFFLINE}") from None
    c = g.client
    with token_lock(tokens.parent):
        save_tokens(tokens, {"di_token": c.di_token, "di_refresh_token": c.di_refresh_token,
                             "di_client_id": c.di_client_id})
    for old in ("oauth1_token.json", "oauth2_token.json"):
        (tokens.parent / old).unlink(missing_ok=True)
    clear_throttle(tokens.parent)
    name = getattr(g, "display_name", None) or getattr(g, "full_name", None) or email
    return str(name)
