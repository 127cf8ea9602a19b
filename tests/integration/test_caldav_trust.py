"""The calendar is the truth, the state a cache of it (issue 19), against real servers.

A lost or fresh state adopts syncd's own events instead of adding copies; a write whose
outcome the answer does not tell is settled by reading the server; garbled answers and a
moved calendar are the server's doing, said in one line; what the user added to an event
survives syncd's updates. Server misbehaviour comes from the proxy in tests/proxy.py, in
front of a real server.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from icalendar import Alarm, Calendar, Event

from syncd.errors import TransientError
from syncd.sinks.base import Op
from tests.integration.caldav_helpers import (
    NOW,
    User,
    cycle,
    make_sink,
    ops,
    sessions,
    settings_for,
)
from tests.proxy import start_proxy

pytestmark = pytest.mark.integration


def through(server, settings, **kw):
    proxy, _counter = start_proxy(server.port, **kw)
    url = settings.url.replace(f":{server.port}/", f":{proxy.server_address[1]}/")
    return replace(settings, url=url), proxy


def look_alike(user: User, uid: str) -> None:
    """Someone else's event with a UID of syncd's shape, but none of its markers."""
    cal = Calendar()
    cal.add("PRODID", "-//syncd//syncd//EN")  # even the PRODID copied
    cal.add("VERSION", "2.0")
    start = NOW + timedelta(days=3, hours=8)
    cal.add_component(Event.new(uid=uid, summary="Heavy strength · 45 min", start=start,
                                end=start + timedelta(minutes=45), stamp=start))
    user.calendar().add_event(cal.to_ical().decode())


def test_lost_state_adopts_own_events_keeps_pins_and_never_touches_look_alikes(
        caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    want = sessions(4)
    cycle(make_sink(s, tmp_path / "a"), want)
    user.move(want[1].uid, -60)
    look_alike(user, "syncd-20261130-1@syncd")
    before = user.raw()

    fresh = make_sink(s, tmp_path / "b")  # the state moved away: a fresh one
    pull, push = cycle(fresh, want)
    assert {x.uid for x in pull.adopted} == {x.uid for x in want}
    pinned = {x.uid for x in pull.adopted if x.status.value == "pinned"}
    assert pinned == {want[1].uid}, "the user's move comes back as theirs"
    assert Op.CREATE not in ops(push), "nothing added twice"
    assert user.raw() == before, "nothing rewritten: not the pin, not the look-alike"
    moved = next(x for x in pull.adopted if x.uid == want[1].uid)
    assert moved.start == want[1].start - timedelta(minutes=60)
    # and the next plan moves the unpinned ones in place, once each
    later = sessions(4, shift_min=30)
    cycle(fresh, later)
    events = user.events()
    assert len(events) == 5
    for x in later:
        if x.uid != want[1].uid:
            assert events[x.uid].icalendar_component.decoded("DTSTART") == x.start
    assert user.raw()["syncd-20261130-1@syncd"] == before["syncd-20261130-1@syncd"]
    assert user.raw()[want[1].uid] == before[want[1].uid]


def test_a_second_writer_on_a_copy_takes_the_others_writes_as_syncd_s(caldav_server, tmp_path):
    import shutil

    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    a = make_sink(s, tmp_path / "a")
    cycle(a, sessions(3))
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    b = make_sink(s, tmp_path / "b")
    cycle(a, sessions(3, shift_min=15))  # A moves them; B's ETags are stale now
    pull, push = cycle(b, sessions(3, shift_min=15))
    assert pull.changes == [], "another syncd's write is not a user's edit"
    assert ops(push) == []
    assert len(user.events()) == 3


def create_stored_then_500(method, path, status, headers, body):
    if method == "PUT" and status in (200, 201, 204):
        return 500, {"Content-Type": "text/plain"}, b"Internal Server Error"
    return None


def test_create_answered_500_after_the_server_stored_it_is_there_once(pip_caldav_server,
                                                                      tmp_path):
    s = settings_for(pip_caldav_server)
    user = User(pip_caldav_server, s)
    bad, proxy = through(pip_caldav_server, s, rewrite=create_stored_then_500)
    try:
        sink = make_sink(bad, tmp_path)
        sink.pull(NOW)
        push = sink.push(sessions(3), NOW, dry_run=False)  # each 500 is read back: landed
    finally:
        proxy.shutdown()
    assert ops(push) == [Op.CREATE] * 3
    assert {it.state for it in sink.engine().items().values()} == {"synced"}
    pull, push = cycle(make_sink(s, tmp_path), sessions(3))
    assert pull.changes == [] and ops(push) == []
    assert len(user.events()) == 3


def strip_getetag(method, path, status, headers, body):
    if status == 207:
        return 207, headers, re.sub(rb"<[^<>]*getetag[^<>]*>[^<]*</[^<>]*getetag>|"
                                    rb"<[^<>]*getetag[^<>]*/>", b"", body)
    return None


def test_a_server_whose_207s_carry_no_getetag_gets_no_duplicates(pip_caldav_server, tmp_path):
    s = settings_for(pip_caldav_server)
    user = User(pip_caldav_server, s)
    bad, proxy = through(pip_caldav_server, s, rewrite=strip_getetag)
    try:
        sink = make_sink(bad, tmp_path)
        for shift in (0, 0, 30, 30):
            pull, _push = cycle(sink, sessions(4, shift_min=shift))
            assert pull.changes == [], "nothing declined"
            sink = make_sink(bad, tmp_path)
    finally:
        proxy.shutdown()
    events = user.events()
    assert len(events) == 4
    for x in sessions(4, shift_min=30):
        assert events[x.uid].icalendar_component.decoded("DTSTART") == x.start


LOGIN_PAGE = b"<!DOCTYPE html><html><body><form>Log in to the portal</form></body></html>"


def html_to_every_put(method, path, headers, body):
    if method == "PUT":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, LOGIN_PAGE
    return None


def test_a_portal_answering_200_html_to_puts_is_not_taken_as_written(pip_caldav_server,
                                                                     tmp_path):
    s = settings_for(pip_caldav_server)
    user = User(pip_caldav_server, s)
    bad, proxy = through(pip_caldav_server, s, intercept=html_to_every_put)
    try:
        sink = make_sink(bad, tmp_path)
        sink.pull(NOW)
        with pytest.raises(TransientError, match="text/html") as err:
            sink.push(sessions(3), NOW, dry_run=False)
        assert "\n" not in str(err.value)
    finally:
        proxy.shutdown()
    assert "synced" not in {it.state for it in sink.engine().items().values()}
    healthy = make_sink(s, tmp_path)
    pull, push = cycle(healthy, sessions(3))
    assert pull.changes == [], "not taken as deleted by the user"
    _pull, push2 = cycle(make_sink(s, tmp_path), sessions(3))
    assert ops(push) + ops(push2) == [Op.CREATE] * 3
    assert len(user.events()) == 3


def cut_in_half(method, path, status, headers, body):
    if method == "REPORT" and status == 207:
        return 207, headers, body[: len(body) // 2]
    return None


def test_a_207_cut_in_half_is_one_transient_line(pip_caldav_server, tmp_path):
    s = settings_for(pip_caldav_server)
    cycle(make_sink(s, tmp_path), sessions(2))
    bad, proxy = through(pip_caldav_server, s, rewrite=cut_in_half)
    try:
        with pytest.raises(TransientError) as err:
            make_sink(bad, tmp_path).pull(NOW)
    finally:
        proxy.shutdown()
    assert "CalDAV server http://127.0.0.1:" in str(err.value) and "\n" not in str(err.value)


def html_discovery(method, path, headers, body):
    if method == "PROPFIND":
        return 200, {"Content-Type": "text/html"}, LOGIN_PAGE
    return None


def test_an_html_page_answered_to_discovery_is_one_transient_line(pip_caldav_server, tmp_path):
    s = settings_for(pip_caldav_server)
    bad, proxy = through(pip_caldav_server, s, intercept=html_discovery)
    try:
        with pytest.raises(TransientError) as err:
            make_sink(bad, tmp_path).pull(NOW)
    finally:
        proxy.shutdown()
    assert "not CalDAV" in str(err.value) and "\n" not in str(err.value)


def test_calendar_url_answering_301_is_followed_and_remembered(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    real = make_sink(s, tmp_path / "discover").engine().store.url
    real_path = "/" + real.split("/", 3)[3]

    def moved(method, path, headers, body):
        if path.startswith("/old-calendar/"):
            return 301, {"Location": real_path + path[len("/old-calendar/"):],
                         "Content-Length": "0"}, b""
        return None

    proxy, _ = start_proxy(caldav_server.port, intercept=moved)
    base = f"http://127.0.0.1:{proxy.server_address[1]}/"
    try:
        cfg = replace(s, url=base, calendar_url=base + "old-calendar/")
        sink = make_sink(cfg, tmp_path / "state")
        _pull, push = cycle(sink, sessions(3))
        assert ops(push) == [Op.CREATE] * 3
        remembered = sink.state.get("caldav", sink._cache_key())
        assert remembered is not None and remembered.endswith(real_path)
        again = make_sink(cfg, tmp_path / "state")
        pull, push = cycle(again, sessions(3))
        assert pull.changes == [] and ops(push) == []
    finally:
        proxy.shutdown()
    assert len(user.events()) == 3


def test_location_and_the_users_own_alarm_survive_a_move(caldav_server, tmp_path):
    s = replace(settings_for(caldav_server), alarm_minutes=30)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    sink.tz_name = "Europe/Berlin"
    cycle(sink, sessions(2))
    obj = user.events()[sessions(2)[0].uid]
    ev = obj.icalendar_component
    ev.add("LOCATION", "Gym on Main St")
    ev.add_component(Alarm.new_display("Pack the gym bag", trigger=timedelta(hours=-3)))
    obj.save()

    pull, push = cycle(make_sink(s, tmp_path), sessions(2, shift_min=45))
    assert pull.changes == [], "adding a place or an alarm is not a move"
    assert ops(push) == [Op.UPDATE, Op.UPDATE]
    ev = user.events()[sessions(2)[0].uid].icalendar_component
    assert ev.decoded("DTSTART") == sessions(2, shift_min=45)[0].start
    assert str(ev["LOCATION"]) == "Gym on Main St"
    alarms = [str(a.get("DESCRIPTION")) for a in ev.walk("VALARM")]
    assert "Pack the gym bag" in alarms and len(alarms) == 2, alarms


def test_whole_cycles_after_the_state_moved_away_add_no_copy_and_keep_the_pin(
        pip_caldav_server, tmp_path):
    """The issue's first bullet, through the planner: 0 duplicates, the pin kept."""
    import caldav

    from syncd.cycle import run_cycle
    from syncd.model import SessionStatus
    from syncd.state import State
    from tests.integration.test_caldav_cycle import NOW as MORNING
    from tests.integration.test_caldav_cycle import config_for

    s = settings_for(pip_caldav_server)
    user = User(pip_caldav_server, s)
    client = caldav.DAVClient(url=pip_caldav_server.url, username=s.username, password="pw",
                              auth_type="basic", enable_rfc6764=False, require_tls=False)
    client.principal().make_calendar(name=f"Work {s.name}")
    config = config_for(pip_caldav_server, s.username, s.name, f"Work {s.name}")
    first = run_cycle(config, State(tmp_path / "state"), MORNING)
    assert first.errors == {}
    planned = [x for x in first.plan.sessions if x.start > MORNING]
    assert len(user.events()) == len(first.plan.sessions) and planned
    moved = planned[-1]
    user.move(moved.uid, -90)
    before = user.raw()

    (tmp_path / "state").rename(tmp_path / "state.lost")
    state = State(tmp_path / "state")
    again = run_cycle(config, state, MORNING + timedelta(minutes=15))
    assert again.errors == {}
    assert all(a.op is not Op.CREATE for r in again.reports for a in r.actions)
    assert len(user.events()) == len(before), "no copy of any session"
    assert user.raw()[moved.uid] == before[moved.uid], "the user's move untouched"
    by_uid = {x.uid: x for x in again.plan.sessions}
    assert by_uid[moved.uid].status is SessionStatus.PINNED
    assert by_uid[moved.uid].start == moved.start - timedelta(minutes=90)
    third = run_cycle(config, state, MORNING + timedelta(minutes=30))
    assert all(r.actions == [] for r in third.reports), "settled: nothing left to do"
    assert len(user.events()) == len(before)


def test_a_redirect_to_another_host_is_not_followed_and_fails_loudly(radicale_server, tmp_path):
    from syncd.errors import SyncdError

    s = settings_for(radicale_server)

    def away(method, path, headers, body):
        if path.startswith("/old-calendar/"):
            return 301, {"Location": "http://elsewhere.invalid/cal/", "Content-Length": "0"}, b""
        return None

    proxy, _ = start_proxy(radicale_server.port, intercept=away)
    base = f"http://127.0.0.1:{proxy.server_address[1]}/"
    try:
        cfg = replace(s, url=base, calendar_url=base + "old-calendar/")
        with pytest.raises(SyncdError, match=r"calendar\.calendar_url") as err:
            make_sink(cfg, tmp_path).pull(NOW)
    finally:
        proxy.shutdown()
    assert not isinstance(err.value, TransientError) and "\n" not in str(err.value)
