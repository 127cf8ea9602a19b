"""kill -9 at each step of each kind of write, against real servers, then a restart.

The crash is a BaseException raised around the real HTTP call (before it is sent, or after
the server answered but before syncd recorded the answer). A new engine on the same state
file must then converge: every planned session on the server once, nothing else of ours,
and a further cycle with nothing to do.
"""

from __future__ import annotations

import pytest

from syncd.sinks.sync import SyncEngine
from syncd.state import State
from tests.fakes import Crash, Crashing
from tests.integration.caldav_helpers import NOW, User, make_sink, sessions, settings_for

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("change", ["create", "update", "delete"])
def test_crash_then_restart_gives_no_duplicate_and_no_loss(caldav_server, tmp_path, change,
                                                           when):
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    first = make_sink(s, tmp_path)
    start = sessions(4)
    first.pull(NOW)
    first.push(start[:3] if change == "create" else start, NOW, dry_run=False)
    user.add_foreign("lunch@example.org", NOW.replace(hour=12))
    foreign = user.raw()["lunch@example.org"]
    target = {"create": start, "update": sessions(4, shift_min=45), "delete": start[:2]}[change]

    real = first.engine()
    crashing = Crashing(real.store, change, when)
    doomed = SyncEngine("caldav", crashing, State(tmp_path), "Europe/Berlin")
    try:
        doomed.pull(NOW)
        doomed.push(target, NOW, dry_run=False)
    except Crash:
        pass
    else:
        pytest.fail("never reached the crash point")

    restarted = make_sink(s, tmp_path)  # a new process
    pull = restarted.pull(NOW)
    restarted.push(target, NOW, dry_run=False)
    if (change, when) == ("create", "before"):
        # Never sent, but indistinguishable from "landed, then deleted by the user": declined.
        assert [(c.uid, c.pinned) for c in pull.changes] == [(target[3].uid, False)]
        target = target[:3]
    else:
        assert pull.changes == []
    events = user.events()
    assert set(events) == {x.uid for x in target} | {"lunch@example.org"}
    for x in target:
        assert events[x.uid].icalendar_component.decoded("DTSTART") == x.start
    assert user.raw()["lunch@example.org"] == foreign
    pull = restarted.pull(NOW)
    push = restarted.push(target, NOW, dry_run=False)
    assert (pull.actions, push.actions) == ([], [])


def test_crash_after_create_then_user_delete_stays_deleted(caldav_server, tmp_path):
    """The example Hypothesis found (issue 16), kept as a test on both servers."""
    s = settings_for(caldav_server)
    user = User(caldav_server, s)
    first = make_sink(s, tmp_path)
    start = sessions(4)
    first.pull(NOW)
    first.push(start[:3], NOW, dry_run=False)
    doomed = SyncEngine("caldav", Crashing(first.engine().store, "create", "after"),
                        State(tmp_path), "Europe/Berlin")
    with pytest.raises(Crash):
        doomed.pull(NOW)
        doomed.push(start, NOW, dry_run=False)
    assert start[3].uid in user.events(), "the create landed before the crash"
    user.delete(start[3].uid)
    restarted = make_sink(s, tmp_path)
    pull = restarted.pull(NOW)
    push = restarted.push(start, NOW, dry_run=False)
    assert [(c.uid, c.pinned) for c in pull.changes] == [(start[3].uid, False)]
    assert push.actions == []
    assert set(user.events()) == {x.uid for x in start[:3]}
    pull = restarted.pull(NOW)
    push = restarted.push(start, NOW, dry_run=False)
    assert (pull.actions, push.actions) == ([], [])
    assert start[3].uid not in user.events()
