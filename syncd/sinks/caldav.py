"""The CalDAV sink: sessions into a calendar on the user's server (Nextcloud, Radicale, ...).

Connection and discovery happen once: the calendar's URL is kept in the state, so a normal
cycle costs one sync REPORT when nothing changed. The sync logic and its safety rails are in
``syncd.sinks.sync``; this file only wires the server to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from syncd.caldav_conn import connect, find_calendar, server_label, uses_digest
from syncd.config.loader import CalDavSettings
from syncd.model import Session
from syncd.sinks.base import SinkReport
from syncd.sinks.caldav_store import CalDavStore, Gone
from syncd.sinks.sync import SyncEngine
from syncd.state import State


class CalDavSink:
    def __init__(self, settings: CalDavSettings, state: State, tz_name: str) -> None:
        self.name = "caldav"
        self.settings = settings
        self.state = state
        self.tz_name = tz_name
        self._engine: SyncEngine | None = None
        self._store: CalDavStore | None = None

    @property
    def requests(self) -> int:
        return self._store.requests if self._store else 0

    def _cache_key(self) -> str:
        return f"calendar_url:{self.settings.url}#{self.settings.name}"

    def _server_key(self) -> str:
        return f"server:{server_label(self.settings.url)}"

    def engine(self, rediscover: bool = False) -> SyncEngine:
        if self._engine is not None and not rediscover:
            return self._engine
        # What this server taught us earlier (Digest, no sync-collection) is remembered,
        # so a normal cycle pays no request to learn it again.
        known = self.state.get("caldav", self._server_key()) or ""
        client = connect(self.settings, digest="digest" in known)
        url = None if rediscover else self.state.get("caldav", self._cache_key())
        if url is None:
            url = find_calendar(client, self.settings, self.settings.name, create=True)
            self.state.put("caldav", self._cache_key(), url)
        self._store = CalDavStore(client, url, self.settings.username,
                                  server_label(self.settings.url),
                                  listing="etags" if "etags" in known else "sync")
        self._engine = SyncEngine(self.name, self._store, self.state, self.tz_name,
                                  self.settings.alarm_minutes)
        return self._engine

    def _remember(self) -> None:
        if self._store is None:
            return
        if self._store.url != self.state.get("caldav", self._cache_key()):
            # The calendar answered with a redirect (301, 308): its new URL from now on.
            self.state.put("caldav", self._cache_key(), self._store.url)
        learnt = " ".join(w for w, on in (("digest", uses_digest(self._store.client)),
                                         ("etags", self._store.listing == "etags")) if on)
        if learnt != (self.state.get("caldav", self._server_key()) or ""):
            self.state.put("caldav", self._server_key(), learnt or None)

    def pull(self, now: datetime) -> SinkReport:
        try:
            try:
                return self.engine().pull(now)
            except Gone:
                # The remembered calendar URL is gone: the user deleted the calendar (or
                # renamed it). Find it again or make it anew, and refill it.
                engine = self.engine(rediscover=True)
                engine.replaced = True
                return engine.pull(now)
        finally:
            self._remember()

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        try:
            return self.engine().push(sessions, now, dry_run, stop)
        finally:
            self._remember()
