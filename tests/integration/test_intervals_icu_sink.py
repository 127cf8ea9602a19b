"""intervals.icu as a destination, over real HTTP against the local fake."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from syncd.errors import TransientError
from syncd.model import Exercise, Session, SessionKind
from syncd.sinks.base import Op
from syncd.sinks.intervals_icu import IntervalsIcuSink
from syncd.state import State
from tests.integration.fake_intervals_icu import FakeIntervals, serve
from tests.integration.intervals_fixtures import NOW, TZ, config


def session(n: int, day: int, hour: int = 18, kind: SessionKind = SessionKind.HEAVY) -> Session:
    start = datetime(2026, 12, day, hour, 0, tzinfo=TZ)
    return Session(uid=f"syncd-{n:04d}@syncd", kind=kind, start=start,
                   end=start + timedelta(minutes=45), title=f"Strength: {kind.value}",
                   warmup="5 min easy row",
                   exercises=(Exercise("Back squat", "squat", 4, "5", "80 kg", 180),))


PLAN = [session(1, 5), session(2, 8), session(3, 10, kind=SessionKind.LIGHT)]


@pytest.fixture
def fake():
    with serve(FakeIntervals()) as f:
        yield f


def cycle(sink: IntervalsIcuSink, plan: list[Session], now: datetime = NOW):
    pulled = sink.pull(now)
    pushed = sink.push(plan, now, dry_run=False)
    return pulled, pushed


def test_sessions_become_weight_training_workouts_then_quiet(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    cycle(sink, PLAN)
    assert fake.calls("POST") == 3 and fake.calls("GET") == 0  # no records yet: no listing
    ev = sorted(fake.events.values(), key=lambda e: e["start_date_local"])[0]
    assert (ev["category"], ev["type"], ev["start_date_local"], ev["moving_time"]) == (
        "WORKOUT", "WeightTraining", "2026-12-05T18:00:00", 2700)
    assert ev["external_id"] == "syncd:syncd-0001@syncd"
    assert "Back squat: 4 × 5" in ev["description"]
    before = len(fake.log)
    pulled, pushed = cycle(sink, PLAN, NOW + timedelta(minutes=15))
    assert len(fake.log) - before == 1  # one listing, nothing written
    assert not pushed.actions and not pulled.actions


def test_changed_plan_updates_and_removes_only_its_own(fake, tmp_path):
    mine = fake.add_event(category="WORKOUT", type="Run", name="My tempo",
                          start_date_local="2026-12-09T07:00:00", moving_time=3000)
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    cycle(sink, PLAN)
    moved = [replace(PLAN[0], start=PLAN[0].start + timedelta(hours=1),
                     end=PLAN[0].end + timedelta(hours=1)), PLAN[1]]
    _, pushed = cycle(sink, moved, NOW + timedelta(minutes=15))
    assert sorted(a.op for a in pushed.actions) == [Op.DELETE, Op.UPDATE]
    starts = sorted(e["start_date_local"] for e in fake.events.values()
                    if e.get("external_id"))
    assert starts == ["2026-12-05T19:00:00", "2026-12-08T18:00:00"]
    assert fake.events[mine["id"]] == mine  # the athlete's own workout untouched


def test_athlete_moves_one_and_deletes_another(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    cycle(sink, PLAN)
    by_uid = {e["external_id"][6:]: e for e in fake.events.values()}
    by_uid[PLAN[0].uid]["start_date_local"] = "2026-12-06T09:30:00"  # moved in the web UI
    del fake.events[by_uid[PLAN[1].uid]["id"]]  # deleted there
    pulled, pushed = cycle(sink, PLAN, NOW + timedelta(minutes=15))
    changes = {c.uid: c for c in pulled.changes}
    assert changes[PLAN[0].uid].pinned
    assert changes[PLAN[0].uid].start == datetime(2026, 12, 6, 9, 30, tzinfo=TZ)
    assert not changes[PLAN[1].uid].pinned
    assert not pushed.actions  # neither put back nor moved back
    assert fake.calls("POST") == 3 and fake.calls("PUT") == 0
    # Later plan changes leave them alone too.
    other = [replace(s, title="Strength: heavy (new)") for s in PLAN]
    _, pushed = cycle(sink, other, NOW + timedelta(minutes=30))
    assert [a.uid for a in pushed.actions] == [PLAN[2].uid]


def test_lost_reply_after_create_makes_no_duplicate(fake, tmp_path):
    state = State(tmp_path)
    sink = IntervalsIcuSink(config(fake.url), state, "Europe/Berlin")
    fake.drop_after_apply = True
    with pytest.raises(TransientError):
        cycle(sink, PLAN[:1])
    assert len(fake.events) == 1  # it landed; syncd does not know the id
    # A new process (a crash) reads the server before writing again.
    sink2 = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    pulled, pushed = cycle(sink2, PLAN[:1], NOW + timedelta(minutes=15))
    assert len(fake.events) == 1 and not pushed.actions and not pulled.changes
    assert sink2.records()[PLAN[0].uid].event_id == next(iter(fake.events))


def test_lost_reply_after_update_settles_without_pinning(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    cycle(sink, PLAN[:1])
    changed = [replace(PLAN[0], title="Strength: heavy (squat day)")]
    fake.drop_after_apply = True
    with pytest.raises(TransientError):
        cycle(sink, changed, NOW + timedelta(minutes=15))
    pulled, pushed = cycle(sink, changed, NOW + timedelta(minutes=30))
    assert not pulled.changes and not pushed.actions
    (ev,) = fake.events.values()
    assert ev["name"] == "Strength: heavy (squat day)"


def test_dry_run_writes_nothing(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    sink.pull(NOW)
    report = sink.push(PLAN, NOW, dry_run=True)
    assert [a.op for a in report.actions] == [Op.CREATE] * 3
    assert '"WeightTraining"' in report.details[0]
    assert fake.log == []


def test_empty_listing_freezes_writes(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    cycle(sink, PLAN)
    saved = dict(fake.events)
    fake.events.clear()  # a server that suddenly lists nothing
    pulled, pushed = cycle(sink, PLAN, NOW + timedelta(minutes=15))
    assert pulled.warnings and not pulled.changes and not pushed.actions
    fake.events.update(saved)
    pulled, pushed = cycle(sink, PLAN, NOW + timedelta(minutes=30))
    assert not pulled.changes and not pushed.actions


def test_429_on_listing_is_transient_with_retry_after(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    cycle(sink, PLAN)
    fake.faults = [(429, {"Retry-After": "60"})]
    with pytest.raises(TransientError) as info:
        sink.pull(NOW + timedelta(minutes=15))
    assert info.value.retry_after == 60.0


def test_past_sessions_cost_no_call_and_their_records_go_in_time(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    cycle(sink, PLAN)
    later = NOW + timedelta(days=18)  # all three sessions more than a week in the past
    calls = len(fake.log)
    pulled, pushed = cycle(sink, [], later)
    assert len(fake.log) == calls and not pulled.changes and not pushed.actions
    assert len(fake.events) == 3  # history stays on the athlete's calendar
    cycle(sink, [], NOW + timedelta(days=50))
    assert sink.records() == {}


def test_create_that_never_landed_is_made_once_next_cycle(fake, tmp_path):
    sink = IntervalsIcuSink(config(fake.url), State(tmp_path), "Europe/Berlin")
    fake.faults = [(502, {})]  # the POST is refused before anything is stored
    with pytest.raises(TransientError):
        cycle(sink, PLAN[:1])
    pending = sink.records()[PLAN[0].uid].pending
    assert pending is not None and pending["op"] == "create"  # the intent was recorded first
    pulled, pushed = cycle(sink, PLAN[:1], NOW + timedelta(minutes=15))
    assert [a.op for a in pushed.actions] == [Op.CREATE] and not pulled.changes
    assert len(fake.events) == 1


def test_sink_401_names_the_key(fake, tmp_path):
    from syncd.errors import AuthError

    sink = IntervalsIcuSink(config(fake.url, key="stale"), State(tmp_path), "Europe/Berlin")
    with pytest.raises(AuthError) as info:
        cycle(sink, PLAN[:1])
    assert "sources.intervals_icu.api_key" in str(info.value) and "stale" not in str(info.value)
    assert not fake.events
