"""What a CalDAV server's answers mean to syncd: the errors a request ends in, what a poll
found, and the small readers of answers (is it garbled, is it an HTML page, a refused token).

Kept apart from ``caldav_store`` (the requests) so each file stays small; the store
re-exports the names other modules use.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from syncd.errors import SyncdError, TransientError

DAV = "{DAV:}"


class PreconditionFailed(SyncdError):
    """412: the event changed on the server since we read it (or exists, for a create)."""


class Gone(SyncdError):
    """404: the event is not on the server."""


class Refused(SyncdError):
    """The server understood and said no (403, 400, 409, 501, ...): not a login problem.

    ``preconditions`` are the DAV:error elements in Clark notation, such as
    ``{DAV:}valid-sync-token`` or ``{DAV:}supported-report``, which tell what to do."""

    def __init__(self, server: str, method: str, url: str, status: int,
                 preconditions: list[str], body: str) -> None:
        self.status = status
        self.preconditions = list(preconditions)
        self.body = body
        why = ", ".join(p.split("}")[-1] for p in preconditions) or _gist(body)
        super().__init__(f"CalDAV server {server} refused {method} {urlsplit(url).path} "
                         f"({status}{': ' + why if why else ''})")

    def names(self) -> set[str]:
        return {p.split("}")[-1].lower() for p in self.preconditions}


class Unanswered(TransientError):
    """The request may have reached the server, but no answer came (timeout, reset).

    A write that fails this way has an unknown outcome, unlike one refused at connect."""


class InDoubt(Unanswered):
    """A write was answered, but the answer does not say whether it was stored: a 5xx
    (the server may have stored it before failing) or a 2xx that is not what a CalDAV
    server sends (an HTML page from a login portal or a misrouted proxy). Only reading the
    server can tell."""


class Moved(SyncdError):
    """The calendar answered with a redirect to another URL (301, 302, 307, 308)."""

    def __init__(self, status: int, location: str) -> None:
        self.status = status
        self.location = location
        super().__init__(f"moved ({status}) to {location}")


@dataclass
class Poll:
    """What changed since the last token: hrefs with their new etags, and deletions.

    ``complete`` means ``changed`` lists every event in the calendar (a first or fallback
    sync), so an href we know that is missing from it was deleted.
    """

    changed: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    complete: bool = False
    token: str | None = None
    reset: bool = False  # the server rejected our token: this is a full resync


def network_errors() -> tuple[type[BaseException], ...]:
    """Connection failures of whichever HTTP library caldav uses (niquests or requests)."""
    from caldav.lib.http_sync import requests as http

    exc = http.exceptions
    return (exc.ConnectionError, exc.Timeout, OSError)


def _seconds(value: str | None) -> float | None:
    """A Retry-After in seconds (the HTTP-date form is rare and read as no advice)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _maybe_sent(exc: BaseException) -> bool:
    """False only when the connection itself failed, so no byte of the request left."""
    from caldav.lib.http_sync import requests as http

    if isinstance(exc, http.exceptions.ConnectTimeout):
        return False
    text = repr(exc)
    return not any(m in text for m in ("NewConnectionError", "Connection refused",
                                       "Failed to establish", "ConnectionRefused"))


def _text(raw: object) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return raw if isinstance(raw, str) else ""


def _gist(body: str) -> str:
    """A short, single-line reason from an error body (HTML or text), for the message."""
    text = re.sub(r"<[^>]+>", " ", body)
    text = " ".join(text.split())
    return text[:120]


def _preconditions(raw: object) -> list[str]:
    try:
        root = ET.fromstring(raw if isinstance(raw, (bytes, str)) else b"")
    except ET.ParseError:
        return []
    return [c.tag for c in root] if root.tag == f"{DAV}error" else []


def _etag(value: str | None) -> str:
    return (value or "").strip()


def garbled(exc: BaseException) -> bool:
    """An exception the library raises on an answer it cannot parse (lxml's, or a None
    where an element was expected), as opposed to a bug of ours."""
    return exc.__class__.__name__ in ("XMLSyntaxError", "ParseError", "DocumentInvalid") \
        or isinstance(exc, (AttributeError, UnicodeDecodeError))


def _kind_of(resp: Any) -> str:
    """What an answer is, in a few words: its content type and first text."""
    ctype = (getattr(resp, "headers", None) or {}).get("Content-Type") or "no content type"
    gist = _gist(_text(getattr(resp, "raw", b"")))[:60]
    return f"{ctype.split(';')[0]}" + (f" ({gist!r})" if gist else "")


def _not_caldav(resp: Any) -> bool:
    """A 2xx to a write that no CalDAV server sends: an HTML page (a login portal, a proxy
    answering for a server that is not there)."""
    ctype = ((getattr(resp, "headers", None) or {}).get("Content-Type") or "").lower()
    head = _text(getattr(resp, "raw", b""))[:500].lstrip().lower()
    # PHP servers (SabreDAV, Nextcloud) label an empty 201 text/html: only a page counts.
    return head.startswith(("<!doctype html", "<html")) or ("html" in ctype and "<" in head)


def _rejects_token(exc: Refused) -> bool:
    """The server's ways of saying 'that sync token is no good': Cyrus, Radicale and SabreDAV
    (Baïkal, Nextcloud) send 403 with DAV:valid-sync-token; Nextcloud 418 after a delete;
    others 409 or 400 with the words in the body."""
    if "valid-sync-token" in exc.names() or exc.status in (409, 410, 418):
        return True
    body = exc.body.lower()
    return exc.status in (400, 403) and ("sync token" in body or "sync-token" in body
                                         or "synctoken" in body)


def _no_sync_report(exc: Refused) -> bool:
    """sync-collection is not there: SabreDAV's 403 DAV:supported-report, a 501, or the
    400/405/415 of servers that do not know the REPORT at all."""
    return "supported-report" in exc.names() or exc.status in (400, 405, 415, 501)


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
