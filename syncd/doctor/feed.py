"""Checks on the live feed: a token exists, the daemon answers at the listen address, and
(if set) at the public URL through the reverse proxy. The token is never printed."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from syncd.config.loader import Config
from syncd.doctor import Check, failed, passed, skipped
from syncd.feed.files import feed_urls, local_base, read_token

TIMEOUT = 10


def check_feed(config: Config, state_dir: Path) -> Iterator[Check]:
    feed = config.feed
    if feed is None:
        yield skipped("feed", "no [feed] listen set")
        return
    token = read_token(state_dir)
    if token is None:
        yield failed("feed", "no token yet: start the daemon (`syncd run`) once, or run "
                     "`syncd feed rotate-token`")
        return
    local = feed_urls(local_base(feed.host, feed.port), token)["strength.ics"]
    yield _head("feed", local, token, "is `syncd run` running with this config?")
    if feed.public_url:
        public = feed_urls(feed.public_url, token)["strength.ics"]
        yield _head("feed public URL", public, token,
                    "check the reverse proxy forwards it to feed.listen")


def _head(name: str, url: str, token: str, hint: str) -> Check:
    shown = url.replace(token, "…")
    parts = urlsplit(url)
    conn_type = (http.client.HTTPSConnection if parts.scheme == "https"
                 else http.client.HTTPConnection)
    conn = conn_type(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        conn.request("HEAD", parts.path)
        resp = conn.getresponse()
        status = resp.status
        resp.read()
    except OSError as exc:
        return failed(name, f"{shown} did not answer ({exc.__class__.__name__}): {hint}")
    finally:
        conn.close()
    if status == 200:
        return passed(name, f"{shown} answers 200")
    if status == 503:
        return failed(name, f"{shown} answers 503: the daemon serves but no cycle has written "
                      "the feed yet; see `syncd status`")
    if status == 404:
        return failed(name, f"{shown} answers 404: another program, or a daemon with another "
                      f"state dir, serves there; {hint}")
    return failed(name, f"{shown} answers {status}; {hint}")
