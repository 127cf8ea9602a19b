"""The one place syncd touches the garminconnect library: building a client, logging in,
and turning the library's errors into syncd's.

The library has no setting for its base URL. ``api_url`` (for tests and proxies) points the
client's private ``_connectapi`` and ``_di_token_url`` attributes elsewhere; ``check_seam``
fails loudly, and a test fails, if a library upgrade renames them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from syncd.errors import AuthError, SyncdError, TransientError

log = logging.getLogger(__name__)
TOKEN_FILE = "garmin_tokens.json"
SEAM = ("_connectapi", "_di_token_url")


class RateLimited(TransientError):
    """429 or a Cloudflare block; ``retry_after`` in seconds when Garmin said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def check_seam(client: Any) -> None:
    missing = [a for a in SEAM if not hasattr(client, a)]
    if missing:
        raise SyncdError("the installed garminconnect no longer has "
                         f"{', '.join(missing)}: sources.garmin.api_url cannot work with it; "
                         "report this to syncd")


def make_garmin(api_url: str | None = None, *, email: str | None = None,
                password: str | None = None, retries: int = 2) -> Any:
    from garminconnect import Garmin

    g = Garmin(email=email, password=password, return_on_mfa=True,
               retry_attempts=retries, retry_min_wait=1.0, retry_max_wait=10.0)
    if api_url:
        check_seam(g.client)
        base = api_url.rstrip("/")
        g.client._connectapi = base
        g.client._di_token_url = f"{base}/di-oauth2-service/oauth/token"
    return g


def token_path(state_dir: Path) -> Path:
    return state_dir / TOKEN_FILE


@contextmanager
def garmin_errors(what: str) -> Iterator[None]:
    """Each library error becomes one line that says what to do; never a token or password."""
    from garminconnect import (
        GarminConnectAuthenticationError,
        GarminConnectConnectionError,
        GarminConnectTooManyRequestsError,
    )

    try:
        yield
    except GarminConnectTooManyRequestsError as exc:
        raise RateLimited(f"Garmin is rate-limiting syncd while {what}; backing off",
                          _retry_after(exc)) from None
    except GarminConnectAuthenticationError:
        raise AuthError("Garmin rejected the saved login; run `syncd login`") from None
    except GarminConnectConnectionError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 401:
            raise AuthError("Garmin rejected the saved login; run `syncd login`") from None
        if status == 403:
            raise RateLimited(f"Garmin refused the request while {what} (403, usually a "
                              "Cloudflare block); backing off", _retry_after(exc)) from None
        if status == 429:
            raise RateLimited(f"Garmin is rate-limiting syncd while {what}; backing off",
                              _retry_after(exc)) from None
        raise TransientError(f"Garmin did not answer while {what} "
                             f"({status or 'network error'}); will retry") from None
    except (ValueError, json.JSONDecodeError) as exc:
        raise TransientError(f"Garmin sent an unreadable answer while {what} "
                             f"({exc.__class__.__name__}); will retry") from None
    except OSError as exc:
        raise TransientError(f"Garmin did not answer while {what} ({exc.__class__.__name__});"
                             " will retry") from None


def _retry_after(exc: BaseException) -> float | None:
    resp = getattr(exc, "response", None) or getattr(exc.__cause__, "response", None)
    value = getattr(resp, "headers", {}).get("Retry-After") if resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def login_with_tokens(api_url: str | None, tokens: Path) -> Any:
    """A client holding the saved tokens: never a password, and no request.

    The library's ``login()`` would fetch the profile (two requests) to learn a display
    name that none of the calls syncd makes needs; a token Garmin no longer accepts shows
    up as a 401 on the first real call instead, after the library tried one refresh.
    """
    if not tokens.is_file():
        raise AuthError(f"no Garmin login saved in {tokens.parent}; run `syncd login`")
    from garminconnect import GarminConnectConnectionError

    g = make_garmin(api_url)
    try:
        g.client.load(str(tokens))
    except (GarminConnectConnectionError, ValueError):
        raise AuthError(f"the saved Garmin login in {tokens} is unreadable; "
                        "run `syncd login`") from None
    return g


def interactive_login(api_url: str | None, tokens: Path, email: str, password: str,
                      ask_mfa: Callable[[], str]) -> str:
    """Log in with email and password (and MFA), save only the tokens (0600)."""
    g = make_garmin(api_url, email=email, password=password, retries=0)
    with garmin_errors("logging in"):
        status, state = g.login()
        if status == "needs_mfa":
            g.resume_login(state, ask_mfa().strip())
    tokens.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    old = os.umask(0o077)
    try:
        g.client.dump(str(tokens))
    finally:
        os.umask(old)
    os.chmod(tokens, 0o600)
    name = getattr(g, "display_name", None) or getattr(g, "full_name", None) or email
    return str(name)
