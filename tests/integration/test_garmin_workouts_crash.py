"""kill -9 before and after each workout call, through the real library, then a restart.

The crash is a BaseException raised around the real request (before it is sent, or after
Garmin answered but before syncd recorded the answer), at each request the sink makes. A
new sink on the same state (a new process) must converge: each planned session exactly
once on Garmin, scheduled once on its day, no orphan workout, the user's own workout
untouched, and then a cycle with no call at all.
"""

from __future__ import annotations

import pytest

from syncd.sinks.garmin_steps import is_ours
from tests.fakes import Crash
from tests.integration.fake_garmin_workouts import FakeWorkouts
from tests.integration.garmin_workouts_helpers import (
    NOW,
    CrashingApi,
    assert_converged,
    make_sink,
    moved,
    planned,
    real_client,
)

pytestmark = pytest.mark.integration

# (what changes, the call that dies): every call each kind of change makes.
STEPS = [
    ("create", "uploading a workout"),
    ("create", "scheduling a workout"),
    ("move", "reading a schedule"),
    ("move", "moving a schedule"),
    ("content", "reading a workout"),
    ("content", "updating a workout"),
    ("remove", "reading a workout"),
    ("remove", "unscheduling a workout"),
    ("remove", "deleting a workout"),
]


def _target(change: str):
    start = planned(4)
    if change == "create":
        return start[:2], start
    if change == "move":
        return start, moved(start, [1, 2], days=1)
    if change == "content":
        lighter = [s.__class__(**{**{f: getattr(s, f) for f in s.__slots__},
                                  "exercises": s.exercises[:-1]}) if i == 1 else s
                   for i, s in enumerate(start)]
        return start, lighter
    return start, start[:2]


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize(("change", "method"), STEPS)
def test_crash_then_restart_gives_no_duplicate_and_no_orphan(fake_garmin, tmp_path, change,
                                                             method, when):
    workouts = FakeWorkouts(fake_garmin)
    mine = workouts.user_creates("Leg day", "2026-11-25")
    snapshot = dict(workouts.workouts[mine])
    first, target = _target(change)
    make_sink(fake_garmin, tmp_path).push(first, NOW, dry_run=False)

    doomed = make_sink(fake_garmin, tmp_path,
                       api=CrashingApi(real_client(fake_garmin, tmp_path), method, when))
    with pytest.raises(Crash):
        doomed.push(target, NOW, dry_run=False)

    restarted = make_sink(fake_garmin, tmp_path)  # a new process
    restarted.pull(NOW)
    restarted.push(target, NOW, dry_run=False)
    assert_converged(workouts, target)
    assert workouts.workouts[mine] == snapshot
    if change == "content":
        body = next(b for b in workouts.workouts.values()
                    if is_ours(b["workoutName"], target[1].uid))
        groups = body["workoutSegments"][0]["workoutSteps"][1:]
        assert len(groups) == len(target[1].exercises), "the new content landed"
    before = len(workouts.calls)
    again = make_sink(fake_garmin, tmp_path)
    assert (again.pull(NOW).actions, again.push(target, NOW, dry_run=False).actions) == ([], [])
    assert len(workouts.calls) == before, "settled: the next cycle is quiet"
