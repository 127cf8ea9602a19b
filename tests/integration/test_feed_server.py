"""The feed server over real HTTP: what calendar apps and scanners see.

The server runs in this process (as in the daemon's parent) on an ephemeral port; the
bodies are written by the real FeedSink from a real plan.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.utils import formatdate
from pathlib import Path

import pytest

from syncd.config.loader import FeedSettings
from syncd.feed.files import new_token, read_token
from syncd.feed.server import FeedServer
from syncd.planner import PlanInputs, plan
from syncd.sinks.feed import FeedSink
from syncd.state import State
from tests.helpers import MONDAY, athlete, example_week
from tests.icscheck import read_both

pytestmark = pytest.mark.integration
NOW = MONDAY - timedelta(hours=6)


def feed_settings(port: int = 0) -> FeedSettings:
    return FeedSettings("127.0.0.1", port, None, "Strength", "Busy", 60, None)


def sessions():
    return list(plan(PlanInputs(athlete=athlete(), planned_runs=tuple(example_week())),
                     NOW).sessions)


class Feed:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.server = FeedServer(feed_settings(), state_dir)
        self.server.start(lambda: None)
        assert self.server.address is not None
        self.port = self.server.address[1]

    @property
    def token(self) -> str:
        token = read_token(self.state_dir)
        assert token
        return token

    def write(self, items=None, now=NOW) -> None:
        state = State(self.state_dir)
        try:
            FeedSink(feed_settings(), state, "Europe/Berlin").push(
                sessions() if items is None else items, now, dry_run=False)
        finally:
            state.close()

    def request(self, path: str, method: str = "GET",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def get(self, name: str = "strength.ics", **headers: str):
        return self.request(f"/{self.token}/{name}",
                            headers={k.replace("_", "-"): v for k, v in headers.items()})


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[Feed]:
    state = State(tmp_path / "state")
    state.close()
    f = Feed(tmp_path / "state")
    yield f
    f.server.stop()


def test_token_is_made_on_first_start_and_kept_private(feed: Feed):
    path = feed.state_dir / "feed_token"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(feed.token) >= 32
    token = feed.token
    feed.server.stop()
    again = FeedServer(feed_settings(), feed.state_dir)
    again.start(lambda: None)
    try:
        assert read_token(feed.state_dir) == token, "a restart keeps the subscribers' URL"
    finally:
        again.stop()


def test_before_the_first_cycle_a_subscriber_is_told_to_come_back(feed: Feed):
    status, headers, body = feed.get()
    assert (status, body) == (503, b"")
    assert headers["retry-after"] == "60"


def test_get_serves_the_calendar_with_validators(feed: Feed):
    feed.write()
    status, headers, body = feed.get()
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["etag"].startswith('"') and headers["etag"].endswith('"')
    assert int(headers["content-length"]) == len(body)
    mtime = (feed.state_dir / "feed" / "strength.ics").stat().st_mtime
    assert headers["last-modified"] == formatdate(int(mtime), usegmt=True)
    assert "private" in headers["cache-control"]
    assert {e.uid for e in read_both(body)} == {s.uid for s in sessions()}
    _, _, busy = feed.get("busy.ics")
    assert {e.summary for e in read_both(busy)} == {"Busy"}


def test_conditional_get_and_head_answer_without_a_body(feed: Feed):
    feed.write()
    _, headers, body = feed.get()
    status, h304, empty = feed.get(If_None_Match=headers["etag"])
    assert (status, empty) == (304, b"")
    assert h304["etag"] == headers["etag"]
    assert "content-type" not in h304
    status, _, empty = feed.get(If_None_Match=f'"other", W/{headers["etag"]}')
    assert (status, empty) == (304, b""), "a list and a weak tag match too"
    assert feed.get(If_None_Match='"stale"')[0] == 200
    status, _, empty = feed.get(If_Modified_Since=headers["last-modified"])
    assert (status, empty) == (304, b"")
    old = formatdate(0, usegmt=True)
    assert feed.get(If_Modified_Since=old)[0] == 200
    status, hhead, empty = feed.request(f"/{feed.token}/strength.ics", "HEAD")
    assert (status, empty) == (200, b"")
    assert hhead["etag"] == headers["etag"]
    assert int(hhead["content-length"]) == len(body)


def test_gzip_is_the_same_calendar_under_its_own_etag(feed: Feed):
    feed.write()
    _, plain_h, plain = feed.get()
    status, gz_h, packed = feed.get(Accept_Encoding="br, gzip;q=0.8")
    assert status == 200 and gz_h["content-encoding"] == "gzip"
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 3
    assert gz_h["etag"] != plain_h["etag"] and gz_h["vary"] == "Accept-Encoding"
    assert feed.get(Accept_Encoding="gzip", If_None_Match=gz_h["etag"])[0] == 304
    assert "content-encoding" not in feed.get(Accept_Encoding="gzip;q=0")[1]


def test_a_new_plan_is_a_new_etag(feed: Feed):
    feed.write()
    _, headers, body = feed.get()
    items = sessions()
    items[0] = replace(items[0], start=items[0].start + timedelta(hours=1),
                       end=items[0].end + timedelta(hours=1))
    feed.write(items, NOW + timedelta(hours=1))
    status, new_h, new_body = feed.get(If_None_Match=headers["etag"])
    assert status == 200 and new_h["etag"] != headers["etag"] and new_body != body


@pytest.mark.parametrize("path", ["/", "/strength.ics", "/WRONG/strength.ics",
                                  "/{token}x/strength.ics", "/{token}/other.ics",
                                  "/{token}", "/x/../{token}/../strength.ics"])
def test_anything_but_the_token_path_is_a_bare_404(feed: Feed, path: str):
    feed.write()
    status, headers, body = feed.request(path.format(token=feed.token))
    assert (status, body) == (404, b"")
    assert "etag" not in headers and "content-type" not in headers
    assert "python" not in str(headers).lower()


def test_other_methods_and_garbage_get_no_page(feed: Feed):
    feed.write()
    status, _, body = feed.request(f"/{feed.token}/strength.ics", "POST")
    assert status in (405, 501) and body == b""
    with socket.create_connection(("127.0.0.1", feed.port), timeout=5) as s:
        s.sendall(b"NONSENSE\r\n\r\n")
        reply = s.recv(4096)
    # http.server answers a request line it cannot read as HTTP/0.9: no status line at all.
    assert b"<" not in reply and reply.split(b"\r\n\r\n", 1)[-1] == b""
    status, _, body = feed.request(f"/{feed.token}/strength.ics", "BREW")
    assert status == 501 and body == b""


def test_a_reverse_proxy_prefix_is_allowed(feed: Feed):
    feed.write()
    status, _, body = feed.request(f"/syncd/{feed.token}/strength.ics?x=1")
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")


def test_rotating_the_token_retires_the_old_url_at_once(feed: Feed):
    feed.write()
    old = feed.token
    new = new_token(feed.state_dir)
    assert new != old
    assert feed.request(f"/{old}/strength.ics")[0] == 404
    assert feed.request(f"/{new}/strength.ics")[0] == 200


def test_the_token_never_reaches_the_log(feed: Feed, caplog: pytest.LogCaptureFixture):
    feed.write()
    with caplog.at_level(logging.DEBUG):
        feed.get()
        feed.request("/bad/strength.ics")
    assert any("answered" in r.getMessage() for r in caplog.records)
    assert feed.token not in caplog.text


def test_a_taken_port_is_retried_after_each_cycle(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture):
    State(tmp_path / "s").close()
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    server = FeedServer(feed_settings(port), tmp_path / "s")
    try:
        server.start(lambda: None)
        assert server.address is None
        assert "cannot listen" in caplog.text and "feed.listen" in caplog.text
        server.after_cycle(None)
        assert server.address is None
        blocker.close()  # the other program goes away: the next cycle binds
        server.after_cycle({"ok": True})
        assert server.address == ("127.0.0.1", port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", f"/{read_token(tmp_path / 's')}/strength.ics")
        assert conn.getresponse().status == 503
        conn.close()
    finally:
        server.stop()
        blocker.close()
    assert os.path.exists(tmp_path / "s" / "feed_token")
