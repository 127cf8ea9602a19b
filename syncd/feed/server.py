"""The feed server: a companion of the daemon's resident process, serving the feed bodies.

It lives in the parent because a listening socket must outlive the forked cycles; it only
reads the files the cycle wrote (``syncd.sinks.feed``) and never imports icalendar. Every
answer a calendar app needs to poll cheaply is here: a strong ``ETag`` per body (and per
encoding), ``If-None-Match`` and ``If-Modified-Since`` → 304 with no body, ``Last-Modified``
from the file, ``HEAD``, gzip. A wrong token, a wrong path and any request it does not serve
get a bare status line with no body, so the server tells a scanner nothing. The request line
is never logged: it holds the token.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from syncd.config.loader import FeedSettings
from syncd.feed.files import FEEDS, PAGE, ensure_token, feed_dir, read_token

log = logging.getLogger(__name__)
RETRY_AFTER = 60  # seconds a subscriber waits when the first cycle has not written yet
SERVED = {**FEEDS, PAGE: PAGE}  # what a path may name → its file in the feed folder
# The page has no script and one inline style block (admitted by its hash); these headers
# keep it so even if a title ever slipped through escaping, and keep the token (in the URL)
# out of any Referer.
PAGE_HEADERS = {"Content-Type": "text/html; charset=utf-8",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "X-Frame-Options": "DENY"}


@dataclass(frozen=True)
class Body:
    key: tuple[int, int, int]  # (inode, mtime_ns, size): a new file is a new body
    plain: bytes
    gz: bytes
    etag: str
    last_modified: str
    mtime: int  # whole seconds, as Last-Modified says

    @classmethod
    def load(cls, path: Path) -> Body:
        with path.open("rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
        tag = hashlib.sha256(data).hexdigest()[:32]
        return cls((st.st_ino, st.st_mtime_ns, st.st_size), data, gzip.compress(data, mtime=0),
                   f'"{tag}"', formatdate(int(st.st_mtime), usegmt=True), int(st.st_mtime))

    def tags(self) -> set[str]:
        return {self.etag, self.gz_etag}

    @property
    def gz_etag(self) -> str:
        return self.etag[:-1] + '-gz"'


class FeedFiles:
    """The current token and bodies, re-read only when their files change."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._bodies: dict[str, Body] = {}
        self._lock = threading.Lock()

    def token_ok(self, given: str) -> bool:
        token = read_token(self.state_dir)
        return token is not None and hmac.compare_digest(token.encode(), given.encode())

    def body(self, name: str) -> Body | None:
        path = feed_dir(self.state_dir) / SERVED[name]
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        with self._lock:
            cached = self._bodies.get(name)
            if cached is None or cached.key != (st.st_ino, st.st_mtime_ns, st.st_size):
                cached = self._bodies[name] = Body.load(path)
            return cached


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    files: FeedFiles
    refresh_s: int
    faults = 0  # connections a client broke off (reset, closed early) since last said
    faults_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or drops its connection is the client's business: counted
        and said once a cycle (``FeedServer.after_cycle``), never a traceback on stderr (the
        journal), whatever it does. Anything else is one line, its traceback at debug."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            with self.faults_lock:
                self.faults += 1
            return
        log.error("feed: answering a request failed: %s: %s", type(exc).__name__, exc)
        log.debug("feed: the failure in full", exc_info=exc)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()


class FeedHandler(BaseHTTPRequestHandler):
    server: _HttpServer
    server_version = "syncd"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that stops talking does not hold a thread

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        name = self._feed_name()
        if name is None:
            self._bare(404)
            return
        body = self.server.files.body(name)
        if body is None:
            self._bare(503, {"Retry-After": str(RETRY_AFTER)})
            return
        gz = _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        common = {"ETag": body.gz_etag if gz else body.etag,
                  "Last-Modified": body.last_modified,
                  "Cache-Control": f"private, max-age={min(300, self.server.refresh_s)}",
                  "Vary": "Accept-Encoding"}
        if self._not_modified(body):
            self._bare(304, common, length=False)
            return
        data = body.gz if gz else body.plain
        self.send_response(200)
        if name == PAGE:
            for k, v in {**PAGE_HEADERS, "Content-Security-Policy": _csp()}.items():
                self.send_header(k, v)
        else:
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in common.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _feed_name(self) -> str | None:
        """What is asked for, if the path ends in ``/<token>/<feed>`` (a feed) or
        ``/<token>/`` (the page) with the right token.

        Any prefix before the token is allowed, so a reverse proxy may pass ``/syncd/...``
        through unchanged or strip it."""
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        parts = path.strip("/").split("/")
        if path.endswith("/") and parts[-1]:
            token, name = parts[-1], PAGE
        elif len(parts) >= 2 and parts[-1] in FEEDS:
            token, name = parts[-2], parts[-1]
        else:
            return None
        return name if self.server.files.token_ok(token) else None

    def _not_modified(self, body: Body) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            given = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in given or bool(given & body.tags())
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return body.mtime <= int(parsedate_to_datetime(ims).timestamp())
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
        return False

    def _bare(self, code: int, headers: dict[str, str] | None = None,
              length: bool = True) -> None:
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", "0")
        self.end_headers()

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        # Unknown methods, bad request lines: a status line, no page that names the server.
        self.close_connection = True
        self._bare(code, {"Connection": "close"})

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the default logs the request line, which holds the token

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("feed: %s answered %s", self.command, code)


def _csp() -> str:
    from syncd.page.style import CONTENT_SECURITY_POLICY

    return CONTENT_SECURITY_POLICY


def _accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return not params or float(q) > 0
            except ValueError:
                return True
    return False


class FeedServer:
    """The ``Companion`` that serves the feed; a port already taken is retried each cycle."""

    name = "feed"

    def __init__(self, settings: FeedSettings, state_dir: Path) -> None:
        self.settings = settings
        self.state_dir = state_dir
        self.httpd: _HttpServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int] | None:
        if self.httpd is None:
            return None
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def start(self, wake: Callable[[], None]) -> None:
        ensure_token(self.state_dir)
        self._bind()

    @property
    def client_faults(self) -> int:
        """Connections clients broke off since it was last said."""
        return self.httpd.faults if self.httpd is not None else 0

    def after_cycle(self, summary: dict[str, Any] | None) -> None:
        if self.httpd is None:
            self._bind()
        self._say_faults()

    def _say_faults(self) -> None:
        httpd = self.httpd
        if httpd is None or not httpd.faults:
            return
        with httpd.faults_lock:
            count, httpd.faults = httpd.faults, 0
        log.info("feed: %d client connection(s) left before their answer was sent (reset or "
                 "closed early); nothing to do unless it keeps growing", count)

    def _bind(self) -> None:
        s = self.settings
        _HttpServer.address_family = socket.AF_INET6 if ":" in s.host else socket.AF_INET
        try:
            httpd = _HttpServer((s.host, s.port), FeedHandler)
        except OSError as exc:
            log.error("feed: cannot listen on %s:%s (%s); check feed.listen, retrying after "
                      "the next cycle", s.host, s.port, exc.strerror)
            return
        httpd.files = FeedFiles(self.state_dir)
        httpd.refresh_s = s.refresh_minutes * 60
        self.httpd = httpd
        self.thread = threading.Thread(target=httpd.serve_forever, name="feed-server",
                                       kwargs={"poll_interval": 0.5}, daemon=True)
        self.thread.start()
        log.info("feed: serving on %s:%s (the URL with its token: `syncd status`)",
                 *self.address or (s.host, s.port))

    def stop(self) -> None:
        self._say_faults()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.thread is not None:
            self.thread.join(5)
            self.thread = None
