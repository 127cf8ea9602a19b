"""A Hypothesis state machine against the fake Garmin service through the real library: the
plan changes (moves, new content, sessions come and go), the user deletes or renames
workouts and keeps their own, syncd dies now and then at any workout call.

After every step: the user's own workouts exactly as they are, a renamed workout never
deleted, at most one syncd workout per session. After every complete cycle: each wanted
session the user did not delete is on the watch once, scheduled once, on its day, nothing
else of syncd's is left, and a further cycle makes no call.
"""

from __future__ import annotations

import contextlib
import copy
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from syncd.sinks.garmin_steps import is_ours
from tests.fakes import Crash
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.fake_garmin_workouts import FakeWorkouts
from tests.integration.garmin_workouts_helpers import (
    NOW,
    CrashingApi,
    local_day,
    make_sink,
    planned,
    real_client,
)

pytestmark = pytest.mark.integration

POOL = planned(6)
CALLS = ["uploading a workout", "scheduling a workout", "unscheduling a workout",
         "reading a workout", "updating a workout", "deleting a workout", "reading a schedule",
         "moving a schedule", "listing workouts", "reading the Garmin calendar"]


def build_machine(fake: FakeGarmin, root: Path) -> type[RuleBasedStateMachine]:
    class WatchMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            fake.extensions.clear()
            self.w = FakeWorkouts(fake)
            self.mine = self.w.user_creates("Leg day", local_day(POOL[0]))
            self.mine_body = copy.deepcopy(self.w.workouts[self.mine])
            self.state_dir = root / uuid.uuid4().hex
            write_tokens(self.state_dir)
            self.desired = {s.uid: s for s in POOL[:3]}
            self.deleted: set[str] = set()  # sessions whose workout the user deleted
            self.renamed: dict[int, str] = {}
            self.synced = False

        def _sessions(self):
            return sorted(self.desired.values(), key=lambda s: s.start)

        @rule(picks=st.sets(st.integers(0, 5), max_size=6),
              shift=st.sampled_from([0, 1, 2]), trim=st.booleans())
        def planner_changes(self, picks: set[int], shift: int, trim: bool) -> None:
            out = {}
            for i in sorted(picks):
                s = POOL[i]
                s = s.__class__(**{**{f: getattr(s, f) for f in s.__slots__},
                                   "start": s.start + timedelta(days=shift),
                                   "end": s.end + timedelta(days=shift),
                                   "exercises": s.exercises[:-1] if trim else s.exercises})
                out[s.uid] = s
            self.desired = out
            self.synced = False

        @rule()
        def sync(self) -> None:
            sink = make_sink(fake, self.state_dir)
            sink.pull(NOW)
            sink.push(self._sessions(), NOW, dry_run=False)
            self.synced = True

        @rule(call=st.sampled_from(CALLS), when=st.sampled_from(["before", "after"]))
        def crash(self, call: str, when: str) -> None:
            api = CrashingApi(real_client(fake, self.state_dir), call, when)
            sink = make_sink(fake, self.state_dir, api=api)
            with contextlib.suppress(Crash):
                sink.push(self._sessions(), NOW, dry_run=False)
            self.synced = False

        @rule(i=st.integers(0, 5))
        def user_deletes(self, i: int) -> None:
            uid = POOL[i].uid
            for wid, body in list(self.w.workouts.items()):
                if is_ours(body["workoutName"], uid):
                    self.w.user_delete(wid)
                    self.deleted.add(uid)
            self.synced = False

        @rule(i=st.integers(0, 5))
        def user_renames(self, i: int) -> None:
            uid = POOL[i].uid
            for wid, body in list(self.w.workouts.items()):
                if is_ours(body["workoutName"], uid):
                    self.w.user_rename(wid, f"My workout {i}")
                    self.renamed[wid] = f"My workout {i}"
                    self.deleted.add(uid)  # it is the user's now: syncd makes no other
            self.synced = False

        @invariant()
        def users_own_untouched(self) -> None:
            assert self.w.workouts.get(self.mine) == self.mine_body
            for wid, name in self.renamed.items():
                assert self.w.workouts[wid]["workoutName"] == name, "a renamed one stays"

        @invariant()
        def never_two_per_session(self) -> None:
            for s in POOL:
                mine = [b for b in self.w.workouts.values() if is_ours(b["workoutName"], s.uid)]
                assert len(mine) <= 1, s.uid

        @invariant()
        def after_a_cycle_the_watch_matches(self) -> None:
            if not self.synced:
                return
            ours = {wid: b for wid, b in self.w.workouts.items() if "[syncd " in b["workoutName"]}
            last = (NOW.date() + timedelta(days=14)).isoformat()
            window = [s for s in self.desired.values() if local_day(s) < last]
            expected = {s.uid for s in window} - self.deleted
            for s in window:
                found = [wid for wid, b in ours.items() if is_ours(b["workoutName"], s.uid)]
                if s.uid in expected:
                    assert len(found) == 1, s.uid
                    assert self.w.scheduled().get(found[0]) == [local_day(s)], s.uid
            assert len(ours) == len(expected), "an orphan is left"
            before = len(self.w.calls)
            again = make_sink(fake, self.state_dir)
            again.push(self._sessions(), NOW, dry_run=False)
            assert len(self.w.calls) == before, "a settled cycle makes no call"

    return WatchMachine


def test_watch_state_machine(fake_garmin, tmp_path):
    machine = build_machine(fake_garmin, tmp_path)
    run_state_machine_as_test(machine, settings=settings(max_examples=40,
                                                         stateful_step_count=12,
                                                         deadline=None))
