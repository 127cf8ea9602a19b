"""The live feed's bodies: the plan as two calendars in the state dir, served by the daemon.

The cycle (a forked child) renders; the resident process (``syncd.feed.server``) only serves
bytes, so it never loads icalendar. Each file is replaced atomically and only when its bytes
change, so its mtime is the feed's Last-Modified and a subscriber polling an unchanged plan
gets 304. The busy-only copy keeps each event's time, DTSTAMP and SEQUENCE and drops all else:
a work calendar learns that the hour is taken, not that it is a squat session.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from icalendar import Event

from syncd.config.loader import FeedSettings
from syncd.feed.files import feed_dir, write_private
from syncd.sinks.ics import Bodies, PublishedCalendar, events_of, render
from syncd.state import State

BUSY = "Busy"


class FeedSink(PublishedCalendar):
    def __init__(self, settings: FeedSettings, state: State, tz_name: str) -> None:
        super().__init__("feed", state, tz_name, settings.alarm_minutes)
        self.settings = settings

    def outputs(self, bodies: Bodies) -> list[tuple[Path, bytes]]:
        events = events_of(bodies)
        refresh = timedelta(minutes=self.settings.refresh_minutes)
        folder = feed_dir(self.state.directory)
        busy = [busy_event(e) for e in events]
        return [(folder / "strength.ics", render(self.settings.name, self.tz_name, events,
                                                 refresh)),
                (folder / "busy.ics", render(self.settings.busy_name, self.tz_name, busy,
                                             refresh))]

    def write(self, path: Path, data: bytes) -> None:
        write_private(path, data)

    def published(self) -> Path:
        # The full copy: the busy-only one has lost what makes an event syncd's.
        return feed_dir(self.state.directory) / "strength.ics"


def busy_event(ev: Event) -> Event:
    """The event as "Busy": its time and identity only, a UID of its own so that both feeds
    can be subscribed in one account."""
    out = Event()
    out.add("UID", f"busy-{ev['UID']}")
    for prop in ("DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "LAST-MODIFIED"):
        if prop in ev:
            out[prop] = ev[prop]
    out.add("SUMMARY", BUSY)
    out.add("CLASS", "PRIVATE")
    out.add("TRANSP", "OPAQUE")
    return out
