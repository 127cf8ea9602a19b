"""`syncd login strava`: the athlete authorises their own Strava API application once.

Kept beside ``commands`` (not in it) so the Strava login is one file; the flow itself lives
in syncd/sources/strava_auth.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syncd.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from syncd.context import Context

Echo = Callable[[str], None]


def strava_login(obj: Context, echo: Echo, wait_s: float | None = None) -> ExitCode:
    from syncd.sources.strava import DEFAULT_URL
    from syncd.sources.strava_auth import (
        LOGIN_WAIT_S,
        LoginListener,
        authorize_url,
        finish_login,
        token_path,
    )
    from syncd.sources.strava_http import StravaHttp
    from syncd.state import ensure_private_dir, resolve_state_dir

    settings = obj.config.strava
    if settings is None:
        raise ConfigError("expected [sources.strava] enabled = true with your API "
                          "application's client_id and client_secret", source=obj.config.origin,
                          key="sources.strava.enabled")
    # Not obj.state_path(): a login made before the config exists is for the real one.
    directory = resolve_state_dir(obj.state_dir)
    base = (settings.base_url or DEFAULT_URL).rstrip("/")
    listener = LoginListener(settings.redirect_port)
    url = authorize_url(base, settings.client_id, listener.redirect_uri, listener.state)
    echo("Open this address in a browser on this machine, log in to Strava and authorise "
         "your application:")
    echo(url)
    if obj.dry_run:
        listener.server.server_close()
        echo("(--dry-run: not waiting for the answer; nothing saved)")
        return ExitCode.OK
    echo(f"Waiting for Strava's answer on {listener.redirect_uri} ...")
    redirect = listener.wait(wait_s or LOGIN_WAIT_S)
    ensure_private_dir(directory)
    http = StravaHttp(base, None)
    now = obj.now()
    finish_login(redirect, directory, settings.client_id, settings.client_secret.value,
                 lambda path, form: http.post_form(path, form, now))
    echo(f"Strava login saved to {token_path(directory)} (0600). syncd renews it itself.")
    return ExitCode.OK
