"""Connecting to a CalDAV server and finding calendars, shared by the sink and the sources.

The client is built directly (not through caldav's config-file lookup) with basic auth set,
so no request is spent probing, and the calendar's URL is remembered in the state so that a
normal cycle does no discovery at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from syncd.config.loader import CalDavSettings
from syncd.errors import AuthError, ConfigError, SyncdError, TransientError
from syncd.sinks.caldav_store import network_errors

TIMEOUT = 20


def server_label(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def connect(settings: CalDavSettings) -> Any:
    from caldav.davclient import DAVClient

    return DAVClient(
        url=settings.url, username=settings.username,
        password=settings.password.value if settings.password else None,
        auth_type="basic" if settings.username else None, timeout=TIMEOUT,
        enable_rfc6764=False, require_tls=False)


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


def find_calendar(client: Any, settings: CalDavSettings, name: str | None, *,
                  create: bool) -> str:
    """The URL of the calendar called ``name`` (or calendar_url), creating it if asked."""
    from caldav.lib import error

    if settings.calendar_url and name == settings.name:
        return settings.calendar_url
    with guarded(settings, f"looking up calendar '{name}'"):
        principal = client.principal()
        try:
            return str(principal.calendar(name=name).url)
        except error.NotFoundError:
            if not create:
                raise ConfigError(f"no calendar named '{name}' on "
                                  f"{server_label(settings.url)}; check the name",
                                  key="calendar.busy_calendars") from None
        cal = principal.make_calendar(name=name, supported_calendar_component_set=["VEVENT"])
        return str(cal.url)


def event_texts(client: Any, url: str, start: datetime, end: datetime) -> list[str]:
    """The iCalendar text of every event overlapping [start, end) in one calendar."""
    from caldav.collection import Calendar

    found = cast(list[Any], Calendar(client=client, url=url).search(
        start=start, end=end, event=True, expand=False))
    return [str(o.data) for o in found]
