"""A server that stops answering costs a timeout, never a hung cycle: CalDAV and ICS feeds.

The timeouts are shortened here so that the test is quick; a proxy holds each request for
longer than that. (Garmin's calls carry the garminconnect library's own 15-s timeout; the
soak stalls Garmin for 10 s.)
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from syncd.errors import TransientError
from tests.integration.caldav_helpers import NOW, make_sink, sessions, settings_for
from tests.proxy import Faults, start_proxy

pytestmark = pytest.mark.integration


def test_a_stalled_caldav_server_times_out_then_works(caldav_server, tmp_path, monkeypatch):
    s = settings_for(caldav_server)
    make_sink(s, tmp_path / "first").pull(NOW)  # the calendar exists
    faults = Faults()
    faults.stall_s = 3.0
    proxy, _ = start_proxy(caldav_server.port, faults=faults)
    via = replace(s, url=f"http://127.0.0.1:{proxy.server_address[1]}/")
    monkeypatch.setattr("syncd.caldav_conn.TIMEOUT", 0.5)
    sink = make_sink(via, tmp_path / "state")
    faults.set("stall")
    t0 = time.monotonic()
    with pytest.raises(TransientError) as info:
        sink.pull(NOW)
    assert time.monotonic() - t0 < 2.5
    assert "did not answer" in str(info.value)
    faults.set(None)
    time.sleep(3)  # let the held request finish in the proxy
    again = make_sink(via, tmp_path / "state")
    again.pull(NOW)
    assert again.push(sessions(2), NOW, dry_run=False).actions
    proxy.shutdown()


def test_a_stalled_feed_times_out(tmp_path, httpserver, monkeypatch):
    from syncd.sources.running_calendar import RunningCalendarSource
    from syncd.state import State
    from tests.unit.sources.test_running_calendar import WINDOW, settings

    def slow(request):
        time.sleep(2)
        from werkzeug import Response

        return Response("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    httpserver.expect_request("/plan.ics").respond_with_handler(slow)
    monkeypatch.setattr("syncd.sources.running_calendar.TIMEOUT", 0.5)
    src = RunningCalendarSource(settings(ics_path=None, ics_url=httpserver.url_for("/plan.ics")),
                                State(tmp_path))
    t0 = time.monotonic()
    with pytest.raises(TransientError) as info:
        src.fetch(WINDOW)
    assert time.monotonic() - t0 < 1.8 and "did not answer" in str(info.value)
