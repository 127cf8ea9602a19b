"""What real servers refuse, and how syncd recovers (issue 15): SabreDAV, Cyrus, Radicale and
Xandikos themselves, and answers of servers that cannot run here replayed by a proxy in
front of a real one (the status and body each of them sends)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from syncd.config.secrets import Secret
from syncd.errors import AuthError
from syncd.sinks.base import Op
from syncd.sinks.sync_items import Records
from syncd.state import State
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


def test_sabre_without_sync_collection_lists_etags_and_remembers(sabre_server, tmp_path):
    s = settings_for(sabre_server)
    user = User(sabre_server, s)
    sink = make_sink(s, tmp_path)
    _, push = cycle(sink, sessions())
    assert ops(push) == [Op.CREATE] * 4, "403 supported-report is not a refused login"
    assert "etags" in (sink.state.get("caldav", "server:" + s.url.rstrip("/")) or "")
    again = make_sink(s, tmp_path)  # the next cycle, a new process
    pull, push = cycle(again, sessions())
    assert (pull.actions, push.actions) == ([], [])
    assert again.requests == 1, "the fallback is remembered: one PROPFIND, no REPORT first"
    user.move(sessions()[0].uid, 60)
    user.delete(sessions()[1].uid)
    pull, push = cycle(make_sink(s, tmp_path), sessions(shift_min=15))
    assert sorted((c.uid, c.pinned) for c in pull.changes) == sorted(
        [(sessions()[0].uid, True), (sessions()[1].uid, False)])
    assert ops(push) == [Op.UPDATE] * 2
    assert set(user.events()) == {x.uid for x in sessions()} - {sessions()[1].uid}


def test_a_501_to_the_sync_report_lists_etags(radicale_server, tmp_path):
    s = settings_for(radicale_server)

    def no_report(method, path, headers, body):
        if method == "REPORT" and b"sync-collection" in body:
            return 501, {"Content-Type": "text/plain"}, b"Not Implemented"
        return None

    s, proxy, counter = proxied(radicale_server, s, no_report)
    try:
        sink = make_sink(s, tmp_path)
        _, push = cycle(sink, sessions())
        assert ops(push) == [Op.CREATE] * 4
        counter.take()
        pull, push = cycle(make_sink(s, tmp_path), sessions())
        assert (pull.actions, push.actions) == ([], [])
        assert counter.take()[0] == 1
    finally:
        proxy.shutdown()


def test_rejected_sync_token_gets_one_full_resync_keeping_pins(caldav_server, tmp_path):
    """Radicale (403 valid-sync-token), Xandikos (412), Cyrus (403 valid-sync-token): a token
    the server does not know. No duplicate, the pin and the decline stay."""
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    user.move(sessions()[0].uid, 60)
    user.delete(sessions()[1].uid)
    pull, _ = cycle(sink, sessions())
    assert len(pull.changes) == 2
    token = sink.state.get("sink:caldav", "token")
    if token is None:
        assert caldav_server.kind == "sabre", "only SabreDAV here has no sync tokens"
        return
    bad = {"radicale": "http://radicale.org/ns/sync/" + "0" * 64,
           "xandikos": "0" * 40, "cyrus": "data:,1-1"}.get(caldav_server.kind, token + "x")
    sink.state.put("sink:caldav", "token", bad)
    before = user.raw()
    again = make_sink(s, tmp_path)
    pull, push = cycle(again, sessions(shift_min=15))
    assert pull.changes == [], "nothing is news after a resync"
    assert ops(push) == [Op.UPDATE] * 2, "only the two sessions still syncd's"
    after = user.raw()
    assert set(after) == set(before)
    assert after[sessions()[0].uid] == before[sessions()[0].uid], "the pin is untouched"
    assert sink.state.get("sink:caldav", "token") not in (None, bad)


def test_cyrus_expired_token_after_its_expiry_job(cyrus_server, tmp_path):
    s = settings_for(cyrus_server)
    user = User(cyrus_server, s)
    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    user.delete(sessions()[0].uid)
    # Cyrus's cyr_expire purges the tombstones: older tokens are then refused with
    # 403 DAV:valid-sync-token, as on Fastmail every few days.
    subprocess.run(["/usr/lib/cyrus/bin/cyr_expire", "-C", str(cyrus_server.root / "imapd.conf"),
                    "-X", "0", "-D", "0", "-E", "0"], check=True, capture_output=True,
                   user="cyrus")
    again = make_sink(s, tmp_path)
    pull, push = cycle(again, sessions())
    assert [(c.uid, c.pinned) for c in pull.changes] == [(sessions()[0].uid, False)]
    assert push.actions == []
    assert set(user.events()) == {x.uid for x in sessions()[1:]}
    pull, push = cycle(make_sink(s, tmp_path), sessions())
    assert (pull.actions, push.actions) == ([], [])


@pytest.mark.parametrize("answer", [
    # Nextcloud after a delete (its real status; body as Nextcloud sends it)
    (418, "application/xml", b'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:"'
     b' xmlns:s="http://sabredav.org/ns"><s:exception>Sabre\\DAV\\Exception\\'
     b'InvalidSyncToken</s:exception><s:message>Invalid sync token</s:message></d:error>'),
    # Baikal (SabreDAV 4): InvalidSyncToken is a 403 with DAV:valid-sync-token
    (403, "application/xml", b'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:"'
     b' xmlns:s="http://sabredav.org/ns"><s:sabredav-version>4.6.0</s:sabredav-version>'
     b"<s:exception>Sabre\\DAV\\Exception\\InvalidSyncToken</s:exception><s:message>Invalid "
     b"or unknown sync token</s:message><d:valid-sync-token/></d:error>"),
], ids=["nextcloud-418", "baikal-403"])
def test_replayed_token_rejections(radicale_server, tmp_path, answer):
    status, ctype, body = answer
    s = settings_for(radicale_server)

    def reject_tokens(method, path, headers, req):
        if method == "REPORT" and b"<D:sync-token></D:sync-token>" not in req \
                and b"sync-collection" in req:
            return status, {"Content-Type": ctype}, body
        return None

    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    User(radicale_server, s).move(sessions()[2].uid, 30)
    s2, proxy, _counter = proxied(radicale_server, s, reject_tokens)
    try:
        pull, push = cycle(make_sink(s2, tmp_path), sessions())
        assert [(c.uid, c.pinned) for c in pull.changes] == [(sessions()[2].uid, True)]
        assert push.actions == []
        assert len(User(radicale_server, s).events()) == 4
    finally:
        proxy.shutdown()


def test_uids_are_unique_per_installation(cyrus_server, tmp_path):
    """Cyrus refuses (403 unique-scheduling-object-resource) a UID that lives in another
    calendar of the account; two installations, or a fresh state, never collide, and a
    refused UID is replaced by a fresh one."""
    s = settings_for(cyrus_server)
    other = replace(s, name="Strength (laptop)")
    _, push = cycle(make_sink(s, tmp_path / "a"), sessions())
    _, push2 = cycle(make_sink(other, tmp_path / "b"), sessions())
    assert ops(push) == ops(push2) == [Op.CREATE] * 4
    uids_a = {str(o.icalendar_component["UID"]) for o in User(cyrus_server, s).events().values()}
    uids_b = {str(o.icalendar_component["UID"])
              for o in User(cyrus_server, other).events().values()}
    assert not uids_a & uids_b
    # A third state whose first UID is already taken in another calendar of the account.
    third = replace(s, name="Strength (phone)")
    taken = Records("caldav", State(tmp_path / "c")).event_uid(sessions()[0].uid)
    User(cyrus_server, other).calendar().add_event(
        User(cyrus_server, other).events()[sessions()[0].uid].data.replace(
            next(iter(uids_b & {u for u in uids_b if u.startswith("syncd-20261120")})), taken))
    _, push3 = cycle(make_sink(third, tmp_path / "c"), sessions())
    assert ops(push3) == [Op.CREATE] * 4, push3.warnings
    got = User(cyrus_server, third).events()
    assert set(got) == {x.uid for x in sessions()}
    assert str(got[sessions()[0].uid].icalendar_component["UID"]) != taken


def test_a_403_on_a_write_is_not_a_refused_login_and_heals(radicale_server, tmp_path):
    s = settings_for(radicale_server)
    refuse = {"on": True}

    def no_puts(method, path, headers, body):
        if method == "PUT" and refuse["on"]:
            return 403, {"Content-Type": "application/xml"}, (
                b'<?xml version="1.0"?><d:error xmlns:d="DAV:"><d:need-privileges/></d:error>')
        return None

    s, proxy, _ = proxied(radicale_server, s, no_puts)
    try:
        sink = make_sink(s, tmp_path)
        _pull, push = cycle(sink, sessions())
        assert push.actions == [], "nothing landed, nothing listed"
        assert len(push.warnings) == 4 and all("403" in w and "need-privileges" in w
                                               for w in push.warnings)
        refuse["on"] = False
        _, push = cycle(make_sink(s, tmp_path), sessions())
        assert ops(push) == [Op.CREATE] * 4
    finally:
        proxy.shutdown()


def test_digest_only_server(tmp_path):
    from tests.integration.servers import need, sabre

    need("sabre")
    server = sabre(tmp_path / "srv", auth="digest")
    server.start()
    try:
        s = settings_for(server)
        sink = make_sink(s, tmp_path / "state")
        _, push = cycle(sink, sessions())
        assert ops(push) == [Op.CREATE] * 4
        assert "digest" in (sink.state.get("caldav", "server:" + s.url.rstrip("/")) or "")
        again = make_sink(s, tmp_path / "state")
        pull, push = cycle(again, sessions())
        assert (pull.actions, push.actions) == ([], [])
        assert again.requests == 1
        with pytest.raises(AuthError) as info:
            make_sink(replace(settings_for(server), password=Secret("wrong", s.password.origin)),
                      tmp_path / "state2").pull(NOW)
        assert "refused the login" in str(info.value) and "wrong" not in str(info.value)
    finally:
        server.stop()


def test_calendar_deleted_by_the_user_is_made_again_and_refilled(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    user.delete(sessions()[3].uid)
    cycle(sink, sessions())  # declined: stays out after the refill too
    user.calendar().delete()
    pull, push = cycle(make_sink(s, tmp_path), sessions())
    assert any("deleted or replaced" in w for w in pull.warnings)
    assert ops(push) == [Op.CREATE] * 3
    assert set(user.events()) == {x.uid for x in sessions()[:3]}
    pull, push = cycle(make_sink(s, tmp_path), sessions())
    assert (pull.actions, push.actions, pull.warnings) == ([], [], [])


def test_calendar_recreated_by_the_user_is_refilled(caldav_server, tmp_path):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    sink = make_sink(s, tmp_path)
    cycle(sink, sessions())
    user.calendar().delete()
    import caldav

    caldav.DAVClient(url=caldav_server.url, username=s.username, password="pw",
                     auth_type="basic", enable_rfc6764=False, require_tls=False
                     ).principal().make_calendar(name=s.name)
    pull, push = cycle(make_sink(s, tmp_path), sessions())
    assert any("deleted or replaced" in w for w in pull.warnings)
    assert ops(push) == [Op.CREATE] * 4
    assert set(user.events()) == {x.uid for x in sessions()}


def test_status_says_the_calendar_was_replaced(radicale_server, tmp_path):
    from syncd.cycle import run_cycle
    from tests.integration.test_caldav_cycle import config_for

    s = settings_for(radicale_server)
    config = config_for(radicale_server, s.username, s.name, busy=s.name)
    config = replace(config, caldav=replace(config.caldav, busy_calendars=()))
    state = State(tmp_path)
    run_cycle(config, state, NOW)
    User(radicale_server, s).calendar().delete()
    run_cycle(config, state, NOW)
    comp = {c.name: c for c in state.components()}["sink:caldav"]
    assert "deleted or replaced" in (comp.detail or "")
    assert Path(tmp_path).exists()
