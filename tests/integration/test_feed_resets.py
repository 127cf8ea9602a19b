"""Clients that send a request and reset the connection: no traceback, one summary line
(issue 20). The server runs in this process on an ephemeral port, the body from a real plan."""

from __future__ import annotations

import logging
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.state import State
from tests.integration.test_feed_server import Feed

pytestmark = pytest.mark.integration


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[Feed]:
    State(tmp_path / "state").close()
    f = Feed(tmp_path / "state")
    yield f
    f.server.stop()


def send_and_reset(port: int, path: str) -> None:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    s.close()  # linger 0: an RST, with the answer still on its way


def test_resetting_clients_log_no_traceback_and_are_said_once(
        feed: Feed, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture):
    feed.write()
    caplog.set_level(logging.DEBUG)
    paths = [f"/{feed.token}/strength.ics", "/wrong-token/strength.ics"] * 10
    for path in paths:
        send_and_reset(feed.port, path)
    deadline, seen, still = time.monotonic() + 10, -1, 0
    while still < 10 and time.monotonic() < deadline:  # until the count rests for 0.5 s
        time.sleep(0.05)
        still = still + 1 if feed.server.client_faults == seen else 0
        seen = feed.server.client_faults
    assert feed.get()[0] == 200, "the server still answers"
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err + caplog.text
    assert "Exception occurred during processing" not in err
    faults = feed.server.client_faults
    print(f"{faults} of {len(paths)} resets met the answer being written")
    assert faults >= 1, "at least some resets hit the answer being written"
    feed.server.after_cycle(None)
    said = [r for r in caplog.records if "left before their answer" in r.getMessage()]
    assert len(said) == 1 and f"{faults} " in said[0].getMessage()
    feed.server.after_cycle(None)  # nothing new: nothing said
    assert len([r for r in caplog.records if "left before" in r.getMessage()]) == 1
    assert all(r.levelno < logging.ERROR for r in caplog.records)
