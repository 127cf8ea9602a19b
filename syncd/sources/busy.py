"""Busy time from the user's other calendars (R10): sessions never overlap these events.

Events marked free (TRANSP:TRANSPARENT) do not block; an all-day event blocks its days.
syncd's own sessions are left out, in case the strength calendar is listed too.

Each busy calendar is kept in the state and brought up to date by its sync token
(``syncd.sources.caldav_busy``): a quiet cycle costs one small request per calendar, where
reading the window whole cost 52.7 kB with 50 events (issue 19). Recurrences are expanded
from the cache for the window as before, and the cache also answers while the server fails.
"""

from __future__ import annotations

from typing import Any

from syncd.caldav_conn import connect, event_texts, find_calendar, guarded, server_label
from syncd.config.loader import CalDavSettings
from syncd.model import BusyInterval
from syncd.planner.uids import is_syncd_uid
from syncd.sinks.caldav_store import CalDavStore
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.caldav_busy import BusyCache, TooLarge
from syncd.sources.calendar_events import CalEvent, events_in_window
from syncd.state import State


def busy_from_events(events: list[CalEvent]) -> tuple[BusyInterval, ...]:
    return tuple(BusyInterval(e.start, e.end, e.title or "busy") for e in events
                 if not e.transparent and not is_syncd_uid(e.uid))


class CalDavBusySource:
    name = "busy"

    def __init__(self, settings: CalDavSettings, state: State) -> None:
        self.settings = settings
        self.state = state
        self._client: Any = None
        self.requests = 0  # requests sent through the sync path (for the bench)

    def _url(self, name: str) -> str:
        key = f"busy_url:{self.settings.url}#{name}"
        url = self.state.get("caldav", key)
        if url is None:
            url = find_calendar(self._client, self.settings, name, create=False)
            self.state.put("caldav", key, url)
        return url

    def fetch(self, window: FetchWindow) -> Observations:
        if self._client is None:
            self._client = connect(self.settings)
        texts: list[str] = []
        notes: list[str] = []
        for name in self.settings.busy_calendars:
            with guarded(self.settings, f"reading busy calendar '{name}'"):
                texts += self._read(name, self._url(name), window, notes)
        events = events_in_window(texts, window.now, window.end, window.tz)
        return Observations(busy=busy_from_events(events), notes=tuple(notes))

    def _read(self, name: str, url: str, window: FetchWindow, notes: list[str]) -> list[str]:
        cache = BusyCache(self.state, url)
        if not cache.too_large(window.now):
            store = CalDavStore(self._client, url, self.settings.username,
                                server_label(self.settings.url))
            try:
                return cache.refresh(store, window.now, notes)
            except TooLarge as exc:
                notes.append(f"busy calendar '{name}' is too large to keep in the state "
                             f"({exc}); it is read for the planning window on each cycle")
            finally:
                self.requests += store.requests
        return event_texts(self._client, url, window.now, window.end)

    def cached(self, window: FetchWindow) -> Observations:
        """The busy time the cache knows, without asking the server (used while it fails)."""
        texts: list[str] = []
        for name in self.settings.busy_calendars:
            url = self.state.get("caldav", f"busy_url:{self.settings.url}#{name}")
            if url is not None:
                texts += BusyCache(self.state, url).texts()
        events = events_in_window(texts, window.now, window.end, window.tz)
        return Observations(busy=busy_from_events(events))
