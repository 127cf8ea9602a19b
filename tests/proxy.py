"""A tiny HTTP proxy on 127.0.0.1 that forwards to one upstream and counts what crosses it.

Used by the benchmarks to measure requests and bytes per cycle exactly as a server sees them,
by the daemon tests to slow a server down (``delay``) so a signal lands mid-cycle, and by the
CalDAV quirk tests to replay what another server answers (``intercept``) in front of a real
one; ``date_offset`` shifts the server's ``Date`` header, a server whose clock is wrong.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (method, path, headers, body) -> None to forward, or (status, headers, body) to answer
Intercept = Callable[[str, str, dict[str, str], bytes],
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


def start_proxy(upstream_port: int, delay: float = 0.0, intercept: Intercept | None = None,
                date_offset: float = 0.0) -> tuple[ThreadingHTTPServer, Counter]:
    counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            if delay:
                time.sleep(delay)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
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
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                answered = resp.status
                if date_offset:
                    self.send_response_only(resp.status, resp.reason)
                    self.send_header("Date", formatdate(time.time() + date_offset, usegmt=True))
                else:
                    self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
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
