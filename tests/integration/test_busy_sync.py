"""Busy calendars read by sync token, against real Radicale, Xandikos, Cyrus and SabreDAV
(issue 19).

The oracle is the old way of reading a busy calendar, a calendar-query of the window
(``caldav_conn.event_texts``), through the same expansion: the cached path must give the same
busy time on every cycle, while a quiet cycle costs one request (counted by a proxy in front
of the real server). SabreDAV here has no sync-collection, so it is read by ETag listing: one
PROPFIND per quiet cycle.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import caldav

from syncd.caldav_conn import connect, event_texts
from syncd.config.loader import CalDavSettings
from syncd.sources.base import FetchWindow
from syncd.sources.busy import CalDavBusySource, busy_from_events
from syncd.sources.caldav_busy import SYNC_SCOPE
from syncd.sources.calendar_events import events_in_window
from syncd.state import State
from tests.helpers import MONDAY, TZ
from tests.integration.caldav_helpers import settings_for
from tests.integration.servers import Server
from tests.proxy import start_proxy

NOW = MONDAY - timedelta(days=1)
WINDOW = FetchWindow(now=NOW, start=NOW - timedelta(days=42), end=NOW + timedelta(days=21),
                     tz=TZ)


def event(uid: str, day: int, hour: int, minutes: int = 60, rule: str = "",
          summary: str = "Meeting") -> str:
    start = NOW.replace(hour=hour, minute=0) + timedelta(days=day)
    end = start + timedelta(minutes=minutes)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//work//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}\r\n"
            f"{rule}SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


class Work:
    """The user's work calendar, written by their calendar app (a second client)."""

    def __init__(self, server: Server, settings: CalDavSettings, name: str) -> None:
        client = caldav.DAVClient(url=server.url, username=settings.username, password="pw",
                                  auth_type="basic", enable_rfc6764=False, require_tls=False)
        self.cal: Any = client.principal().make_calendar(name=name)
        self.url = str(self.cal.url)  # as syncd sees it: through the proxy (set by setup)

    def put(self, text: str) -> None:
        self.cal.save_event(text)

    def delete(self, uid: str) -> None:
        self.cal.event_by_uid(uid).delete()


def setup(server: Server, tmp_path: Any) -> tuple[CalDavSettings, Work, Any, State]:
    s = settings_for(server)
    name = f"Work {s.name}"
    work = Work(server, s, name)
    work.put(event("weekly@work", 1, 9, rule="RRULE:FREQ=WEEKLY;COUNT=10\r\n",
                   summary="Weekly planning"))
    for i in range(12):
        work.put(event(f"m{i}@work", i % 9, 10 + i % 6, summary=f"Meeting {i}"))
    work.put(event("old@work", -60, 10, summary="Long ago"))
    proxy, counter = start_proxy(server.port)
    url = s.url.replace(f":{server.port}/", f":{proxy.server_address[1]}/")
    work.url = work.url.replace(f":{server.port}/", f":{proxy.server_address[1]}/")
    settings = replace(s, url=url, busy_calendars=(name,))
    return settings, work, counter, State(tmp_path / "state")


def oracle(settings: CalDavSettings, url: str) -> list[tuple[Any, Any, str]]:
    texts = event_texts(connect(settings), url, WINDOW.now, WINDOW.end)
    return intervals(busy_from_events(events_in_window(texts, WINDOW.now, WINDOW.end, TZ)))


def intervals(busy: Any) -> list[tuple[Any, Any, str]]:
    return sorted((b.start, b.end, b.title) for b in busy)


def cycle(settings: CalDavSettings, state: State, counter: Any) -> tuple[list[Any], int]:
    counter.take()
    got = CalDavBusySource(settings, state).fetch(WINDOW)
    requests, _ = counter.take()
    return intervals(got.busy), requests


def check_cycles(settings: CalDavSettings, work: Work, counter: Any, state: State,
                 quiet_request: str) -> None:
    first, _ = cycle(settings, state, counter)
    assert first == oracle(settings, work.url)
    assert len(first) == 12 + 3  # the weekly series has 3 instances in the 3-week window
    counter.take()
    for _ in range(2):
        counter.take()
        again = CalDavBusySource(settings, state).fetch(WINDOW)
        seen = list(counter.seen)
        assert intervals(again.busy) == first
        assert len(seen) == 1 and seen[0].startswith(quiet_request), seen
    # Added, changed, deleted by the user: each seen by the very next cycle.
    work.put(event("new@work", 2, 7, summary="Breakfast with the board"))
    got, requests = cycle(settings, state, counter)
    assert ("Breakfast with the board" in [t for _, _, t in got])
    assert got == oracle(settings, work.url) and requests == 2
    work.put(event("m3@work", 5, 19, minutes=90, summary="Meeting 3 moved"))
    got, _ = cycle(settings, state, counter)
    assert "Meeting 3 moved" in [t for _, _, t in got] and "Meeting 3" not in [
        t for _, _, t in got]
    assert got == oracle(settings, work.url)
    work.delete("m4@work")
    got, requests = cycle(settings, state, counter)
    assert "Meeting 4" not in [t for _, _, t in got]
    assert got == oracle(settings, work.url)
    assert requests == 1  # a deletion needs no fetch
    # The repeating event's later instances come from the cache as the window moves on.
    later = FetchWindow(now=NOW + timedelta(days=14), start=NOW, end=NOW + timedelta(days=35),
                        tz=TZ)
    moved_on = CalDavBusySource(settings, state).fetch(later)
    assert sum(1 for b in moved_on.busy if b.title == "Weekly planning") == 3


def test_busy_calendar_by_sync_token(pip_caldav_server: Server, tmp_path: Any) -> None:
    settings, work, counter, state = setup(pip_caldav_server, tmp_path)
    check_cycles(settings, work, counter, state, "REPORT 207")
    meta = json.loads(state.get(SYNC_SCOPE, work.url) or "{}")
    assert meta["listing"] == "sync" and meta["token"]


def test_rejected_token_is_one_full_resync(pip_caldav_server: Server, tmp_path: Any) -> None:
    settings, work, counter, state = setup(pip_caldav_server, tmp_path)
    cycle(settings, state, counter)
    meta = json.loads(state.get(SYNC_SCOPE, work.url) or "{}")
    # A token the server never gave (expired, or from a calendar that was replaced), while
    # an event was deleted and another added behind syncd's back.
    bogus = meta["token"].rstrip("/0123456789abcdef") + "0000deadbeef"
    state.put(SYNC_SCOPE, work.url, json.dumps({**meta, "token": bogus}))
    work.delete("m1@work")
    work.put(event("late@work", 3, 20, summary="Late call"))
    counter.take()
    got = intervals(CalDavBusySource(settings, state).fetch(WINDOW).busy)
    seen = list(counter.seen)
    counter.take()
    assert got == oracle(settings, work.url)
    assert "Late call" in [t for _, _, t in got] and "Meeting 1" not in [t for _, _, t in got]
    # The rejected REPORT (403 or 412), then the full one and the fetch of what changed.
    assert seen[0].split()[:2] in (["REPORT", "403"], ["REPORT", "412"]), seen
    assert [s.split()[:2] for s in seen[1:]] == [["REPORT", "207"]] * 2, seen
    fresh = json.loads(state.get(SYNC_SCOPE, work.url) or "{}")
    assert fresh["token"] and fresh["token"] != bogus
    again, requests = cycle(settings, state, counter)
    assert again == got and requests == 1


def test_sabre_without_sync_collection_lists_etags(sabre_server: Server, tmp_path: Any
                                                   ) -> None:
    settings, work, counter, state = setup(sabre_server, tmp_path)
    check_cycles(settings, work, counter, state, "PROPFIND 207")
    meta = json.loads(state.get(SYNC_SCOPE, work.url) or "{}")
    assert meta["listing"] == "etags"


def test_the_cache_answers_while_the_server_is_down(pip_caldav_server: Server,
                                                    tmp_path: Any) -> None:
    settings, _, counter, state = setup(pip_caldav_server, tmp_path)
    first, _ = cycle(settings, state, counter)
    counter.take()
    assert intervals(CalDavBusySource(settings, state).cached(WINDOW).busy) == first
    assert counter.take() == (0, 0), "the cache is read without asking the server"


def test_a_calendar_too_large_to_cache_is_read_by_window(pip_caldav_server: Server,
                                                         tmp_path: Any, monkeypatch: Any
                                                         ) -> None:
    from syncd.sources import caldav_busy

    monkeypatch.setattr(caldav_busy, "MAX_EVENTS", 5)
    settings, work, counter, state = setup(pip_caldav_server, tmp_path)
    got = CalDavBusySource(settings, state).fetch(WINDOW)
    assert intervals(got.busy) == oracle(settings, work.url)
    assert any("too large to keep in the state" in n for n in got.notes)
    counter.take()
    again = CalDavBusySource(settings, state).fetch(WINDOW)
    assert intervals(again.busy) == intervals(got.busy)
    assert [s.split()[0] for s in counter.seen] == ["REPORT"], "straight to the window query"


def test_cyrus_busy_calendar_by_sync_token(cyrus_server: Server, tmp_path: Any) -> None:
    settings, work, counter, state = setup(cyrus_server, tmp_path)
    check_cycles(settings, work, counter, state, "REPORT 207")
