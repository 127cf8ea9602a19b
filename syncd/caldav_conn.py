"""Connecting to a CalDAV server and finding calendars, shared by the sink and the sources.

The client is built directly (not through caldav's config-file lookup) with basic auth set,
so no request is spent probing, and the calendar's URL is remembered in the state so that a
normal cycle does no discovery at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from syncd.config.loader import CalDavSettings
from syncd.errors import AuthError, ConfigError, SyncdError, TransientError
from syncd.sinks.caldav_store import garbled, network_errors

TIMEOUT = 20


def server_label(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def connect(settings: CalDavSettings, digest: bool = False) -> Any:
    """A client that sends Basic credentials with every request (Cyrus wants them up front,
    and it saves the 401 round trip) and turns to Digest when a server challenges for it;
    ``digest`` starts with Digest, for a server already known to want it."""
    from caldav.davclient import DAVClient

    password = settings.password.value if settings.password else None
    auth = (basic_then_digest(settings.username, password or "", digest)
            if settings.username else None)
    return DAVClient(url=settings.url, username=settings.username, password=password,
                     auth=auth, timeout=TIMEOUT, enable_rfc6764=False, require_tls=False)


def uses_digest(client: Any) -> bool:
    return bool(getattr(getattr(client, "auth", None), "use_digest", False))


def basic_then_digest(user: str, password: str, digest: bool = False) -> Any:
    from caldav.lib.http_sync import requests as http

    class BasicThenDigest(http.auth.AuthBase):
        """Pre-emptive Basic; on a 401 that asks for Digest, Digest from then on."""

        def __init__(self) -> None:
            self.basic = http.auth.HTTPBasicAuth(user, password)
            self.digest = http.auth.HTTPDigestAuth(user, password)
            self.use_digest = digest

        def __call__(self, r: Any) -> Any:
            if self.use_digest:
                return self.digest(r)
            r = self.basic(r)
            r.register_hook("response", self._challenged)
            return r

        def _challenged(self, resp: Any, **kwargs: Any) -> Any:
            challenge = resp.headers.get("www-authenticate", "")
            if resp.status_code != 401 or "digest" not in challenge.lower():
                return resp
            self.use_digest = True
            self.digest(resp.request)  # its per-request state, then its own 401 handling
            return self.digest.handle_401(resp, **kwargs)

    return BasicThenDigest()


@contextmanager
def guarded(settings: CalDavSettings, what: str) -> Iterator[None]:
    """Turn the library's errors into one line each (never the password)."""
    from caldav.lib import error

    server = server_label(settings.url)
    try:
        yield
    except error.AuthorizationError:
        raise AuthError(f"CalDAV server {server} refused the login for user "
                        f"'{settings.username or '(none)'}': check calendar.username "
                        "and the password") from None
    except network_errors() as exc:
        raise TransientError(f"CalDAV server {server} did not answer while {what} "
                             f"({exc.__class__.__name__}); will retry") from None
    except error.DAVError as exc:
        raise SyncdError(f"CalDAV server {server}: {what} failed: {exc}") from None
    except Exception as exc:
        if not garbled(exc):
            raise
        # The server's fault (a cut 207, an HTML login page answered 200): worth a retry.
        raise TransientError(f"CalDAV server {server} sent an answer that is not CalDAV "
                             f"while {what} ({exc.__class__.__name__}: "
                             f"{' '.join(str(exc).split())[:100]}); will retry") from None


def find_calendar(client: Any, settings: CalDavSettings, name: str | None, *,
                  create: bool) -> str:
    """The URL of the calendar called ``name`` (or calendar_url), creating it if asked."""
    from caldav.lib import error

    if settings.calendar_url and name == settings.name:
        return settings.calendar_url
    with guarded(settings, f"looking up calendar '{name}'"):
        _answers_dav(client, settings.url)
        principal = client.principal()
        try:
            return str(principal.calendar(name=name).url)
        except error.NotFoundError:
            if not create:
                raise ConfigError(f"no calendar named '{name}' on "
                                  f"{server_label(settings.url)}; check the name",
                                  key="calendar.busy_calendars") from None
        try:
            cal = principal.make_calendar(name=name,
                                          supported_calendar_component_set=["VEVENT"])
        except error.DAVError as exc:
            status = getattr(exc, "status", None)
            if str(status) == "401" or (str(status).startswith("5") and str(status) != "501"):
                raise
            # Google (and some hosted servers) cannot make calendars over CalDAV.
            raise ConfigError(
                f"{server_label(settings.url)} has no calendar named '{name}' and would not "
                f"create one ({status or 'refused'}): create a calendar named '{name}' in the "
                "calendar's own app or web page, or set calendar.calendar_url",
                key="calendar.name") from None
        return str(cal.url)


def _answers_dav(client: Any, url: str) -> None:
    """Discovery talks to a CalDAV server, not a login portal or a misrouted proxy that
    answers 200 with an HTML page: said as such (the server's fault, worth a retry) instead
    of the library's confusion further on (no calendar found, an AttributeError)."""
    resp = client.request(url, "PROPFIND", '<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
                          "<D:prop><D:resourcetype/></D:prop></D:propfind>", {"Depth": "0"})
    status = int(getattr(resp, "status", 0) or 0)
    raw = getattr(resp, "raw", b"")
    head = (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))[:300]
    ctype = str((getattr(resp, "headers", None) or {}).get("Content-Type") or "")
    if 200 <= status < 300 and ("html" in ctype.lower() or "<html" in head.lower()):
        gist = " ".join(re.sub(r"<[^>]+>", " ", head).split())[:60]
        raise TransientError(f"CalDAV server {server_label(url)} answered PROPFIND with "
                             f"{status} {ctype.split(';')[0]} ({gist!r}), not CalDAV: a login "
                             "page or a proxy in the way? will retry")


def event_texts(client: Any, url: str, start: datetime, end: datetime) -> list[str]:
    """The iCalendar text of every event overlapping [start, end) in one calendar."""
    from caldav.collection import Calendar

    found = cast(list[Any], Calendar(client=client, url=url).search(
        start=start, end=end, event=True, expand=False))
    return [str(o.data) for o in found]
