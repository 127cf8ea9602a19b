"""The CalDAV calendar as a store of (href, etag, iCalendar text), with every request counted.

The caldav library gives the HTTP session, authentication and discovery. The requests
that matter for traffic and safety are built here, so each is accounted for: a
sync-collection REPORT to learn what changed (RFC 6578; a ctag PROPFIND where a server has
no sync tokens), a calendar-multiget REPORT to read changed events in one request, and PUT
with If-None-Match or If-Match and DELETE with If-Match for every write.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from syncd.errors import AuthError, SyncdError, TransientError
from syncd.sinks.caldav_answers import (
    Gone,
    InDoubt,
    Moved,
    Poll,
    PreconditionFailed,
    Refused,
    Unanswered,
    _escape,
    _etag,
    _kind_of,
    _maybe_sent,
    _no_sync_report,
    _not_caldav,
    _preconditions,
    _rejects_token,
    _seconds,
    _text,
    garbled,
    network_errors,
)

log = logging.getLogger(__name__)

DAV = "{DAV:}"
CAL = "{urn:ietf:params:xml:ns:caldav}"
CS = "{http://calendarserver.org/ns/}"
TIMEOUT = 20

__all__ = ["CalDavStore", "Gone", "InDoubt", "Moved", "Poll", "PreconditionFailed",
           "Refused", "Unanswered", "garbled", "network_errors"]


class CalDavStore:
    """One calendar collection on one server."""

    def __init__(self, client: Any, url: str, user: str | None, server: str,
                 listing: str = "sync") -> None:
        self.client = client
        self.url = url if url.endswith("/") else url + "/"
        self.user = user or "(none)"
        self.server = server
        self.requests = 0
        self.listing = listing  # "sync" (sync-collection REPORT) or "etags" (PROPFIND)
        self.moved: tuple[str, str] | None = None  # (old, new) path after a redirect

    # -- HTTP ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, body: str = "", headers: dict[str, str] | None = None,
              ok: tuple[int, ...] = (200, 201, 204, 207)) -> Any:
        """One request; a redirect of the calendar is followed once, and remembered."""
        try:
            return self._send_once(method, url, body, headers, ok)
        except Moved as moved:
            new = self._moved_to(url, moved)
            if new is None:
                raise SyncdError(f"CalDAV server {self.server} redirected {method} "
                                 f"{urlsplit(url).path} ({moved.status}) to "
                                 f"{moved.location[:200]!r} (another host, plain HTTP or "
                                 "outside the calendar: not followed); set "
                                 "calendar.calendar_url to the calendar's real URL") from None
            log.warning("%s: the calendar moved (%s) from %s to %s; using the new URL",
                        self.server, moved.status, self.url, new)
            rel = url[len(self.url):] if url.startswith(self.url) else ""
            self.moved = (self._path(self.url), self._path(new))
            self.url = new
            return self._send_once(method, new + rel, body, headers, ok)

    def _moved_to(self, url: str, moved: Moved) -> str | None:
        """The calendar's new URL, from a redirect of the calendar or of one of its events."""
        target = urljoin(url, moved.location)
        here, there = urlsplit(url), urlsplit(target)
        if there.hostname != here.hostname or (there.scheme, here.scheme) == ("http", "https"):
            return None  # another host, or down to plain HTTP: credentials never follow
        if url.rstrip("/") == self.url.rstrip("/"):
            return target if target.endswith("/") else target + "/"
        if url.startswith(self.url):
            rel = url[len(self.url):]
            if target.endswith(rel):
                return target[:-len(rel)]
        return None

    def _send_once(self, method: str, url: str, body: str = "",
                   headers: dict[str, str] | None = None,
                   ok: tuple[int, ...] = (200, 201, 204, 207)) -> Any:
        from caldav.lib import error as caldav_error
        from caldav.lib.http_sync import requests as http

        self.requests += 1
        write = method in ("PUT", "DELETE")
        session = getattr(self.client, "session", None)
        saved = getattr(session, "max_redirects", None)
        try:
            # A redirect is not followed blindly: followed, a 301/302 drops a PUT's body
            # (the library re-sends it empty) and the write is lost after a 400.
            if session is not None:
                session.max_redirects = 0
            resp = self.client.request(url, method, body, headers or {})
        except http.exceptions.TooManyRedirects as exc:
            got = getattr(exc, "response", None)
            where = (getattr(got, "headers", None) or {}).get("Location") if got else None
            if not where:
                raise SyncdError(f"CalDAV server {self.server} redirected {method} without "
                                 "saying where to") from None
            raise Moved(int(getattr(got, "status_code", 0) or 0), str(where)) from None
        except caldav_error.AuthorizationError as exc:
            # caldav raises this for 401 and 403 alike: only a 401 is a refused login.
            status = int(getattr(exc, "status", None) or 401)
            if status == 401:
                raise self._auth_error() from None
            raise Refused(self.server, method, url, status,
                          getattr(exc, "preconditions", None) or [],
                          _text(getattr(exc, "body", None))) from None
        except caldav_error.RateLimitError as exc:
            # caldav's own for 429 and 503: the server asks us to wait, maybe saying how long.
            err = TransientError(f"CalDAV server {self.server} answered "
                                 f"{getattr(exc, 'status', None) or 429} to {method} "
                                 "(busy); will retry")
            err.retry_after = getattr(exc, "retry_after_seconds", None)
            raise err from None
        except network_errors() as exc:
            kind = Unanswered if _maybe_sent(exc) else TransientError
            raise kind(f"CalDAV server {self.server} did not answer "
                       f"({exc.__class__.__name__}); will retry") from None
        except caldav_error.DAVError as exc:
            status = getattr(exc, "status", None) or 0
            if str(status).startswith("5"):
                raise (InDoubt if write else TransientError)(
                    f"CalDAV server {self.server} failed with {status}; will retry") from None
            raise SyncdError(f"CalDAV server {self.server}: {method} failed: {exc}") from None
        except Exception as exc:
            if not garbled(exc):
                raise
            # The library parses every answer: a cut or non-XML body fails in there.
            raise (InDoubt if write else TransientError)(
                f"CalDAV server {self.server} sent a garbled answer to {method} "
                f"({exc.__class__.__name__}); will retry") from None
        finally:
            if session is not None:
                session.max_redirects = saved
        status = int(resp.status)
        if status in (301, 302, 303, 307, 308):
            raise Moved(status, str(resp.headers.get("Location") or ""))
        if status in ok:
            if write and status != 204 and _not_caldav(resp):
                raise InDoubt(f"CalDAV server {self.server} answered {method} with "
                              f"{status} {_kind_of(resp)}, not a CalDAV answer (a login "
                              "page or a proxy in the way?); will read back and retry")
            return resp
        if status == 401:
            raise self._auth_error()
        if status == 412:
            raise PreconditionFailed(f"{method} {url}: precondition failed")
        if status == 404:
            raise Gone(f"{method} {url}: not found")
        if status == 501:
            raise Refused(self.server, method, url, status, [], _text(resp.raw))
        if status >= 500 or status == 429:
            # A write answered 5xx may have been stored before the server failed.
            err = (InDoubt if write else TransientError)(
                f"CalDAV server {self.server} answered {status} to {method}; will retry")
            err.retry_after = _seconds(getattr(resp, "headers", {}).get("Retry-After"))
            raise err
        raise Refused(self.server, method, url, status, _preconditions(resp.raw),
                      _text(resp.raw))

    def _auth_error(self) -> AuthError:
        return AuthError(f"CalDAV server {self.server} refused the login for user "
                         f"'{self.user}': check calendar.username and the password")

    def _xml(self, resp: Any, method: str = "REPORT") -> ET.Element:
        """The multistatus of an answer; anything else is the server's fault (exit 3)."""
        raw = resp.raw if isinstance(resp.raw, (bytes, str)) else b""
        try:
            root = ET.fromstring(raw)
        except ET.ParseError as exc:
            raise TransientError(f"CalDAV server {self.server} answered {method} with "
                                 f"{_kind_of(resp)} that is not valid XML ({exc}); "
                                 "will retry") from None
        if root.tag != f"{DAV}multistatus":
            raise TransientError(f"CalDAV server {self.server} answered {method} with "
                                 f"<{root.tag}>, not a DAV multistatus; will retry")
        return root

    def _abs(self, href: str) -> str:
        return urljoin(self.url, href)

    def _path(self, href: str) -> str:
        """The canonical form of an href: its path, percent-encoded one way only.

        Servers spell the same href differently ('@' or '%40'); comparing canonical paths
        keeps an event from looking deleted and new at once."""
        return quote(unquote(urlsplit(self._abs(href)).path), safe="/@:!$&'()*+,;=-._~")

    def href_for(self, uid: str) -> str:
        return self._path(self.url + quote(uid, safe="") + ".ics")

    # -- reading ---------------------------------------------------------------------------

    def poll(self, token: str | None) -> Poll:
        """What changed since ``token``: one sync-collection REPORT (a full one for None).

        A server without sync-collection (SabreDAV without its sync plugin, SOGo, DAViCal)
        gets the ETag listing, and ``listing`` remembers it so the REPORT is not tried
        again. A token the server rejects (expired, or from a calendar that was replaced)
        gets one full resync, marked ``reset``."""
        if self.listing == "etags":
            return self._list_all()
        body = ('<?xml version="1.0" encoding="utf-8"?>'
                '<D:sync-collection xmlns:D="DAV:">'
                f'<D:sync-token>{_escape(token or "")}</D:sync-token>'
                "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
                "</D:sync-collection>")
        headers = {"Content-Type": 'application/xml; charset="utf-8"', "Depth": "1"}
        try:
            resp = self._send("REPORT", self.url, body, headers)
        except PreconditionFailed:  # Xandikos: 412 for a token it does not know
            return self._expired(token, "412")
        except Refused as exc:
            if token and _rejects_token(exc):
                return self._expired(token, str(exc.status))
            if _no_sync_report(exc):
                log.info("%s has no sync-collection (%s): listing ETags from now on",
                         self.server, exc.status)
                self.listing = "etags"
                return self._list_all()
            raise
        root = self._xml(resp)
        poll = Poll(complete=not token)
        for r in root.findall(f"{DAV}response"):
            href = r.findtext(f"{DAV}href")
            if not href or self._path(href) == self._path(self.url):
                continue
            status = r.findtext(f"{DAV}status") or ""
            if " 404" in status:
                poll.deleted.add(self._path(href))
            else:
                # No getetag (some servers and proxies leave it out) is an event whose
                # ETag is unknown, not a deleted one: "" makes the engine read it.
                poll.changed[self._path(href)] = _etag(r.findtext(f".//{DAV}getetag"))
        poll.token = root.findtext(f"{DAV}sync-token")
        return poll

    def _expired(self, token: str | None, why: str) -> Poll:
        log.info("%s rejected the sync token (%s): one full resync", self.server, why)
        poll = self.poll(None)
        poll.reset = True
        return poll

    def _list_all(self) -> Poll:
        body = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:">'
                "<D:prop><D:getetag/></D:prop></D:propfind>")
        resp = self._send("PROPFIND", self.url, body, {"Depth": "1",
                                                       "Content-Type": "application/xml"})
        poll = Poll(complete=True)
        for r in self._xml(resp, "PROPFIND").findall(f"{DAV}response"):
            href = r.findtext(f"{DAV}href")
            if href and self._path(href) != self._path(self.url) \
                    and " 404" not in (r.findtext(f".//{DAV}status") or ""):
                poll.changed[self._path(href)] = _etag(r.findtext(f".//{DAV}getetag"))
        return poll

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str, str]]:
        """Events by href: (etag, iCalendar text), all in one calendar-multiget."""
        if not hrefs:
            return {}
        refs = "".join(f"<D:href>{_escape(h)}</D:href>" for h in sorted(set(hrefs)))
        body = ('<?xml version="1.0" encoding="utf-8"?>'
                '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{refs}</C:calendar-multiget>")
        try:
            resp = self._send("REPORT", self.url, body,
                              {"Content-Type": 'application/xml; charset="utf-8"', "Depth": "1"})
        except Gone:
            # Old SabreDAV answers 404 to the whole multiget when one href is missing
            # (RFC 4791 wants a 404 inside the multistatus): ask for each one alone.
            if len(set(hrefs)) == 1:
                return {}
            each: dict[str, tuple[str, str]] = {}
            for h in sorted(set(hrefs)):
                each.update(self.fetch([h]))
            return each
        out: dict[str, tuple[str, str]] = {}
        for r in self._xml(resp).findall(f"{DAV}response"):
            href = r.findtext(f"{DAV}href")
            data = r.findtext(f".//{CAL}calendar-data")
            if href and data is not None:
                etag = _etag(r.findtext(f".//{DAV}getetag"))
                out[self._path(href)] = (etag or self._etag_of(href), data)
        return out

    def _etag_of(self, href: str) -> str:
        """The ETag of one event from its GET, for a multistatus that left it out; "" if
        the server gives none at all (then syncd cannot write it safely, and does not)."""
        try:
            resp = self._send("GET", self._abs(href), "", {}, ok=(200,))
        except Gone:
            return ""
        return _etag(resp.headers.get("ETag"))

    # -- writing ---------------------------------------------------------------------------

    def create(self, href: str, ics: str) -> str | None:
        resp = self._send("PUT", self._abs(href), ics, {
            "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
            ok=(200, 201, 204))
        return _etag(resp.headers.get("ETag")) or None

    def update(self, href: str, etag: str, ics: str) -> str | None:
        resp = self._send("PUT", self._abs(href), ics, {
            "Content-Type": "text/calendar; charset=utf-8", "If-Match": etag}, ok=(200, 201, 204))
        return _etag(resp.headers.get("ETag")) or None

    def delete(self, href: str, etag: str) -> None:
        self._send("DELETE", self._abs(href), "", {"If-Match": etag}, ok=(200, 204))
