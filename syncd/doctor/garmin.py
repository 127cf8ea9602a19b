"""Checks on the saved Garmin login: how old it is, and whether Garmin still takes it.

The age and expiry come from the tokens themselves (JWT claims, read without verifying:
only Garmin can), else from the file. Then one authenticated call through the real library:
an access token that has expired is refreshed by the library first, so a call that still
carries the old token afterwards means Garmin no longer refreshes this login.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from syncd.config.loader import Config
from syncd.doctor import Check, failed, passed, skipped
from syncd.errors import SyncdError

# The cheapest call syncd makes anyway: the newest activity, one row.
PROBE = "/activitylist-service/activities/search/activities"


def jwt_claims(token: Any) -> dict[str, Any]:
    """The payload of a JWT, or {} for anything else; the signature is not checked."""
    try:
        part = str(token).split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _ago(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _expiry(claims: dict[str, Any], now: float, what: str) -> str | None:
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return None
    return (f"{what} valid for {_ago(exp - now)} more" if exp > now
            else f"{what} expired {_ago(now - exp)} ago")


def check_garmin(config: Config, state_dir: Path) -> Iterator[Check]:
    from syncd.sources.garmin_client import token_path

    if config.garmin is None:
        yield skipped("garmin", "not enabled")
        return
    path = token_path(state_dir)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        yield failed("garmin login", f"none saved in {state_dir}; run `syncd login`")
        return
    except (OSError, ValueError):
        yield failed("garmin login", f"{path} is unreadable; run `syncd login` again")
        return
    now = time.time()
    access = jwt_claims(saved.get("di_token"))
    refresh = jwt_claims(saved.get("di_refresh_token"))
    issued = access.get("iat")
    age = now - (issued if isinstance(issued, (int, float)) else path.stat().st_mtime)
    parts = [f"saved {_ago(age)} ago"]
    parts += [p for p in (_expiry(access, now, "access token"),
                          _expiry(refresh, now, "refresh token")) if p]
    refresh_exp = refresh.get("exp")
    if isinstance(refresh_exp, (int, float)) and refresh_exp <= now:
        yield failed("garmin login", "; ".join(parts) + ": run `syncd login`")
        return
    yield passed("garmin login", "; ".join(parts))
    yield _live(config.garmin.api_url, path, access, now)


def _live(api_url: str | None, path: Path, access: dict[str, Any], now: float) -> Check:
    from syncd.sources.garmin_client import garmin_errors, login_with_tokens

    name = "garmin refresh"
    exp = access.get("exp")
    expired = isinstance(exp, (int, float)) and exp <= now + 60
    try:
        g = login_with_tokens(api_url, path)
        before = g.client.di_token
        with garmin_errors("checking the saved login"):
            g.client.connectapi(PROBE, params={"start": 0, "limit": 1})
        after = g.client.di_token
    except SyncdError as exc:
        return failed(name, str(exc))
    finally:
        if path.exists():
            os.chmod(path, 0o600)  # the library saves refreshed tokens itself
    if expired and after == before:
        return failed(name, "the access token has expired and Garmin did not refresh it; "
                      "run `syncd login`")
    if after != before:
        return passed(name, "Garmin refreshed the expired access token and took the new one")
    return passed(name, "Garmin accepts the saved login")
