"""The sync engine's rails, on an in-memory store: crashes, 412s, garbage, the empty guard."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from syncd.model import SessionStatus
from syncd.sinks.base import Op
from syncd.sinks.sync import SyncEngine
from syncd.state import State
from tests.fakes import Crash, Crashing, MemoryStore
from tests.integration.caldav_helpers import NOW, session_uid, sessions


def engine(store, path: Path) -> SyncEngine:
    return SyncEngine("caldav", store, State(path), "Europe/Berlin")


def run(eng: SyncEngine, desired, now=NOW):
    return eng.pull(now), eng.push(desired, now, dry_run=False)


def ours(store: MemoryStore) -> dict[str, str]:
    from icalendar import Calendar

    out = {}
    for _href, (_, text) in store.items.items():
        for ev in Calendar.from_ical(text).walk("VEVENT"):
            uid = session_uid(str(ev["UID"]))
            assert uid not in out, f"duplicate {uid}"
            out[uid] = str(ev["DTSTART"].to_ical())
    return out


# (what the crashed cycle does, the store call it dies around)
SCENARIOS = [
    ("create", "create"), ("update", "update"), ("delete", "delete"),
    ("create", "poll"), ("update", "fetch"),
]


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("change, method", SCENARIOS)
def test_crash_at_any_step_then_restart_converges(tmp_path, change, method, when):
    store = MemoryStore()
    start = sessions(4)
    run(engine(store, tmp_path), start[:3] if change == "create" else start)
    if change == "create":
        target = start
    elif change == "update":
        target = sessions(4, shift_min=30)
    else:
        target = start[:2]
    if method == "fetch":
        # make the crashed cycle need a fetch: the server re-serialised one event
        href = href_of(store, start[0].uid)
        _etag, text = store.items[href]
        store.items[href] = ('"reserialised"', text)
    crashing = Crashing(store, method, when)
    try:
        run(engine(crashing, tmp_path), target)
    except Crash:
        pass
    else:
        pytest.fail("the scenario never reached its crash point")
    assert crashing.calls >= 1
    restarted = engine(store, tmp_path)  # a new process: new connection, same state file
    pull, _ = run(restarted, target)
    if (change, method, when) == ("create", "create", "before"):
        # The create never left, but nothing can tell that from "landed, then the user
        # deleted it": it counts as declined (the planner places the session elsewhere).
        assert [(c.uid, c.pinned) for c in pull.changes] == [(target[3].uid, False)]
        target = target[:3]
    else:
        assert pull.changes == []
    assert ours(store) == {s.uid: ours_dtstart(s) for s in target}
    pull, push = run(restarted, target)
    assert (pull.actions, push.actions) == ([], []), "converged: nothing left to do"


def href_of(store: MemoryStore, uid: str) -> str:
    """The href of the event syncd wrote for session ``uid``."""
    from icalendar import Calendar

    found = [h for h, (_, text) in store.items.items()
             if any(session_uid(str(e["UID"])) == uid for e in Calendar.from_ical(text).walk(
                 "VEVENT"))]
    assert len(found) == 1, found
    return found[0]


def ours_dtstart(s) -> str:
    from syncd.sinks.events import to_event
    from tests.helpers import TZ

    return str(to_event(s, TZ, sequence=0, stamp=NOW)["DTSTART"].to_ical())


def test_412_on_update_never_overwrites(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    eng.pull(NOW)
    href = href_of(store, sessions()[0].uid)
    user_text = store.items[href][1].replace("Heavy strength", "Mine")
    store.user_put(href, user_text)
    push = eng.push(sessions(shift_min=30), NOW, dry_run=False)
    assert store.items[href][1] == user_text
    assert any("changed on the server meanwhile" in w for w in push.warnings)
    pull, push = run(eng, sessions(shift_min=30))
    assert [c.uid for c in pull.changes if c.pinned] == [sessions()[0].uid]
    assert store.items[href][1] == user_text


def test_reserialised_event_is_not_a_user_edit(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    href = href_of(store, sessions()[1].uid)
    _etag, text = store.items[href]
    # the same fields, other bytes: a server re-serialising or an alarm acknowledged
    store.user_put(href, text.replace("PRODID:-//syncd//syncd//EN", "PRODID:-//server//EN"))
    pull, push = run(eng, sessions())
    assert pull.changes == [] and push.actions == []


def test_garbage_from_the_server_is_skipped_with_a_warning(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    href = href_of(store, sessions()[2].uid)
    store.user_put(href, "this is not iCalendar")
    pull, push = run(eng, sessions(shift_min=30))
    assert any("not a readable event" in w for w in pull.warnings)
    assert all(a.op is not Op.DELETE for a in push.actions)
    assert store.items[href][1] == "this is not iCalendar", "left alone"


def test_empty_calendar_guard(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    store.items.clear()
    eng.state.put("sink:caldav", "token", None)  # a full listing, as after a server reset
    pull, push = run(eng, sessions())
    assert pull.changes == [] and push.actions == []
    assert any("lists none of syncd's 4 events" in w for w in pull.warnings)


def test_session_pinned_in_the_plan_is_never_written(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    s = sessions()
    run(eng, s)
    pinned = [replace(s[0], status=SessionStatus.PINNED), *s[1:]]
    _, push = run(eng, pinned)
    assert push.actions == []


def test_traffic_budget(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    before = store.requests
    run(eng, sessions())
    assert store.requests - before == 1
    before = store.requests
    run(eng, sessions(shift_min=15)[:2] + sessions()[2:])
    assert store.requests - before <= 2 + 2
    before = store.requests
    run(eng, sessions(shift_min=15)[:2] + sessions()[2:])
    assert store.requests - before == 1


def test_user_delete_of_a_just_created_event_is_seen(tmp_path):
    # The diffing token would hide a create-then-delete: the engine must move past its writes.
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    store.user_delete(href_of(store, sessions()[3].uid))
    pull, push = run(eng, sessions())
    assert [(c.uid, c.pinned) for c in pull.changes] == [(sessions()[3].uid, False)]
    assert push.actions == []


def test_crash_after_create_then_user_deletes_it_stays_deleted(tmp_path):
    # Hypothesis found this (issue 16): the create landed, the process died before recording
    # it, the user deleted the event, and the next sync put it back.
    store = MemoryStore()
    start = sessions(4)
    run(engine(store, tmp_path), start[:3])
    crashing = Crashing(store, "create", "after")
    with pytest.raises(Crash):
        run(engine(crashing, tmp_path), start)
    store.user_delete(href_of(store, start[3].uid))
    restarted = engine(store, tmp_path)
    pull, push = run(restarted, start)
    assert [(c.uid, c.pinned) for c in pull.changes] == [(start[3].uid, False)]
    assert push.actions == []
    assert set(ours(store)) == {s.uid for s in start[:3]}
    pull, push = run(restarted, start)
    assert (pull.changes, push.actions) == ([], [])


def test_crash_after_create_then_user_edits_it_is_pinned(tmp_path):
    store = MemoryStore()
    start = sessions(2)
    run(engine(store, tmp_path), start[:1])
    with pytest.raises(Crash):
        run(engine(Crashing(store, "create", "after"), tmp_path), start)
    href = href_of(store, start[1].uid)
    store.user_put(href, store.items[href][1].replace("Core", "Core with Sam"))
    pull, push = run(engine(store, tmp_path), start)
    assert [(c.uid, c.pinned) for c in pull.changes] == [(start[1].uid, True)]
    assert push.actions == [] and "Core with Sam" in store.items[href][1]


def test_create_refused_or_never_sent_is_tried_again(tmp_path):
    from syncd.errors import TransientError
    from syncd.sinks.caldav_store import Unanswered

    class Refusing(MemoryStore):
        error: type[Exception] = TransientError

        def create(self, href: str, ics: str) -> str | None:
            if self.error is not None:
                raise self.error("no")
            return super().create(href, ics)

    store = Refusing()
    with pytest.raises(TransientError):
        run(engine(store, tmp_path), sessions(1))
    store.error = None  # type: ignore[assignment]
    pull, push = run(engine(store, tmp_path), sessions(1))
    assert pull.changes == [] and [a.op for a in push.actions] == [Op.CREATE]
    # No answer at all: it may have landed, so the server is read before anything else is
    # written; not there, it is written again at the same place, never declined.
    store2 = Refusing()
    store2.error = Unanswered
    with pytest.raises(Unanswered):
        run(engine(store2, tmp_path / "b"), sessions(1))
    assert store2.items == {}
    store2.error = None  # type: ignore[assignment]
    eng = engine(store2, tmp_path / "b")
    href = next(iter(eng.items().values())).href
    before = store2.requests
    pull = eng.pull(NOW)
    assert store2.requests - before == 2, "one poll, one fetch of the unknown create"
    assert pull.changes == []
    push = eng.push(sessions(1), NOW, dry_run=False)
    assert [a.op for a in push.actions] == [Op.CREATE] and list(store2.items) == [href]


def test_a_delete_only_happens_to_future_sessions(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    later = sessions()[1].end + timedelta(hours=1)
    _pull, push = run(eng, [], now=later)
    deleted = [a.uid for a in push.actions if a.op is Op.DELETE]
    assert deleted == [s.uid for s in sessions()[2:]]


def test_written_events_remember_their_start_and_older_rows_still_resolve(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions())
    starts = dict(eng.state.db.execute("SELECT uid, start FROM sink_items").fetchall())
    assert starts == {s.uid: s.start.isoformat() for s in sessions()}
    # A row written before the start column existed falls back to its stored body.
    eng.state.db.execute("UPDATE sink_items SET start=NULL WHERE uid=?", (sessions()[0].uid,))
    later = sessions()[1].end + timedelta(hours=1)
    _, push = run(eng, [], now=later)
    assert [a.uid for a in push.actions if a.op is Op.DELETE] == [s.uid for s in sessions()[2:]]


def test_events_written_before_event_uids_keep_their_session_uid(tmp_path):
    """Rows from before schema 4 have no event UID: their events carry the session's UID,
    and an update keeps it (a new UID would be a new event in the user's calendar)."""
    from icalendar import Calendar

    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions(1))
    href = href_of(store, sessions(1)[0].uid)
    old_text = store.items[href][1].replace(
        str(next(iter(Calendar.from_ical(store.items[href][1]).walk("VEVENT")))["UID"]),
        sessions(1)[0].uid)
    store.user_put(href, old_text)  # as an older syncd wrote it
    eng.state.db.execute("UPDATE sink_items SET remote_uid=NULL, etag=?",
                         (store.items[href][0],))
    pull, push = run(engine(store, tmp_path), sessions(1, shift_min=30))
    assert pull.changes == [] and [a.op for a in push.actions] == [Op.UPDATE]
    ev = next(iter(Calendar.from_ical(store.items[href][1]).walk("VEVENT")))
    assert str(ev["UID"]) == sessions(1)[0].uid


def test_event_uids_are_per_installation_and_never_reused(tmp_path):
    from syncd.sinks.sync_items import Records

    a = Records("caldav", State(tmp_path / "a"))
    b = Records("caldav", State(tmp_path / "b"))
    uid = "syncd-20261124-1@syncd"
    assert a.event_uid(uid) == a.event_uid(uid), "stable within an installation"
    assert a.event_uid(uid) != b.event_uid(uid)
    assert a.event_uid(uid).startswith("syncd-20261124-1-") and a.event_uid(uid).endswith(
        "@syncd")
    first = a.event_uid(uid)
    a.retire(first)
    assert a.event_uid(uid) != first
    assert a.event_uid(uid, fresh=True) not in (first, a.event_uid(uid))
    assert first == f"syncd-20261124-1-{State(tmp_path / 'a').get('install', 'uid_tag')}@syncd"


def test_a_fresh_state_adopts_and_reads_a_foreign_event_only_once(tmp_path):
    store = MemoryStore()
    run(engine(store, tmp_path / "a"), sessions(3))
    store.user_put("/cal/dentist.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n"
                   "BEGIN:VEVENT\r\nUID:syncd-20261121-1@syncd\r\nDTSTAMP:20261120T000000Z\r\n"
                   "DTSTART:20261125T170000Z\r\nDTEND:20261125T180000Z\r\nSUMMARY:Dentist\r\n"
                   "END:VEVENT\r\nEND:VCALENDAR\r\n")
    before = dict(store.items)
    fresh = engine(store, tmp_path / "b")
    pull, push = run(fresh, sessions(3))
    assert len(pull.adopted) == 3 and push.actions == []
    assert store.items == before, "nothing written, the look-alike untouched"
    store.requests = 0
    fresh.pull(NOW)
    assert store.requests == 1, "a quiet cycle: one poll; the foreign event is not read again"


def test_a_create_answered_without_etag_is_done_only_once_the_server_shows_it(tmp_path):
    class Silent(MemoryStore):
        store_it = True

        def create(self, href: str, ics: str) -> str | None:
            if self.store_it:
                super().create(href, ics)
            return None

    from syncd.sinks.caldav_store import InDoubt

    store = Silent()
    run(engine(store, tmp_path), sessions(1))
    item = next(iter(engine(store, tmp_path).items().values()))
    assert item.state == "synced" and item.etag == next(iter(store.items.values()))[0]
    lying = Silent()
    lying.store_it = False
    with pytest.raises(InDoubt):
        run(engine(lying, tmp_path / "b"), sessions(1))
    assert {it.state for it in engine(lying, tmp_path / "b").items().values()} == {"doubt"}
    lying.store_it = True
    pull, _push = run(engine(lying, tmp_path / "b"), sessions(1))
    assert pull.changes == [] and len(lying.items) == 1


def test_an_event_written_before_the_markers_is_rewritten_once_with_them(tmp_path):
    store = MemoryStore()
    eng = engine(store, tmp_path)
    run(eng, sessions(1))
    href = next(iter(store.items))
    bare = "\r\n".join(ln for ln in store.items[href][1].split("\r\n")
                       if not ln.startswith(("X-SYNCD-SESSION", "X-SYNCD-HASH")))
    store.items[href] = (store.items[href][0], bare)  # as an older syncd wrote it
    with eng.state.transaction():
        eng.state.db.execute("UPDATE sink_items SET body=?", (bare,))
    _pull, push = run(eng, sessions(1))
    assert [a.op for a in push.actions] == [Op.UPDATE]
    assert "X-SYNCD-SESSION" in store.items[href][1]
    _pull, push = run(eng, sessions(1))
    assert push.actions == [], "once"
