"""The CalDAV sink against real Radicale and Xandikos servers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from icalendar import Calendar

from syncd.errors import AuthError, TransientError
from syncd.sinks.base import Op
from syncd.sinks.events import session_hash
from tests.integration.caldav_helpers import (
    NOW,
    User,
    cycle,
    make_sink,
    sessions,
    settings_for,
)

pytestmark = pytest.mark.integration


def ops(report) -> list[Op]:
    return [a.op for a in report.actions]


def test_first_cycle_creates_second_writes_nothing(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    sink = make_sink(s, tmp_path)
    want = sessions()
    _, push = cycle(sink, want)
    assert ops(push) == [Op.CREATE] * 4
    events = User(caldav_server, s).events()
    assert set(events) == {x.uid for x in want}
    ev = events[want[0].uid].icalendar_component
    assert ev.decoded("DTSTART") == want[0].start
    assert str(ev["SUMMARY"]) == want[0].title
    before = sink.requests
    pull, push = cycle(sink, want)
    assert (pull.actions, push.actions) == ([], [])
    assert sink.requests - before == 1, "a cycle with no change costs one request"


def test_a_moved_session_is_an_update_of_the_same_event(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    moved = sessions(shift_min=30)
    before = sink.requests
    _, push = cycle(sink, moved)
    assert ops(push) == [Op.UPDATE] * 4
    assert sink.requests - before <= 4 + 2, "k changes cost at most k + 2 requests"
    events = User(caldav_server, s).events()
    assert len(events) == 4
    assert events[moved[0].uid].icalendar_component.decoded("DTSTART") == moved[0].start
    before = sink.requests
    cycle(sink, moved)
    assert sink.requests - before == 1, "our own writes are not fetched back"


def test_foreign_events_are_never_touched(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    user.add_foreign("dentist-1@example.org", NOW + timedelta(days=2, hours=10))
    user.add_foreign("syncd-19990101-1@syncd", NOW + timedelta(days=3, hours=10))  # our prefix!
    foreign = {u: v for u, v in user.raw().items() if u not in {x.uid for x in sessions()}}
    cycle(sink, sessions(shift_min=15))
    cycle(sink, sessions(n=1))  # three sessions leave the plan: deleted
    after = user.raw()
    assert {u: after[u] for u in foreign} == foreign
    assert set(after) == set(foreign) | {sessions()[0].uid}


def test_user_move_and_edit_pin_the_session(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    want = sessions()
    cycle(sink, want)
    user.move(want[0].uid, 90)
    user.retitle(want[1].uid, "Core with Sam")
    pull, push = cycle(sink, sessions(shift_min=15))
    pins = {c.uid: c for c in pull.changes if c.pinned}
    assert set(pins) == {want[0].uid, want[1].uid}
    assert pins[want[0].uid].start == want[0].start + timedelta(minutes=90)
    assert want[0].uid not in {a.uid for a in push.actions}, "a pinned event is never rewritten"
    events = user.events()
    assert str(events[want[1].uid].icalendar_component["SUMMARY"]) == "Core with Sam"
    assert events[want[0].uid].icalendar_component.decoded("DTSTART") == (
        want[0].start + timedelta(minutes=90))


def test_user_delete_declines_and_is_not_recreated(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    want = sessions()
    cycle(sink, want)
    user.delete(want[2].uid)
    pull, push = cycle(sink, want)
    assert [(c.uid, c.pinned) for c in pull.changes] == [(want[2].uid, False)]
    assert push.actions == []
    _, push = cycle(sink, want)
    assert push.actions == []
    assert want[2].uid not in user.events()


def test_concurrent_edit_gets_412_and_is_never_overwritten(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    want = sessions()
    cycle(sink, want)
    sink.pull(NOW)
    user.retitle(want[0].uid, "Mine now")  # between our read and our write
    push = sink.push(sessions(shift_min=30), NOW, dry_run=False)
    assert any("changed on the server meanwhile" in w for w in push.warnings)
    assert str(user.events()[want[0].uid].icalendar_component["SUMMARY"]) == "Mine now"
    pull, _ = cycle(sink, sessions(shift_min=30))
    assert [c.uid for c in pull.changes if c.pinned] == [want[0].uid]
    assert str(user.events()[want[0].uid].icalendar_component["SUMMARY"]) == "Mine now"


def test_done_session_is_marked_not_removed(caldav_server, tmp_path):
    from syncd.model import SessionStatus

    s = settings_for(caldav_server)
    sink = make_sink(s, tmp_path)
    want = sessions()
    cycle(sink, want)
    later = want[0].end + timedelta(hours=1)
    done = [replace(want[0], status=SessionStatus.DONE), *want[1:]]
    _, push = cycle(sink, done, now=later)
    assert ops(push) == [Op.UPDATE]
    ev = User(caldav_server, s).events()[want[0].uid].icalendar_component
    assert str(ev["SUMMARY"]).startswith("✓ ")


def test_past_sessions_leave_the_plan_but_stay_in_the_calendar(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    sink = make_sink(s, tmp_path)
    want = sessions()
    cycle(sink, want)
    later = want[1].end + timedelta(hours=1)
    _, push = cycle(sink, want[2:], now=later)
    assert ops(push) == [], "past sessions are history, not deletions"
    assert len(User(caldav_server, s).events()) == 4


def test_servers_refuse_malformed_events(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    sink = make_sink(s, tmp_path)
    want = sessions()
    cycle(sink, want)
    obj = User(caldav_server, s).events()[want[3].uid]
    bogus = obj.data.replace("DTSTART", "DTSTART;VALUE=DATE-TIME:not-a-date\r\nX-OLD-DTSTART")
    from caldav.lib.error import AuthorizationError

    try:
        status = obj.client.put(str(obj.url), bogus, {"Content-Type": "text/calendar"}).status
    except AuthorizationError as exc:  # caldav raises for a 403
        status = exc.status
    # Every server here validates what it stores (Radicale 400, Xandikos 412, SabreDAV 500
    # from its parser, Cyrus 403), so garbage never reaches syncd from them;
    # tests/unit/sinks/test_sync_engine.py feeds it in directly.
    assert status == {"radicale": 400, "xandikos": 412, "sabre": 500, "cyrus": 403}[
        caldav_server.kind]
    pull, push = cycle(sink, want)
    assert (pull.actions, push.actions) == ([], [])
    assert want[3].uid in User(caldav_server, s).events()


def test_dry_run_writes_nothing(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    sink = make_sink(s, tmp_path)
    sink.pull(NOW)
    push = sink.push(sessions(), NOW, dry_run=True)
    assert ops(push) == [Op.CREATE] * 4
    assert User(caldav_server, s).events() == {}


def test_event_content_round_trips(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    s = replace(s, alarm_minutes=30)
    sink = make_sink(s, tmp_path)
    want = sessions(n=1)
    cycle(sink, want)
    data = next(iter(User(caldav_server, s).events().values())).data
    cal = Calendar.from_ical(data)
    ev = next(iter(cal.walk("VEVENT")))
    assert "because 0" in str(ev["DESCRIPTION"]) and "(R3)" in str(ev["DESCRIPTION"])
    cats = ev["CATEGORIES"] if isinstance(ev["CATEGORIES"], list) else [ev["CATEGORIES"]]
    # Cyrus stores one CATEGORIES line per value; the others keep one line
    assert [str(c) for line in cats for c in line.cats] == ["Strength", "Heavy"]
    assert ev.walk("VALARM"), "alarm_minutes adds a reminder"
    from syncd.sinks.events import event_hash

    assert event_hash(ev) == session_hash(want[0]), "the hash survives the server"


def test_wrong_password_is_one_clear_line(tmp_path):
    from tests.integration.servers import radicale

    server = radicale(tmp_path, auth=True)
    server.start()
    try:
        s = settings_for(server, user="runner", password="wrong-battery")
        with pytest.raises(AuthError) as info:
            make_sink(s, tmp_path / "state").pull(NOW)
        msg = str(info.value)
        assert server.url.rstrip("/") in msg and "'runner'" in msg
        assert "wrong-battery" not in msg
        ok = settings_for(server, user="runner", password="correct-horse")
        ok_sink = make_sink(ok, tmp_path / "state2")
        _, push = cycle(ok_sink, sessions(n=1))
        assert ops(push) == [Op.CREATE]
    finally:
        server.stop()


def test_server_going_away_is_transient_and_the_next_cycle_converges(tmp_path):
    from tests.integration.servers import radicale

    server = radicale(tmp_path)
    server.start()
    try:
        s = settings_for(server)
        sink = make_sink(s, tmp_path / "state")
        cycle(sink, sessions())
        sink.pull(NOW)
        server.stop()  # gone between the read and the writes
        with pytest.raises(TransientError):
            sink.push(sessions(shift_min=30), NOW, dry_run=False)
        server.start()
        cycle(sink, sessions(shift_min=30))
        events = User(server, s).events()
        assert len(events) == 4
        assert all(e.icalendar_component.decoded("DTSTART").minute == 30
                   for e in events.values())
    finally:
        server.stop()
