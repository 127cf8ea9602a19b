"""Helpers for CalDAV tests: settings for a fresh calendar, and 'the user' as a second client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import caldav
from icalendar import Calendar, Event

from syncd.config.loader import CalDavSettings, Secret
from syncd.model import Session, SessionKind
from syncd.sinks.caldav import CalDavSink
from syncd.state import State
from tests.helpers import MONDAY, TZ
from tests.integration.servers import Server

NOW = MONDAY - timedelta(days=1)  # Sunday: every session below is in the future
# An event's UID is its session's plus this installation's tag (and, for a UID refused or
# a calendar replaced, more random parts); tests name events by their session.
_EVENT_PART = re.compile(r"-[0-9a-f]{8}(-r\d+)?(-[0-9a-f]{6})?(?=@syncd$)")


def session_uid(event_uid: str) -> str:
    return _EVENT_PART.sub("", event_uid)


def settings_for(server: Server, user: str | None = None, name: str | None = None,
                 password: str = "pw") -> CalDavSettings:
    fresh_user, fresh_name = server.fresh()
    return CalDavSettings(url=server.url, username=user or fresh_user,
                          password=Secret(password, "test"), name=name or fresh_name,
                          calendar_url=None, busy_calendars=(), alarm_minutes=None)


def sessions(n: int = 4, shift_min: int = 0) -> list[Session]:
    out = []
    for i in range(n):
        start = MONDAY.replace(hour=18) + timedelta(days=i + 1, minutes=shift_min)
        kind = SessionKind.HEAVY if i % 2 == 0 else SessionKind.CORE
        minutes = 45 if kind is SessionKind.HEAVY else 20
        out.append(Session(uid=f"syncd-2026112{i}-1@syncd", kind=kind, start=start,
                           end=start + timedelta(minutes=minutes),
                           title=f"{'Heavy strength' if i % 2 == 0 else 'Core'} · {minutes} min",
                           warmup="Warm-up.", rules=("R3",), explanation=f"because {i}"))
    return out


@dataclass
class User:
    """The athlete's own calendar app: a separate CalDAV client on the same calendar."""

    server: Server
    settings: CalDavSettings

    def calendar(self) -> Any:
        client = caldav.DAVClient(url=self.server.url, username=self.settings.username,
                                  password="pw", auth_type="basic", enable_rfc6764=False,
                                  require_tls=False)
        principal = client.principal()
        return principal.calendar(name=self.settings.name)

    def events(self) -> dict[str, Any]:
        """Events by session UID (their own UID for others' events); no UID twice."""
        out: dict[str, Any] = {}
        for o in self.calendar().events():
            uid = session_uid(str(o.icalendar_component["UID"]))
            assert uid not in out, f"two events of {uid}"
            out[uid] = o
        return out

    def raw(self) -> dict[str, tuple[str, str]]:
        """uid -> (etag-ish data hash, data) for every event, to prove nothing else changed."""
        return {uid: (o.url.path, o.data) for uid, o in self.events().items()}

    def move(self, uid: str, minutes: int) -> None:
        obj = self.events()[uid]
        ev = obj.icalendar_component
        for key in ("DTSTART", "DTEND"):
            value = ev.decoded(key) + timedelta(minutes=minutes)
            del ev[key]
            ev.add(key, value)
        obj.save()

    def retitle(self, uid: str, summary: str) -> None:
        obj = self.events()[uid]
        obj.icalendar_component["SUMMARY"] = summary
        obj.save()

    def delete(self, uid: str) -> None:
        self.events()[uid].delete()

    def add_foreign(self, uid: str, start: datetime) -> None:
        cal = Calendar()
        cal.add("PRODID", "-//someone else//EN")
        cal.add("VERSION", "2.0")
        cal.add_component(Event.new(uid=uid, summary="Dentist", start=start,
                                    end=start + timedelta(hours=1), stamp=start))
        self.calendar().add_event(cal.to_ical().decode())


def make_sink(settings: CalDavSettings, state_dir: Path) -> CalDavSink:
    return CalDavSink(settings, State(state_dir), "Europe/Berlin")


def cycle(sink: CalDavSink, desired: list[Session], now: datetime = NOW):
    pull = sink.pull(now)
    push = sink.push(desired, now, dry_run=False)
    return pull, push


def tz() -> Any:
    return TZ


def ops(report: Any) -> list[Any]:
    return [a.op for a in report.actions]


def proxied(server: Server, settings: CalDavSettings, intercept: Any) -> tuple[Any, Any, Any]:
    """Settings that reach ``server`` through a proxy answering with ``intercept`` (a real
    server behind it; the intercept replays what another server would answer)."""
    from dataclasses import replace

    from tests.proxy import start_proxy

    proxy, counter = start_proxy(server.port, intercept=intercept)
    url = settings.url.replace(f":{server.port}/", f":{proxy.server_address[1]}/")
    return replace(settings, url=url), proxy, counter
