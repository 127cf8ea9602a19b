"""The page (issue #26): how long it takes to render, how big it is, what a poll costs.

Run: python bench/bench_page.py
The demo's plan and a season with an A race 14 weeks out, each rendered 50 times in this
process (the cycle's cost per write), then served by the real FeedServer on 127.0.0.1: the
first fetch plain and gzip, and polls with If-None-Match (304, no body) on fresh
connections. A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncd.config.loader import parse_config
from syncd.cycle import make_plan
from syncd.feed.files import PAGE, feed_dir, read_token, write_private
from syncd.feed.server import FeedServer
from syncd.sinks.page import page_bytes
from syncd.state import State

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
RENDERS = 50
POLLS = 300
CONFIGS = {
    "demo": "[sources]\ndemo = true\n",
    "A race in 14 weeks": """[athlete]
timezone = "Europe/Berlin"
[[races]]
date = 2027-03-14
name = "City Marathon"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
[[plan.week]]
day = "sun"
kind = "long"
time = "08:00"
duration_min = 110
""",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw(port: int, path: str, etag: str | None = None) -> tuple[int, int, str | None]:
    head = f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n"
    if etag:
        head += f"If-None-Match: {etag}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall((head + "\r\n").encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    tag = next((line.split(b":", 1)[1].strip().decode() for line in data.split(b"\r\n")
                if line.lower().startswith(b"etag:")), None)
    return status, len(data), tag


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="syncd-bench-page-"))
    try:
        for name, text in CONFIGS.items():
            config = parse_config(text, "c.toml", base_dir=root, env={})
            state = State(root / name.replace(" ", "-"), scratch=True)
            result = make_plan(config, state, NOW)
            assert result.inputs is not None
            times = []
            for _ in range(RENDERS):
                t0 = time.perf_counter()
                data = page_bytes(config, state, result.inputs, result.plan, result.warnings,
                                  None)
                times.append(time.perf_counter() - t0)
            print(f"{name}: render median {statistics.median(times) * 1000:.1f} ms, "
                  f"page {len(data) / 1024:.1f} KiB, gzip {len(gzip.compress(data)) / 1024:.1f} "
                  f"KiB")
            state.close()
        served = root / "served"
        served.mkdir()
        write_private(feed_dir(served) / PAGE, data)
        feed = parse_config('[feed]\nlisten = "127.0.0.1:8787"\n', "c.toml", base_dir=root,
                            env={}).feed
        assert feed is not None
        server = FeedServer(replace(feed, port=free_port()), served)
        server.start(lambda: None)
        assert server.address is not None
        port = server.address[1]
        path = f"/{read_token(served)}/"
        status, first, tag = raw(port, path)
        print(f"first fetch (gzip): {status}, {first} bytes on the wire")
        polls, sizes = [], set()
        for _ in range(POLLS):
            t0 = time.perf_counter()
            status, size, _ = raw(port, path, tag)
            polls.append(time.perf_counter() - t0)
            sizes.add((status, size))
        print(f"poll with nothing new: {sorted(sizes)} (status, bytes), median "
              f"{statistics.median(polls) * 1000:.2f} ms over {POLLS} fresh connections")
        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
