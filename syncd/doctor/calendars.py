"""Checks on the CalDAV server: each calendar reachable, what it supports, its clock.

Support is asked, not assumed: one PROPFIND for the sync token, reports, privileges and
components, OPTIONS for MKCALENDAR, and (unless ``--no-write``) a probe event that is
created with If-None-Match, read back, and deleted with If-Match. The probe proves write
permission, ETags and what the server does to a time with a TZID, which no property tells.
Its UID has no ``syncd-`` prefix, so the sync engine never counts it as one of its events
even if a crash left it behind; it is dated in 2000, far from any real plan.
"""

from __future__ import annotations

import contextlib
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from syncd.caldav_conn import connect, find_calendar, guarded, server_label
from syncd.config.loader import CalDavSettings, Config
from syncd.doctor import Check, failed, passed, skipped
from syncd.errors import ConfigError, SyncdError

DAV = "{DAV:}"
CAL = "{urn:ietf:params:xml:ns:caldav}"
MAX_SKEW_S = 60.0
PROPS = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
         'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:resourcetype/><D:sync-token/>'
         "<D:supported-report-set/><D:current-user-privilege-set/>"
         "<C:supported-calendar-component-set/><C:calendar-timezone/></D:prop></D:propfind>")
WRITE_PRIVILEGES = {"write", "write-content", "bind", "all"}


@dataclass
class Props:
    """What a calendar collection says about itself (only properties it answered 200 for)."""

    sync_token: str | None = None
    reports: set[str] = field(default_factory=set)
    privileges: set[str] | None = None
    components: set[str] = field(default_factory=set)
    has_timezone: bool = False
    is_calendar: bool = False

    @classmethod
    def parse(cls, raw: bytes | str) -> Props:
        root = ET.fromstring(raw)
        out = cls()
        for propstat in root.iter(f"{DAV}propstat"):
            if " 200" not in (propstat.findtext(f"{DAV}status") or ""):
                continue
            for prop in propstat.iter(f"{DAV}prop"):
                out._take(prop)
        return out

    def _take(self, prop: ET.Element) -> None:
        if (rt := prop.find(f"{DAV}resourcetype")) is not None:
            self.is_calendar |= rt.find(f"{CAL}calendar") is not None
        if (token := prop.findtext(f"{DAV}sync-token")) is not None:
            self.sync_token = token.strip() or None
        for report in prop.iterfind(f"{DAV}supported-report-set/{DAV}supported-report/"
                                    f"{DAV}report/*"):
            self.reports.add(report.tag.split("}")[-1])
        if (privs := prop.find(f"{DAV}current-user-privilege-set")) is not None:
            self.privileges = {p.tag.split("}")[-1] for p in privs.iterfind(f"{DAV}privilege/*")}
        for comp in prop.iterfind(f"{CAL}supported-calendar-component-set/{CAL}comp"):
            self.components.add(comp.get("name", "").upper())
        self.has_timezone |= prop.find(f"{CAL}calendar-timezone") is not None


class Forbidden(SyncdError):
    """403: the login is right but may not do this (the library raises 401 and 403 alike)."""


class Server:
    """Requests through the caldav library's session, each turned into one line on failure."""

    def __init__(self, settings: CalDavSettings) -> None:
        self.settings = settings
        self.client = connect(settings)
        self.skew: float | None = None

    def request(self, url: str, method: str, body: str = "",
                headers: dict[str, str] | None = None) -> Any:
        from caldav.lib import error

        with guarded(self.settings, f"answering {method}"):
            t0 = time.time()
            try:
                resp = self.client.request(url, method, body, headers or {})
            except error.AuthorizationError as exc:
                if str(getattr(exc, "status", "")).startswith("403"):
                    raise Forbidden(f"{method} refused (403)") from None
                raise
            t1 = time.time()
        if self.skew is None and (date := resp.headers.get("Date")):
            with contextlib.suppress(TypeError, ValueError):
                self.skew = parsedate_to_datetime(date).timestamp() - (t0 + t1) / 2
        return resp


def check_calendars(config: Config, *, write_probe: bool) -> Iterator[Check]:
    settings = config.caldav
    assert settings is not None
    server = Server(settings)
    label = f"calendar '{settings.name}'"
    try:
        url: str | None = find_calendar(server.client, settings, settings.name, create=False)
    except ConfigError:
        url = None
    except SyncdError as exc:
        yield failed(label, str(exc))
        return
    mkcalendar = _allows_mkcalendar(server, url)
    if url is None:
        if mkcalendar:
            yield passed(label, f"not on {server_label(settings.url)} yet; syncd creates it "
                         "on the first run (the server allows MKCALENDAR)")
        else:
            yield failed(label, f"not on {server_label(settings.url)} and the server cannot "
                         "create calendars (no MKCALENDAR): create it there, then set "
                         "calendar.name (or calendar.calendar_url) to it")
    else:
        yield from _check_target(server, url, label, mkcalendar, config.athlete.timezone,
                                 write_probe)
    yield from _check_readers(server, config)
    yield _clock(server)


def _propfind(server: Server, url: str) -> Props | str:
    """The calendar's properties, or why they could not be read."""
    try:
        resp = server.request(url, "PROPFIND", PROPS, {"Depth": "0",
                                                       "Content-Type": "application/xml"})
    except SyncdError as exc:
        return str(exc)
    if int(resp.status) != 207:
        return f"{url} answered {resp.status} to PROPFIND; check the calendar's URL"
    try:
        props = Props.parse(resp.raw)
    except ET.ParseError:
        return f"{url} answered PROPFIND with something that is not XML"
    if not props.is_calendar:
        return f"{url} is not a calendar; check calendar.calendar_url"
    return props


def _check_target(server: Server, url: str, label: str, mkcalendar: bool | None, tz_name: str,
                  write_probe: bool) -> Iterator[Check]:
    props = _propfind(server, url)
    if isinstance(props, str):
        yield failed(label, props)
        return
    events = "events" if "VEVENT" in props.components or not props.components else None
    if events is None:
        yield failed(label, f"{url} holds no events (it takes "
                     f"{', '.join(sorted(props.components))}); choose another calendar")
        return
    yield passed(label, f"reachable at {url}")
    if props.sync_token and "sync-collection" in props.reports:
        yield passed(f"{label} sync token", "yes: a cycle with no change costs one request")
    else:
        yield passed(f"{label} sync token", "no: syncd lists ETags each cycle instead "
                     "(works, costs more traffic)")
    yield (passed(f"{label} MKCALENDAR", "allowed") if mkcalendar
           else passed(f"{label} MKCALENDAR", "not offered (not needed: the calendar exists)"))
    if write_probe:
        yield from _probe(server, url, label, tz_name)
        return
    if props.privileges is None:
        yield skipped(f"{label} write", "the server does not say; run without --no-write "
                      "to test with a probe event")
    elif props.privileges & WRITE_PRIVILEGES:
        yield passed(f"{label} write", "permitted (" + ", ".join(sorted(props.privileges))
                     + ")")
    else:
        yield failed(f"{label} write", f"not permitted for user "
                     f"'{server.settings.username}' (only {', '.join(sorted(props.privileges))})"
                     ": share the calendar with write access or use another")
    yield skipped(f"{label} ETags and time zones", "not tested with --no-write")


def _probe(server: Server, url: str, label: str, tz_name: str) -> Iterator[Check]:
    from icalendar import Calendar, Event

    from syncd.sinks.vtimezone import add_timezones

    tz = ZoneInfo(tz_name)
    start = datetime(2000, 7, 3, 12, 0, tzinfo=tz)
    uid = f"doctor-probe-{uuid.uuid4().hex}@syncd"
    cal = Calendar()
    cal.add("PRODID", "-//syncd//doctor//EN")
    cal.add("VERSION", "2.0")
    cal.add_component(Event.new(uid=uid, summary="syncd doctor probe (safe to delete)",
                                start=start, end=start + timedelta(minutes=15),
                                stamp=datetime.now(UTC)))
    add_timezones(cal)  # the VTIMEZONE syncd writes (syncd.sinks.vtimezone)
    href = url.rstrip("/") + "/" + uid.split("@")[0] + ".ics"
    try:
        put = server.request(href, "PUT", cal.to_ical().decode(), {
            "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
    except Forbidden:
        put = None
    except SyncdError as exc:
        yield failed(f"{label} write", str(exc))
        return
    if put is None or int(put.status) in (401, 403):
        yield failed(f"{label} write", "refused (403): user "
                     f"'{server.settings.username}' may not write to this calendar; share it "
                     "with write access or use another")
        return
    if int(put.status) not in (200, 201, 204):
        yield failed(f"{label} write", f"a new event was refused with {put.status}")
        return
    try:
        got = server.request(href, "GET")
        etag = got.headers.get("ETag") or put.headers.get("ETag")
        body = got.raw if int(got.status) == 200 else None
    finally:
        gone = _delete(server, href, put.headers.get("ETag"))
    if not gone:
        yield failed(f"{label} write", "the probe event was created but could not be deleted "
                     "with If-Match; delete 'syncd doctor probe' (3 Jul 2000) by hand")
        return
    yield passed(f"{label} write", "permitted: a probe event was created, read back and deleted")
    if etag:
        more = "" if put.headers.get("ETag") else " (not on PUT: syncd reads it back)"
        yield passed(f"{label} ETags", f"yes{more}")
    else:
        yield failed(f"{label} ETags", "the server gives none, so syncd cannot guard its writes"
                     " with If-Match; use another server")
    yield _time_zone(label, body, start, tz_name)


def _delete(server: Server, href: str, put_etag: str | None) -> bool:
    """Delete the probe with If-Match on the ETag the server gives it now."""
    try:
        etag = server.request(href, "HEAD").headers.get("ETag") or put_etag
        if not etag:
            return False
        resp = server.request(href, "DELETE", "", {"If-Match": etag})
    except SyncdError:
        return False
    return int(resp.status) in (200, 204)


def _time_zone(label: str, body: Any, start: datetime, tz_name: str) -> Check:
    from icalendar import Calendar

    name = f"{label} time zones"
    if not body:
        return failed(name, "the probe event could not be read back")
    try:
        ev = Calendar.from_ical(body).events[0]
        got = ev.decoded("DTSTART")
        tzid = ev["DTSTART"].params.get("TZID")
    except (ValueError, KeyError, IndexError):
        return failed(name, "the probe event came back unreadable")
    wanted = f"12:00 {tz_name} on 3 Jul 2000"
    if not isinstance(got, datetime) or got.tzinfo is None:
        return failed(name, f"{wanted} came back as a floating time ({got}); the server "
                      "drops time zones")
    if got.astimezone(UTC) != start.astimezone(UTC):
        return failed(name, f"{wanted} came back as {got.astimezone(UTC):%H:%M} UTC, not "
                      f"{start.astimezone(UTC):%H:%M} UTC; the server misreads VTIMEZONE")
    if tzid == tz_name:
        return passed(name, f"kept: TZID {tz_name}, same instant")
    return passed(name, f"stored as {tzid or 'UTC'} (same instant)")


def _allows_mkcalendar(server: Server, url: str | None) -> bool | None:
    """Whether the calendar home takes MKCALENDAR (OPTIONS' Allow); None if unknown."""
    try:
        if url is not None:
            home = url.rstrip("/").rsplit("/", 1)[0] + "/"
        else:
            with guarded(server.settings, "looking up the calendar home"):
                home = str(server.client.principal().calendar_home_set.url)
        allow = server.request(home, "OPTIONS").headers.get("Allow", "")
    except (SyncdError, AttributeError):
        return None
    return "MKCALENDAR" in allow.upper()


def _check_readers(server: Server, config: Config) -> Iterator[Check]:
    """Calendars syncd only reads: busy times (R10) and the running plan."""
    settings = server.settings
    names = [(n, "busy times", "calendar.busy_calendars") for n in settings.busy_calendars]
    rc = config.running_calendar
    if rc is not None and rc.caldav_calendar:
        names.append((rc.caldav_calendar, "running plan", "sources.calendar.caldav_calendar"))
    for name, why, key in names:
        label = f"calendar '{name}' ({why})"
        try:
            url = find_calendar(server.client, settings, name, create=False)
        except ConfigError:
            yield failed(label, f"not on {server_label(settings.url)}; check {key}")
            continue
        except SyncdError as exc:
            yield failed(label, str(exc))
            continue
        props = _propfind(server, url)
        yield failed(label, props) if isinstance(props, str) else passed(label, "readable")


def _clock(server: Server) -> Check:
    if server.skew is None:
        return skipped("clock", "the server sent no Date header to compare with")
    skew = server.skew
    if abs(skew) <= MAX_SKEW_S:
        return passed("clock", "this machine and the server agree within "
                      f"{max(1, round(abs(skew)))} s")
    way = "ahead of" if skew > 0 else "behind"
    size = f"{abs(skew) / 60:.0f} min" if abs(skew) >= 120 else f"{abs(skew):.0f} s"
    return failed("clock", f"the server's clock is {size} {way} this machine's: "
                  "sessions and tokens are judged against a wrong time; enable NTP "
                  "(timedatectl set-ntp true) on both")
