"""A tiny HTTP proxy on 127.0.0.1 that forwards to one upstream and counts what crosses it.

Used by the benchmarks to measure requests and bytes per cycle exactly as a server sees them,
by the daemon tests to slow a server down (``delay``) so a signal lands mid-cycle, by the
CalDAV quirk tests to replay what another server answers (``intercept``) in front of a real
one, and by the soak to inject faults (``Faults``): an HTTP status, a connection reset, a
stall. ``date_offset`` shifts the server's ``Date`` header, a server whose clock is wrong.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import struct
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (method, path, headers, body) -> None to forward, or (status, headers, body) to answer
Intercept = Callable[[str, str, dict[str, str], bytes],
                     tuple[int, dict[str, str], bytes] | None]
# (method, path, status, headers, body) of the upstream's answer -> None to pass it on, or
# (status, headers, body) to answer instead: a server that stored a write and then failed,
# a proxy that strips getetag or cuts a body in half.
Rewrite = Callable[[str, str, int, dict[str, str], bytes],
                   tuple[int, dict[str, str], bytes] | None]


class Counter:
    def __init__(self) -> None:
        self.requests = 0
        self.bytes = 0
        self.seen: list[str] = []  # "METHOD status bytes" of each request since take()
        self.lock = threading.Lock()

    def take(self) -> tuple[int, int]:
        with self.lock:
            out = (self.requests, self.bytes)
            self.requests = 0
            self.bytes = 0
            self.seen = []
            return out


class Faults:
    """What the proxy does to the next requests instead of forwarding them plainly.

    ``mode``: None (forward), "500", "401", "429" (with ``retry_after``), "reset" (close the
    connection without an answer) or "stall" (wait ``stall_s``, then forward); for ``left``
    requests, or until set again when ``left`` is None. ``hits`` counts the faults served."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mode: str | None = None
        self.left: int | None = None
        self.retry_after = 3
        self.stall_s = 10.0
        self.hits = 0

    def set(self, mode: str | None, left: int | None = None) -> None:
        with self.lock:
            self.mode, self.left = mode, left

    def take(self) -> str | None:
        with self.lock:
            if self.mode is None:
                return None
            mode = self.mode
            if self.left is not None:
                self.left -= 1
                if self.left <= 0:
                    self.mode = None
            self.hits += 1
            return mode


def start_proxy(upstream_port: int, delay: float = 0.0, faults: Faults | None = None,
                date_offset: float = 0.0, intercept: Intercept | None = None,
                rewrite: Rewrite | None = None) -> tuple[ThreadingHTTPServer, Counter]:
    counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def finish(self) -> None:
            with contextlib.suppress(OSError, ValueError):  # a connection a fault closed
                super().finish()

        def _fault(self, mode: str) -> bool:
            """Serve a fault; True when the request is done with."""
            if mode == "stall":
                time.sleep(faults.stall_s if faults else 10.0)
                return False
            if mode == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return True
            payload = f"injected {mode}".encode()
            self.send_response(int(mode))
            if mode == "429" and faults is not None:
                self.send_header("Retry-After", str(faults.retry_after))
            if mode == "401":
                self.send_header("WWW-Authenticate", 'Basic realm="soak"')
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return True

        def _forward(self) -> None:
            if delay:
                time.sleep(delay)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            mode = faults.take() if faults is not None else None
            if mode is not None and self._fault(mode):
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            canned = intercept(self.command, self.path, headers, body) if intercept else None
            if canned is not None:
                status, out_headers, data = canned
                answered = status
                self.send_response(status)
                for k, v in out_headers.items():
                    self.send_header(k, v)
            else:
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except OSError:  # the upstream is down: answer as a reverse proxy does
                    self._fault("502")
                    return
                finally:
                    conn.close()
                answered = resp.status
                changed = rewrite(self.command, self.path, resp.status, dict(resp.getheaders()),
                                  data) if rewrite else None
                if changed is not None:
                    answered, out_headers, data = changed
                    self.send_response(answered)
                    for k, v in out_headers.items():
                        if k.lower() not in ("transfer-encoding", "connection",
                                             "content-length"):
                            self.send_header(k, v)
                elif date_offset:
                    self.send_response_only(resp.status, resp.reason)
                    self.send_header("Date", formatdate(time.time() + date_offset, usegmt=True))
                else:
                    self.send_response(resp.status, resp.reason)
                for k, v in ([] if changed is not None else resp.getheaders()):
                    if k.lower() not in ("transfer-encoding", "connection", "content-length") \
                            and not (date_offset and k.lower() == "date"):
                        self.send_header(k, v)
            # Counted before the answer leaves: counted after, a client that read its answer
            # and moved on could find its last request in the next measurement (the extra
            # request issue 11 saw in "0 changes: 2 requests").
            head = len(self.requestline) + sum(len(k) + len(v) + 4 for k, v in headers.items())
            with counter.lock:
                counter.requests += 1
                counter.bytes += head + len(body) + len(data)
                counter.seen.append(f"{self.command} {answered} {head + len(body) + len(data)}")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _forward
        do_MKCALENDAR = do_PROPPATCH = do_POST = do_HEAD = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counter
