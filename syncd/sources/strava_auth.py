"""Strava's OAuth2 for one athlete's own API application: the login and the rotating token.

Facts followed (Strava's "Authentication" page, developers.strava.com/docs/authentication):

* the athlete's browser goes to ``/oauth/authorize`` with ``client_id``, ``redirect_uri``,
  ``response_type=code``, ``scope`` and an opaque ``state``; Strava redirects back with
  ``code``, ``scope`` (what the athlete accepted) and ``state``, or ``error=access_denied``.
  For an application whose callback domain is ``localhost``/``127.0.0.1`` any port is
  accepted, so the listener takes an ephemeral one unless the config names one;
* ``POST /oauth/token`` with ``client_id``, ``client_secret``, ``code`` and
  ``grant_type=authorization_code`` answers ``token_type`` "Bearer", ``access_token``,
  ``expires_at`` (epoch seconds), ``expires_in``, ``refresh_token`` and ``athlete``;
* the same endpoint with ``grant_type=refresh_token`` answers a new access token and a
  refresh token that may be new: the old one must not be relied on after that answer.

So the refresh token is saved (0600, atomically) *before* the access token is used, under
an ``flock`` shared by the daemon, a timer's oneshot and ``syncd login strava``: under the
lock the file is read again, and a token another process rotated is taken, not refreshed
twice. The client secret comes from the config's secret keys and is never written here.
"""

from __future__ import annotations

import fcntl
import http.server
import json
import logging
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncd.atomic import atomic_write
from syncd.errors import AuthError, SyncdError, TransientError

log = logging.getLogger(__name__)
TOKEN_FILE = "strava_tokens.json"
LOCK_FILE = "strava_tokens.lock"
SCOPE = "activity:read_all"  # private runs count too; nothing is written to Strava
EARLY_S = 300  # refresh this long before the access token's expires_at
MAX_TOKEN = 4096  # bytes of a token Strava may send; anything longer is not a token
LOGIN_WAIT_S = 300.0


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: int

    def fresh(self, now_epoch: float) -> bool:
        return now_epoch < self.expires_at - EARLY_S


def token_path(state_dir: Path) -> Path:
    return state_dir / TOKEN_FILE


def parse_token_answer(body: Any) -> Tokens:
    """The token endpoint's answer (exchange or refresh), checked and bounded."""
    if not isinstance(body, dict):
        raise TransientError("Strava's token endpoint sent no JSON object; will retry")
    access, refresh, expires = (body.get("access_token"), body.get("refresh_token"),
                                body.get("expires_at"))
    if not (isinstance(access, str) and isinstance(refresh, str) and access and refresh
            and len(access) <= MAX_TOKEN and len(refresh) <= MAX_TOKEN
            and isinstance(expires, int) and not isinstance(expires, bool)):
        raise TransientError("Strava's token endpoint sent an answer without access_token, "
                             "refresh_token and expires_at; will retry")
    return Tokens(access, refresh, expires)


def load_tokens(path: Path) -> Tokens | None:
    try:
        raw = path.read_bytes()[: 4 * MAX_TOKEN]
        return parse_token_answer(json.loads(raw))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TransientError):
        raise AuthError(f"the Strava login in {path} is unreadable; run `syncd login strava` "
                        "again") from None


def save_tokens(path: Path, tokens: Tokens) -> None:
    data = json.dumps({"access_token": tokens.access_token,
                       "refresh_token": tokens.refresh_token,
                       "expires_at": tokens.expires_at}).encode()
    try:
        atomic_write(path, data, 0o600, 0o700)
    except OSError as exc:
        raise SyncdError(f"could not save the rotated Strava login to {path}: "
                         f"{exc.strerror or exc}; the next run would be logged out") from None


@contextmanager
def token_lock(state_dir: Path) -> Iterator[None]:
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(state_dir / LOCK_FILE, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


PostForm = Callable[[str, dict[str, str]], Any]


def current_tokens(state_dir: Path, client_id: str, client_secret: str, post: PostForm,
                   now_epoch: float, stale: str | None = None) -> Tokens:
    """A usable access token: the saved one while fresh (and not ``stale``, the one Strava
    just refused), else refreshed, saved, then returned."""
    path = token_path(state_dir)
    with token_lock(state_dir):
        tokens = load_tokens(path)
        if tokens is None:
            raise AuthError("no Strava login yet; run `syncd login strava`")
        if tokens.fresh(now_epoch) and tokens.access_token != stale:
            return tokens
        answer = post("/oauth/token", {"client_id": client_id, "client_secret": client_secret,
                                       "grant_type": "refresh_token",
                                       "refresh_token": tokens.refresh_token})
        new = parse_token_answer(answer)
        save_tokens(path, new)  # before the access token is used: the old refresh may be dead
        log.debug("Strava: access token refreshed")
        return new


# -- the one-shot login listener -------------------------------------------------------------

@dataclass
class Redirect:
    code: str | None = None
    error: str | None = None
    scope: str = ""


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    query = urllib.parse.urlencode({"client_id": client_id, "redirect_uri": redirect_uri,
                                    "response_type": "code", "approval_prompt": "auto",
                                    "scope": SCOPE, "state": state})
    return f"{base_url}/oauth/authorize?{query}"


class LoginListener:
    """Listens on 127.0.0.1 for the one redirect whose ``state`` matches; other requests
    (a favicon, a stranger's guess) get 400 and do not end the wait."""

    def __init__(self, port: int = 0) -> None:
        self.state = secrets.token_urlsafe(24)
        self.result: Redirect | None = None
        self._done = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = urllib.parse.urlsplit(self.path[:4096]).query
                got = urllib.parse.parse_qs(query, max_num_fields=10)
                if got.get("state", [""])[0] != outer.state or outer._done.is_set():
                    self._answer(400, "This is not the Strava login syncd is waiting for.")
                    return
                code, error = got.get("code", [None])[0], got.get("error", [None])[0]
                outer.result = Redirect(code=code[:MAX_TOKEN] if code else None,
                                        error=(error or "")[:100] or None,
                                        scope=got.get("scope", [""])[0][:200])
                outer._done.set()
                self._answer(200, "syncd got the answer from Strava; you can close this tab.")

            def _answer(self, status: int, text: str) -> None:
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # the query holds the code: never logged

        self.server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        self.server.timeout = 1.0
        self.redirect_uri = f"http://127.0.0.1:{self.server.server_address[1]}/strava"

    def wait(self, timeout: float = LOGIN_WAIT_S) -> Redirect:
        import time

        deadline = time.monotonic() + timeout
        try:
            while not self._done.is_set() and time.monotonic() < deadline:
                self.server.handle_request()
        finally:
            self.server.server_close()
        if self.result is None:
            raise AuthError(f"no answer from Strava within {timeout:.0f} s; run "
                            "`syncd login strava` again")
        return self.result


def finish_login(redirect: Redirect, state_dir: Path, client_id: str, client_secret: str,
                 post: PostForm) -> Tokens:
    """Check what the athlete granted, exchange the code, save the tokens (0600)."""
    if redirect.error or not redirect.code:
        raise AuthError(f"Strava did not grant access ({redirect.error or 'no code'}); "
                        "nothing was saved")
    if "activity:read" not in redirect.scope:
        raise AuthError("Strava access was granted without 'View data about your activities'"
                        " (activity:read_all); syncd cannot read your runs without it. Run "
                        "`syncd login strava` again and leave that box ticked")
    answer = post("/oauth/token", {"client_id": client_id, "client_secret": client_secret,
                                   "code": redirect.code, "grant_type": "authorization_code"})
    tokens = parse_token_answer(answer)
    with token_lock(state_dir):
        save_tokens(token_path(state_dir), tokens)
    return tokens
