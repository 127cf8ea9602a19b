"""Test doubles for syncd's own seams: an in-memory calendar store and a crashing wrapper.

``MemoryStore`` behaves like a CalDAV collection with the stricter of the real servers'
habits: sync tokens are snapshots diffed on request (as Xandikos does), so an event created
and deleted since a token is not mentioned at all; writes are conditional and answer 412 or
404 like a server. ``Crashing`` wraps any store and raises ``Crash`` (a BaseException, like
a kill -9 that no handler sees) before or after a chosen call.
"""

from __future__ import annotations

import hashlib
from typing import Any

from syncd.sinks.caldav_store import Gone, Poll, PreconditionFailed


class Crash(BaseException):
    """The process dies here."""


class MemoryStore:
    def __init__(self) -> None:
        self.items: dict[str, tuple[str, str]] = {}
        self.snapshots: list[dict[str, str]] = [{}]
        self.requests = 0
        self.garbage: set[str] = set()

    def _snap(self) -> None:
        self.snapshots.append({h: e for h, (e, _) in self.items.items()})

    @staticmethod
    def _etag(text: str) -> str:
        return '"' + hashlib.sha1(text.encode()).hexdigest()[:16] + '"'

    def href_for(self, uid: str) -> str:
        return f"/cal/{uid}.ics"

    def poll(self, token: str | None) -> Poll:
        self.requests += 1
        now = {h: e for h, (e, _) in self.items.items()}
        self._snap()
        new_token = str(len(self.snapshots) - 1)
        if token is None or not token.isdigit() or int(token) >= len(self.snapshots):
            return Poll(changed=now, complete=True, token=new_token)
        old = self.snapshots[int(token)]
        changed = {h: e for h, e in now.items() if old.get(h) != e}
        deleted = {h for h in old if h not in now}
        return Poll(changed=changed, deleted=deleted, token=new_token)

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str, str]]:
        self.requests += 1
        return {h: self.items[h] for h in hrefs if h in self.items}

    def create(self, href: str, ics: str) -> str | None:
        self.requests += 1
        if href in self.items:
            raise PreconditionFailed("exists")
        self.items[href] = (self._etag(ics), ics)
        return self.items[href][0]

    def update(self, href: str, etag: str, ics: str) -> str | None:
        self.requests += 1
        if href not in self.items:
            raise Gone("gone")
        if self.items[href][0] != etag:
            raise PreconditionFailed("etag")
        self.items[href] = (self._etag(ics), ics)
        return self.items[href][0]

    def delete(self, href: str, etag: str) -> None:
        self.requests += 1
        if href not in self.items:
            raise Gone("gone")
        if self.items[href][0] != etag:
            raise PreconditionFailed("etag")
        del self.items[href]

    # what a user's calendar app does
    def user_put(self, href: str, ics: str) -> None:
        self.items[href] = (self._etag(ics), ics)

    def user_delete(self, href: str) -> None:
        self.items.pop(href, None)


class Crashing:
    """Delegates to ``inner`` and raises Crash around the chosen call."""

    def __init__(self, inner: Any, method: str, when: str, nth: int = 1) -> None:
        self.inner = inner
        self.method = method
        self.when = when  # "before" or "after"
        self.nth = nth
        self.calls = 0

    def href_for(self, uid: str) -> str:
        return str(self.inner.href_for(uid))

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name != self.method:
            return target

        def call(*args: Any) -> Any:
            self.calls += 1
            if self.calls == self.nth and self.when == "before":
                raise Crash(f"before {name}")
            result = target(*args)
            if self.calls == self.nth and self.when == "after":
                raise Crash(f"after {name}")
            return result

        return call
