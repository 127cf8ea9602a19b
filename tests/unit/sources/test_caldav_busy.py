"""The busy-calendar cache's bounds and bookkeeping (the traffic itself is tested against
real servers in tests/integration/test_busy_sync.py). The store here is a scripted stand-in
for CalDavStore's poll/fetch, so each bound can be reached with a few events."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from syncd.sinks.caldav_store import Poll
from syncd.sources import caldav_busy
from syncd.sources.caldav_busy import SYNC_SCOPE, BusyCache, TooLarge, still_relevant
from syncd.state import State
from tests.helpers import MONDAY

URL = "http://dav.example/cal/work/"


def text(uid: str, day: str, rule: str = "", pad: int = 0) -> str:
    return (f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{day}T100000Z\r\n"
            f"DTEND:{day}T110000Z\r\n{rule}SUMMARY:x{'y' * pad}\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")


class Scripted:
    """Answers poll with the calendar's current hrefs (a complete listing, as the ETag
    fallback does) and fetch from it; counts what was fetched."""

    def __init__(self, events: dict[str, tuple[str, str]]) -> None:
        self.events = events
        self.listing = "etags"
        self.requests = 0
        self.fetched: list[str] = []

    def poll(self, token: str | None) -> Poll:
        self.requests += 1
        return Poll(changed={h: e for h, (e, _) in self.events.items()}, complete=True)

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str, str]]:
        self.requests += 1
        self.fetched += hrefs
        return {h: self.events[h] for h in hrefs if h in self.events}


@pytest.fixture
def state(tmp_path: Path):
    s = State(tmp_path / "state")
    yield s
    s.close()


def test_still_relevant() -> None:
    assert still_relevant(text("a", "20261120"), MONDAY)
    assert not still_relevant(text("a", "20260101"), MONDAY)
    assert still_relevant(text("a", "20200101", rule="RRULE:FREQ=YEARLY\r\n"), MONDAY)
    assert still_relevant("BEGIN:VEVENT\r\nUID:no-dates\r\nEND:VEVENT\r\n", MONDAY)


def test_only_changed_etags_are_fetched_and_deletions_drop(state: State) -> None:
    store = Scripted({"/a.ics": ('"1"', text("a", "20261124")),
                      "/b.ics": ('"1"', text("b", "20261125"))})
    cache = BusyCache(state, URL)
    assert len(cache.refresh(store, MONDAY, [])) == 2
    store.fetched.clear()
    store.events["/b.ics"] = ('"2"', text("b", "20261126"))
    del store.events["/a.ics"]
    texts = cache.refresh(store, MONDAY, [])
    assert store.fetched == ["/b.ics"]
    assert texts == [text("b", "20261126")]
    assert set(cache.items()) == {"/b.ics"}


def test_history_keeps_its_etag_but_not_its_text(state: State) -> None:
    store = Scripted({"/old.ics": ('"1"', text("old", "20250101")),
                      "/now.ics": ('"1"', text("now", "20261124"))})
    cache = BusyCache(state, URL)
    assert cache.refresh(store, MONDAY, []) == [text("now", "20261124")]
    assert cache.items()["/old.ics"] == ('"1"', None)
    store.fetched.clear()
    # Weeks later the current event has aged too: its text goes, nothing is refetched.
    assert cache.refresh(store, MONDAY + timedelta(days=90), []) == []
    assert store.fetched == []
    assert cache.items()["/now.ics"] == ('"1"', None)


def test_an_oversized_event_is_skipped_once_with_a_warning(state: State, monkeypatch) -> None:
    monkeypatch.setattr(caldav_busy, "MAX_EVENT_BYTES", 1000)
    store = Scripted({"/big.ics": ('"1"', text("big", "20261124", pad=2000))})
    warnings: list[str] = []
    cache = BusyCache(state, URL)
    assert cache.refresh(store, MONDAY, warnings) == []
    assert len(warnings) == 1 and "skipped an event" in warnings[0]
    store.fetched.clear()
    cache.refresh(store, MONDAY, warnings)
    assert store.fetched == [], "its ETag is kept, so it is not fetched every cycle"


def test_a_calendar_over_the_bounds_is_not_cached(state: State, monkeypatch) -> None:
    monkeypatch.setattr(caldav_busy, "MAX_EVENTS", 3)
    store = Scripted({f"/{i}.ics": ('"1"', text(str(i), "20261124")) for i in range(4)})
    cache = BusyCache(state, URL)
    with pytest.raises(TooLarge):
        cache.refresh(store, MONDAY, [])
    assert cache.items() == {}
    assert cache.too_large(MONDAY + timedelta(hours=23))
    assert not cache.too_large(MONDAY + timedelta(days=1, minutes=1))
    monkeypatch.setattr(caldav_busy, "MAX_TEXT_BYTES", 300)
    monkeypatch.setattr(caldav_busy, "MAX_EVENTS", 100)
    with pytest.raises(TooLarge):
        cache.refresh(store, MONDAY + timedelta(days=2), [])
    assert cache.items() == {}


def test_damaged_entries_are_refetched(state: State) -> None:
    store = Scripted({"/a.ics": ('"1"', text("a", "20261124"))})
    cache = BusyCache(state, URL)
    cache.refresh(store, MONDAY, [])
    state.put(cache.scope, "/a.ics", "not json")
    state.put(SYNC_SCOPE, URL, "[1, 2")
    store.fetched.clear()
    assert cache.refresh(store, MONDAY, []) == [text("a", "20261124")]
    assert store.fetched == ["/a.ics"]


def test_an_event_the_fetch_did_not_bring_is_asked_for_again(state: State) -> None:
    store = Scripted({"/a.ics": ('"1"', text("a", "20261124")),
                      "/b.ics": ('"1"', text("b", "20261125"))})
    served = store.fetch

    def flaky(hrefs: list[str]) -> dict[str, tuple[str, str]]:
        got = served(hrefs)
        got.pop("/b.ics", None)  # listed, then not sent
        return got

    store.fetch = flaky  # type: ignore[method-assign]
    cache = BusyCache(state, URL)
    assert cache.refresh(store, MONDAY, []) == [text("a", "20261124")]
    assert cache.meta()["token"] is None, "no token kept: the next poll lists everything"
    store.fetch = served  # type: ignore[method-assign]
    store.fetched.clear()
    assert len(cache.refresh(store, MONDAY, [])) == 2
    assert store.fetched == ["/b.ics"]
