"""A busy calendar kept in the state and brought up to date by its sync token.

Reading a busy calendar whole on every cycle (a calendar-query of the window) cost 52.7 kB
per quiet cycle with 50 events and 210 kB with 200 (issue 19). Here each calendar is read
the way the Strength calendar is (``syncd.sinks.caldav_store``): one sync-collection REPORT
says what changed since the last token, and only changed events are fetched, in
calendar-multiget batches. A quiet cycle is one small request per calendar, whatever its
size. The store's fallbacks apply as they are: a server without sync-collection gets an ETag
listing (one PROPFIND, and only changed ETags are fetched), a rejected token one full resync.

The cache lives in the state's key/value table: scope ``busy:<calendar url>``, one key per
event href holding ``[etag, text]``, and ``busy_sync`` holding the token and listing kind.
It is bounded: an event over ``MAX_EVENT_BYTES`` is skipped with a warning, and only events
that can still touch a window keep their text (a single event that ended over ``KEEP_PAST``
ago keeps its ETag only, so a change to it is still seen). A calendar over ``MAX_EVENTS``
events or ``MAX_TEXT_BYTES`` of text is not cached: it is read by a window query, as before,
with a warning that says so, and tried again a day later.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Protocol

from syncd.sinks.caldav_store import Poll
from syncd.state import State

log = logging.getLogger(__name__)
MAX_EVENTS = 20_000  # hrefs kept for one calendar
MAX_TEXT_BYTES = 32 * 2**20  # event text kept for one calendar
MAX_EVENT_BYTES = 2**20  # one event's text
KEEP_PAST = timedelta(days=35)  # a single event that ended longer ago keeps its ETag only
BATCH = 200  # hrefs per calendar-multiget
SYNC_SCOPE = "busy_sync"
RECHECK = timedelta(days=1)  # how long a calendar over the bounds is read by window

RECURS = re.compile(r"^(?:RRULE|RDATE|RECURRENCE-ID)[;:]", re.M)
LAST_DAY = re.compile(r"^(?:DTEND|DTSTART|DUE)[^\r\n:]*:(\d{8})", re.M)


class Store(Protocol):
    """What is used of ``syncd.sinks.caldav_store.CalDavStore``."""

    listing: str
    requests: int

    def poll(self, token: str | None) -> Poll: ...

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str, str]]: ...


class TooLarge(Exception):
    """The calendar is over the cache's bounds: read it by window instead."""


def still_relevant(text: str, now: datetime) -> bool:
    """Whether an event can still touch a window starting near ``now``: a repeating one
    always; a single one unless all its dates are over ``KEEP_PAST`` old."""
    if RECURS.search(text):
        return True
    days = LAST_DAY.findall(text)
    if not days:
        return True
    return max(days) >= (now.astimezone(UTC) - KEEP_PAST).strftime("%Y%m%d")


class BusyCache:
    """One busy calendar's events, as (etag, text or None) by href, in the state."""

    def __init__(self, state: State, url: str) -> None:
        self.state = state
        self.url = url
        self.scope = f"busy:{url}"

    def meta(self) -> dict[str, str | None]:
        raw = self.state.get(SYNC_SCOPE, self.url)
        try:
            got = json.loads(raw) if raw else {}
        except ValueError:
            got = {}
        return got if isinstance(got, dict) else {}

    def items(self) -> dict[str, tuple[str, str | None]]:
        out: dict[str, tuple[str, str | None]] = {}
        for key, value in self.state.db.execute("SELECT key, value FROM kv WHERE scope=?",
                                                (self.scope,)):
            try:
                etag, text = json.loads(value)
            except (TypeError, ValueError):
                continue  # a damaged entry: the next full sync brings it back
            out[key] = (str(etag), text if isinstance(text, str) else None)
        return out

    def texts(self) -> list[str]:
        return [text for _, text in self.items().values() if text is not None]

    def refresh(self, store: Store, now: datetime, warnings: list[str]) -> list[str]:
        """Bring the cache up to date with one poll (and a fetch of what changed); the
        texts of the events that can still touch a window. Raises ``TooLarge``."""
        meta = self.meta()
        if meta.get("listing") in ("sync", "etags"):
            store.listing = str(meta["listing"])
        known = self.items()
        poll = store.poll(meta.get("token"))
        if len(poll.changed) > MAX_EVENTS:
            self.give_up(now)
            raise TooLarge(f"more than {MAX_EVENTS} events")
        deleted = set(poll.deleted)
        if poll.complete:
            deleted |= set(known) - set(poll.changed)
        wanted = [h for h, etag in poll.changed.items()
                  if h not in known or known[h][0] != etag]
        fetched: dict[str, tuple[str, str | None]] = {}
        for i in range(0, len(wanted), BATCH):
            for href, (etag, text) in store.fetch(wanted[i:i + BATCH]).items():
                if len(text.encode()) > MAX_EVENT_BYTES:
                    warnings.append(f"skipped an event of over {MAX_EVENT_BYTES // 2**20} MiB "
                                    f"in busy calendar {self.url}")
                    fetched[href] = (etag, None)
                    continue
                fetched[href] = (etag, text if still_relevant(text, now) else None)
        # An href listed as changed that the fetch did not bring (deleted in between, or the
        # server could not send it) is left out this once, and the token is not kept: the
        # next poll is a full listing, which settles it either way.
        missing = set(wanted) - set(fetched)
        token = None if missing else poll.token
        merged = {h: v for h, v in known.items() if h not in deleted and h not in missing}
        merged.update(fetched)
        # Past single events keep only their ETag, so the cache does not grow with history.
        aged = {h: (etag, None) for h, (etag, text) in merged.items()
                if text is not None and h not in fetched and not still_relevant(text, now)}
        merged.update(aged)
        size = sum(len(t) for _, t in merged.values() if t is not None)
        if len(merged) > MAX_EVENTS or size > MAX_TEXT_BYTES:
            self.give_up(now)
            raise TooLarge(f"{len(merged)} events, {size // 2**20} MiB of text")
        with self.state.transaction():
            for href in (deleted | missing) & set(known):
                self.state.db.execute("DELETE FROM kv WHERE scope=? AND key=?",
                                      (self.scope, href))
            for href, value in {**fetched, **aged}.items():
                self.state.put(self.scope, href, json.dumps(list(value)))
            self.state.put(SYNC_SCOPE, self.url, json.dumps(
                {"token": token, "listing": store.listing}))
        if poll.reset:
            log.info("busy calendar %s: the server rejected the sync token; resynced", self.url)
        return [t for _, t in merged.values() if t is not None]

    def too_large(self, now: datetime) -> bool:
        """Whether the calendar was found over the bounds less than ``RECHECK`` ago."""
        since = self.meta().get("too_large")
        try:
            return since is not None and now - datetime.fromisoformat(since) < RECHECK
        except (TypeError, ValueError):
            return False

    def give_up(self, now: datetime) -> None:
        """Drop the cache and remember why, so the next cycles go straight to the window."""
        with self.state.transaction():
            self.state.db.execute("DELETE FROM kv WHERE scope=?", (self.scope,))
            self.state.put(SYNC_SCOPE, self.url, json.dumps({"too_large": now.isoformat()}))
