"""The live feed: bytes and time per poll, and what a poll with nothing new costs.

Run: python bench/bench_feed.py
The real FeedSink writes a 12-week plan; the real FeedServer serves it on 127.0.0.1 (in
this process, as in the daemon's parent). A subscriber's first fetch, plain and gzip, then
polls of the unchanged feed with If-None-Match: the target (issue #13) is 304 with no body.
Bytes are counted on the socket (status line, headers and body), time per poll over 500
polls on fresh connections (as calendar apps poll) and on one kept-alive connection.
A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncd.config.loader import FeedSettings
from syncd.feed.files import read_token
from syncd.feed.server import FeedServer
from syncd.planner import PlanInputs, plan
from syncd.sinks.feed import FeedSink
from syncd.state import State
from tests.helpers import MONDAY, athlete, example_week

POLLS = 500


def raw(port: int, request: bytes) -> tuple[int, int, int]:
    """(status, bytes received in all, body bytes) of one request on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), len(data), len(body)


def request(path: str, *headers: str, method: str = "GET") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "User-Agent: bench",
             *headers, "Connection: close", "", ""]
    return "\r\n".join(lines).encode()


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="syncd-bench-feed-"))
    settings = FeedSettings("127.0.0.1", 0, None, "Strength", "Busy", 60, 30)
    try:
        state = State(root / "state")
        now = MONDAY - timedelta(hours=6)
        p = plan(PlanInputs(athlete=athlete(core_per_week=2), horizon_days=84,
                            planned_runs=tuple(example_week(weeks=13))), now)
        FeedSink(settings, state, "Europe/Berlin").push(p.sessions, now, dry_run=False)
        state.close()
        server = FeedServer(settings, root / "state")
        server.start(lambda: None)
        assert server.address is not None
        port = server.address[1]
        path = f"/{read_token(root / 'state')}/strength.ics"

        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        etag = resp.getheader("ETag") or ""
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        resp.read()
        gz_etag = resp.getheader("ETag") or ""
        conn.close()

        print(f"feed: {len(p.sessions)} sessions over 12 weeks\n")
        print(f"{'poll':<42} {'status':>6} {'bytes in':>9} {'body':>7}   (request bytes)")
        cases = [
            ("first fetch", request(path)),
            ("first fetch, gzip", request(path, "Accept-Encoding: gzip")),
            ("HEAD", request(path, method="HEAD")),
            ("nothing new: If-None-Match", request(path, f"If-None-Match: {etag}")),
            ("nothing new, gzip: If-None-Match", request(path, "Accept-Encoding: gzip",
                                                         f"If-None-Match: {gz_etag}")),
            ("wrong token", request("/not-the-token/strength.ics")),
        ]
        for name, req in cases:
            status, got, body = raw(port, req)
            print(f"{name:<42} {status:>6} {got:>9} {body:>7}   ({len(req)})")

        poll = request(path, "Accept-Encoding: gzip", f"If-None-Match: {gz_etag}")
        times = []
        for _ in range(POLLS):
            t0 = time.perf_counter()
            status, _, body = raw(port, poll)
            times.append(time.perf_counter() - t0)
            assert status == 304 and body == 0
        conn = http.client.HTTPConnection("127.0.0.1", port)
        kept = []
        for _ in range(POLLS):
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"If-None-Match": etag})
            r = conn.getresponse()
            r.read()
            kept.append(time.perf_counter() - t0)
        conn.close()
        for name, ts in (("fresh connection", times), ("kept-alive connection", kept)):
            ts.sort()
            print(f"\n304 poll, {name}: median {statistics.median(ts) * 1000:.2f} ms, "
                  f"p95 {ts[int(len(ts) * 0.95)] * 1000:.2f} ms over {POLLS} polls")
        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
