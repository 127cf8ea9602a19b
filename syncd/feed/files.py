"""Where the feed lives in the state dir, and its secret token.

Shared by the cycle (which writes the bodies), the daemon's server (which reads them) and
the CLI (status, rotate-token), so this module imports nothing heavy: the resident process
that serves the feed never loads icalendar.

The token is the only thing between the internet and a runner's schedule, so it is made
with ``secrets``, kept 0600 and compared in constant time; it is never logged.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from syncd.atomic import atomic_write

FEED_DIR = "feed"
TOKEN_FILE = "feed_token"
# URL path → file in FEED_DIR. The busy-only feed has no details, for a work calendar.
FEEDS = {"strength.ics": "strength.ics", "busy.ics": "busy.ics"}
# The page (``/<token>/``): the plan, the season and the state's health, read-only HTML.
PAGE = "index.html"


def feed_dir(state_dir: Path) -> Path:
    return state_dir / FEED_DIR


def token_path(state_dir: Path) -> Path:
    return state_dir / TOKEN_FILE


def read_token(state_dir: Path) -> str | None:
    """The current token, or None if none was made yet."""
    try:
        text = token_path(state_dir).read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return text or None


def ensure_token(state_dir: Path) -> str:
    """The token, made on first use (the daemon's first start with a [feed])."""
    return read_token(state_dir) or new_token(state_dir)


def new_token(state_dir: Path) -> str:
    """Replace the token: every old subscription URL stops working at once."""
    token = secrets.token_urlsafe(24)
    write_private(token_path(state_dir), (token + "\n").encode())
    return token


def write_private(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` with ``data``, readable by its owner only."""
    atomic_write(path, data, 0o600, dir_mode=0o700)


def local_base(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    return f"http://{shown}:{port}"


def page_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/{token}/"


def feed_urls(base: str, token: str) -> dict[str, str]:
    """The subscription URLs under ``base`` (the listen address or the public URL)."""
    base = base.rstrip("/")
    return {name: f"{base}/{token}/{name}" for name in FEEDS}
