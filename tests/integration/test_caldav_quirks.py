"""Quirks of the CalDAV servers people run (issue 13), each against a real server, or a real
server behind a proxy that answers as the other server does (its status and body)."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from syncd.errors import ConfigError
from syncd.sinks.base import Op
from tests.integration.caldav_helpers import (
    NOW,
    User,
    cycle,
    make_sink,
    ops,
    proxied,
    sessions,
    settings_for,
)

pytestmark = pytest.mark.integration


def test_stored_objects_are_plain_events_with_names_of_their_own(caldav_server, tmp_path):
    """No METHOD (a stored object is not an iTIP message), no ORGANIZER or ATTENDEE (nothing
    sends invitations, as Fastmail would), and a resource name that is not the UID."""
    s = settings_for(caldav_server)
    cycle(make_sink(s, tmp_path), sessions())
    events = User(caldav_server, s).events()
    assert len(events) == 4
    for obj in events.values():
        cal = Calendar.from_ical(obj.data)
        assert "METHOD" not in cal
        uid = str(obj.icalendar_component["UID"])
        for ev in cal.walk("VEVENT"):
            assert "ORGANIZER" not in ev and "ATTENDEE" not in ev
        name = str(obj.url).rstrip("/").rsplit("/", 1)[-1]
        assert uid.split("@")[0] not in name, "the resource name is not derived from the UID"


def test_a_deleted_uid_is_never_written_again(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    first = str(user.events()[sessions()[3].uid].icalendar_component["UID"])
    _, push = cycle(sink, sessions()[:3])  # the session leaves the plan: deleted
    assert ops(push) == [Op.DELETE]
    _, push = cycle(sink, sessions())  # and comes back
    assert ops(push) == [Op.CREATE]
    again = str(user.events()[sessions()[3].uid].icalendar_component["UID"])
    assert again != first


NEXTCLOUD_TRASH = (
    400, b'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" '
    b'xmlns:s="http://sabredav.org/ns">\n  <s:exception>Sabre\\DAV\\Exception\\BadRequest'
    b"</s:exception>\n  <s:message>Deleted calendar object with uid already exists in this "
    b"calendar collection.</s:message>\n</d:error>\n")
NEXTCLOUD_403 = (
    403, b'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" '
    b'xmlns:s="http://sabredav.org/ns" xmlns:cal="urn:ietf:params:xml:ns:caldav">\n'
    b"  <s:exception>Sabre\\DAV\\Exception\\Forbidden</s:exception>\n  <s:message>Calendar "
    b"object with uid already exists in this calendar collection.</s:message>\n"
    b"  <cal:no-uid-conflict/>\n</d:error>\n")


@pytest.mark.parametrize("answer", [NEXTCLOUD_TRASH, NEXTCLOUD_403], ids=["400", "403"])
def test_a_create_refused_for_its_uid_gets_a_fresh_one(radicale_server, tmp_path, answer):
    s = settings_for(radicale_server)
    refused: list[str] = []

    def trash_bin(method, path, headers, body):
        if method == "PUT" and headers.get("If-None-Match") == "*":
            uid = re.search(rb"UID:(\S+)", body).group(1).decode()
            if not re.search(r"-[0-9a-f]{6}@syncd$", uid):  # the first UID of each: in the bin
                refused.append(uid)
                return answer[0], {"Content-Type": "application/xml"}, answer[1]
        return None

    s2, proxy, _ = proxied(radicale_server, s, trash_bin)
    try:
        _, push = cycle(make_sink(s2, tmp_path), sessions())
    finally:
        proxy.shutdown()
    assert ops(push) == [Op.CREATE] * 4, push.warnings
    assert len(refused) == 4
    got = {str(o.icalendar_component["UID"]) for o in User(radicale_server, s).events().values()}
    assert len(got) == 4 and not got & set(refused)
    pull, push = cycle(make_sink(s, tmp_path), sessions())
    assert (pull.actions, push.actions) == ([], [])


@pytest.mark.parametrize("status", [403, 405, 501])
def test_no_mkcalendar_is_one_line_naming_the_calendar(radicale_server, tmp_path, status):
    s = settings_for(radicale_server)

    def like_google(method, path, headers, body):
        if method == "MKCALENDAR":
            return status, {"Content-Type": "text/html"}, b"<html>Method not allowed</html>"
        return None

    s2, proxy, _ = proxied(radicale_server, s, like_google)
    try:
        with pytest.raises(ConfigError) as info:
            make_sink(s2, tmp_path).pull(NOW)
    finally:
        proxy.shutdown()
    msg = str(info.value)
    assert "\n" not in msg
    assert f"create a calendar named '{s.name}'" in msg and "calendar.calendar_url" in msg
    assert "login" not in msg
