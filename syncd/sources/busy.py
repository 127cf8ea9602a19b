"""Busy time from the user's other calendars (R10): sessions never overlap these events.

Events marked free (TRANSP:TRANSPARENT) do not block; an all-day event blocks its days.
syncd's own sessions are left out, in case the strength calendar is listed too.
"""

from __future__ import annotations

from typing import Any

from syncd.caldav_conn import connect, event_texts, find_calendar, guarded
from syncd.config.loader import CalDavSettings
from syncd.model import BusyInterval
from syncd.planner.uids import is_syncd_uid
from syncd.sources.base import FetchWindow, Observations
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
        for name in self.settings.busy_calendars:
            with guarded(self.settings, f"reading busy calendar '{name}'"):
                texts += event_texts(self._client, self._url(name), window.now, window.end)
        events = events_in_window(texts, window.now, window.end, window.tz)
        return Observations(busy=busy_from_events(events))
