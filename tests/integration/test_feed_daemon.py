"""Subscribe to the feed of `syncd run` running as a real process, as a calendar app would.

The URL comes from `syncd status`, the bodies over real HTTP; polls across many cycles of an
unchanged plan get 304, `syncd feed rotate-token` retires the old URL while the daemon runs,
and SIGTERM releases the port.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.icscheck import read_both
from tests.integration.servers import free_port
from tests.integration.test_daemon import wait_until

pytestmark = pytest.mark.integration


class FeedDaemon:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.state = root / "state"
        self.config = root / "config.toml"
        self.ics = root / "strength.ics"
        self.log = root / "daemon.log"
        self.config.write_text(f"""
[athlete]
timezone = "Europe/Berlin"
[sources]
demo = true
[ics]
path = "{self.ics}"
[feed]
listen = "127.0.0.1:{self.port}"
refresh_minutes = 15
[daemon]
interval_minutes = 0.0167
""")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
        self.env["HOME"] = str(root)
        self.proc: subprocess.Popen[bytes] | None = None

    def syncd(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "syncd", "--config", str(self.config),
                               "--state-dir", str(self.state), *args], capture_output=True,
                              text=True, timeout=60, env=self.env, stdin=subprocess.DEVNULL)

    def start(self) -> None:
        self.logfile = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "syncd", "-v", "--config", str(self.config), "--state-dir",
             str(self.state), "run"], stdout=self.logfile, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=self.env)

    def last_cycle(self) -> str | None:
        db = sqlite3.connect(f"file:{self.state / 'state.sqlite3'}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT last_run FROM components WHERE name='cycle'").fetchone()
        finally:
            db.close()
        return None if row is None else str(row[0])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None:
            self.logfile.close()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", parts.path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[FeedDaemon]:
    d = FeedDaemon(tmp_path)
    yield d
    d.stop()


def feed_url(d: FeedDaemon) -> str:
    out = d.syncd("status").stdout
    m = re.search(r"^feed: (http://\S+/strength\.ics)$", out, re.M)
    assert m, out
    return m.group(1)


def test_a_calendar_app_subscribes_over_http(daemon: FeedDaemon):
    daemon.start()
    assert wait_until(lambda: (daemon.state / "feed_token").exists(), 20), daemon.log.read_text()
    url = feed_url(daemon)
    assert url.startswith(f"http://127.0.0.1:{daemon.port}/")
    assert wait_until(lambda: get(url)[0] == 200, 30), daemon.log.read_text()
    status, headers, body = get(url)
    feed_events = read_both(body)
    assert feed_events, "the demo plan has sessions"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT15M" in body
    assert wait_until(lambda: daemon.ics.exists(), 10)
    file_events = read_both(daemon.ics.read_bytes())
    assert [(e.uid, e.start, e.end) for e in feed_events] == [
        (e.uid, e.start, e.end) for e in file_events], "the file and the feed show one plan"
    _, _, busy = get(url.replace("strength.ics", "busy.ics"))
    assert {e.summary for e in read_both(busy)} == {"Busy"}

    # Several cycles of an unchanged plan: a poller keeps getting 304 and no body.
    seen = {daemon.last_cycle()}

    def three_more_cycles() -> bool:
        seen.add(daemon.last_cycle())
        return len(seen) >= 4

    assert wait_until(three_more_cycles, 30, step=0.3), daemon.log.read_text()[-2000:]
    status, h304, empty = get(url, {"If-None-Match": headers["etag"]})
    assert (status, empty) == (304, b""), daemon.log.read_text()[-2000:]
    assert h304["etag"] == headers["etag"]

    wrong = url.replace(urlsplit(url).path.split("/")[1], "not-the-token")
    assert get(wrong)[:3:2] == (404, b"")

    rotated = daemon.syncd("feed", "rotate-token")
    assert rotated.returncode == 0, rotated.stderr
    new_url = re.search(r"(http://\S+/strength\.ics)", rotated.stdout)
    assert new_url and new_url.group(1) != url
    assert get(url)[0] == 404, "the old URL stops working while the daemon runs"
    assert get(new_url.group(1))[0] == 200
    assert feed_url(daemon) == new_url.group(1)

    assert daemon.proc is not None
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(15) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", daemon.port), timeout=2).close()
