"""The Garmin workouts sink through the real garminconnect library against the fake service.

The fake keeps each workout exactly as the library sent it; the tests read it back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncd.errors import TransientError
from syncd.model import SessionStatus
from syncd.sinks.base import Op
from syncd.sinks.garmin_steps import is_ours
from syncd.sources.garmin_client import login_with_tokens, token_path
from tests.integration.fake_garmin_workouts import NOT_NAMES, FakeWorkouts, catalogue
from tests.integration.garmin_workouts_helpers import (
    NOW,
    assert_converged,
    local_day,
    make_sink,
    moved,
    planned,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def workouts(fake_garmin) -> FakeWorkouts:
    return FakeWorkouts(fake_garmin)


def _executable(body):
    out = []

    def walk(steps, sets):
        for st in steps:
            if st["type"] == "RepeatGroupDTO":
                walk(st["workoutSteps"], st["numberOfIterations"])
            else:
                out.append((st, sets))

    walk(body["workoutSegments"][0]["workoutSteps"], 1)
    return out


def test_each_session_becomes_a_workout_with_every_exercise(fake_garmin, workouts, tmp_path):
    sessions = planned(4)
    sink = make_sink(fake_garmin, tmp_path)
    report = sink.push(sessions, NOW, dry_run=False)
    assert [a.op for a in report.actions] == [Op.CREATE] * 4
    assert len(workouts.calls) == 8, "one upload and one schedule per session"
    assert_converged(workouts, sessions)
    known = catalogue()
    for s in sessions:
        body = next(b for b in workouts.workouts.values() if is_ours(b["workoutName"], s.uid))
        assert body["sportType"]["sportTypeKey"] == "strength_training"
        steps = _executable(body)
        warm = steps[0][0]
        assert warm["stepType"]["stepTypeKey"] == "warmup"
        assert warm["endCondition"]["conditionTypeKey"] == "time"
        assert warm["endConditionValue"] > 0
        work = [(st, n) for st, n in steps if st["stepType"]["stepTypeKey"] == "interval"]
        assert len(work) == len(s.exercises), "every exercise is a step"
        for (st, sets), ex in zip(work, s.exercises, strict=True):
            assert st["category"]
            assert st["exerciseName"] == "" or (st["category"], st["exerciseName"]) in known
            assert st["exerciseName"] not in NOT_NAMES, "no X/X category-only id"
            assert sets == ex.sets
            assert ex.name in st["description"]
        assert warm["category"] == "CARDIO" and warm["exerciseName"] == ""
        assert "stepId" in warm, "kept as Garmin keeps it"


def test_end_conditions_and_loads_read_back(fake_garmin, workouts, tmp_path):
    heavy = planned(1)[0]
    squat = next(e for e in heavy.exercises if e.name == "Back squat")
    assert squat.load.startswith("80 kg"), "100 kg 1RM at the build phase's 80 %"
    make_sink(fake_garmin, tmp_path).push([heavy], NOW, dry_run=False)
    body = next(iter(workouts.workouts.values()))
    by_name = {st["description"].split(";")[0]: st for st, _ in _executable(body)
               if st["stepType"]["stepTypeKey"] == "interval"}
    sq = by_name["Back squat"]
    assert (sq["category"], sq["exerciseName"]) == ("SQUAT", "BARBELL_BACK_SQUAT")
    assert sq["endCondition"]["conditionTypeKey"] == "reps" and sq["endConditionValue"] == 5
    assert sq["weightValue"] == 80.0, "kg as the watch shows it, not grams"
    assert sq["weightUnit"] == {"unitId": 8, "unitKey": "kilogram", "factor": 1000.0}
    plyo = by_name["Pogo hops"]  # "3 × 20 s": timed
    assert plyo["endCondition"]["conditionTypeKey"] == "time"
    assert plyo["endConditionValue"] == 20
    single = next(st for n, st in by_name.items() if n == "Bulgarian split squat")
    assert single["endConditionValue"] == 12, "6 each leg = 12 reps"
    assert "weightValue" not in single


def test_a_load_in_pounds_goes_to_the_watch_in_pounds(fake_garmin, workouts, tmp_path):
    """athlete.units = "lb" (issue 23): the squat's 175 lb reaches the watch as 175 with
    the pound unit, read back through the library; a kg figure is never guessed from it."""
    from dataclasses import replace

    from syncd.planner.catalogue import default_catalogue
    from syncd.planner.content import session_content

    heavy = planned(1)[0]
    content = session_content(heavy.kind, default_catalogue(), rotation=0, level=0,
                              one_rep_max={"back_squat": 220.0}, plyometrics=True,
                              phase="build", minutes=60, units="lb")
    heavy = replace(heavy, exercises=content.exercises)
    squat = next(e for e in heavy.exercises if e.name == "Back squat")
    assert squat.load.startswith("175 lb"), squat.load  # 80 % of 220, to 5 lb
    make_sink(fake_garmin, tmp_path).push([heavy], NOW, dry_run=False)
    (wid,) = workouts.workouts
    api = login_with_tokens(fake_garmin.url, token_path(tmp_path))
    body = api.get_workout_by_id(wid)
    sq = next(st for st, _ in _executable(body)
              if st.get("description", "").startswith("Back squat"))
    assert sq["weightValue"] == 175.0
    assert sq["weightUnit"] == {"unitId": 9, "unitKey": "pound", "factor": 453.59237}


def test_quiet_cycle_makes_no_call(fake_garmin, workouts, tmp_path):
    sessions = planned(4)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    before = len(workouts.calls)
    for hours in range(0, 48, 6):  # a new process each cycle, time passing
        sink = make_sink(fake_garmin, tmp_path)
        sink.pull(NOW + timedelta(hours=hours))
        report = sink.push(sessions, NOW + timedelta(hours=hours), dry_run=False)
        assert report.actions == []
    assert len(workouts.calls) == before


def test_a_moved_session_is_rescheduled_with_two_calls(fake_garmin, workouts, tmp_path):
    sessions = planned(4)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    ids = set(workouts.workouts)
    before = len(workouts.calls)
    later = moved(sessions, [1], days=1)
    report = make_sink(fake_garmin, tmp_path).push(later, NOW, dry_run=False)
    assert [a.op for a in report.actions] == [Op.UPDATE]
    calls = workouts.calls[before:]
    assert [m for m, _ in calls] == ["GET", "PUT"], calls
    assert set(workouts.workouts) == ids, "the same workout, rescheduled"
    assert_converged(workouts, later)


def test_a_session_moved_within_its_day_costs_nothing(fake_garmin, workouts, tmp_path):
    sessions = planned(2)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    before = len(workouts.calls)
    later = [s.__class__(**{**{f: getattr(s, f) for f in s.__slots__},
                            "start": s.start - timedelta(hours=2),
                            "end": s.end - timedelta(hours=2)}) for s in sessions]
    make_sink(fake_garmin, tmp_path).push(later, NOW, dry_run=False)
    assert len(workouts.calls) == before


def test_a_session_that_disappears_is_unscheduled_and_deleted(fake_garmin, workouts, tmp_path):
    sessions = planned(4)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    report = make_sink(fake_garmin, tmp_path).push(sessions[:2], NOW, dry_run=False)
    assert [a.op for a in report.actions] == [Op.DELETE, Op.DELETE]
    assert_converged(workouts, sessions[:2])


def test_only_the_next_fourteen_days_are_on_the_watch(fake_garmin, workouts, tmp_path):
    sessions = planned(12, every_days=2)  # 24 days of sessions
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    last = (NOW.date() + timedelta(days=14)).isoformat()
    near = [s for s in sessions if local_day(s) < last]
    assert 0 < len(near) < len(sessions)
    assert_converged(workouts, near)
    # A week later the window has moved: new ones come, past ones stay as history.
    week = NOW + timedelta(days=7)
    make_sink(fake_garmin, tmp_path).push(sessions, week, dry_run=False)
    last = (week.date() + timedelta(days=14)).isoformat()
    assert len(workouts.workouts) == len([s for s in sessions if local_day(s) < last])


def test_done_and_past_sessions_are_left_alone(fake_garmin, workouts, tmp_path):
    sessions = planned(2)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    before = (dict(workouts.workouts), len(workouts.calls))
    after_first = sessions[0].end + timedelta(hours=1)
    done = [sessions[0].__class__(**{**{f: getattr(sessions[0], f)
                                        for f in sessions[0].__slots__},
                                     "status": SessionStatus.DONE}), sessions[1]]
    make_sink(fake_garmin, tmp_path).push(done, after_first, dry_run=False)
    assert (dict(workouts.workouts), len(workouts.calls)) == before


def test_a_workout_the_user_deleted_is_not_put_back(fake_garmin, workouts, tmp_path):
    sessions = planned(3)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    victim = next(wid for wid, b in workouts.workouts.items()
                  if is_ours(b["workoutName"], sessions[1].uid))
    workouts.user_delete(victim)
    report = make_sink(fake_garmin, tmp_path).push(moved(sessions, [1]), NOW, dry_run=False)
    assert Op.DECLINE in [a.op for a in report.actions]
    assert not [b for b in workouts.workouts.values()
                if is_ours(b["workoutName"], sessions[1].uid)]
    before = len(workouts.calls)
    for days in (2, 3):
        make_sink(fake_garmin, tmp_path).push(moved(sessions, [1], days), NOW, dry_run=False)
    assert len(workouts.calls) == before, "declined: never written again"
    assert len(workouts.workouts) == 2


def test_a_renamed_workout_is_the_users_never_moved_changed_or_deleted(fake_garmin, workouts,
                                                                       tmp_path):
    sessions = planned(2)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    wid = next(w for w, b in workouts.workouts.items() if is_ours(b["workoutName"],
                                                                 sessions[0].uid))
    workouts.user_rename(wid, "Mine now")
    report = make_sink(fake_garmin, tmp_path).push(moved(sessions, [0]), NOW, dry_run=False)
    assert workouts.scheduled()[wid] == [local_day(sessions[0])], "left on the user's day"
    assert any("renamed" in w for w in report.warnings)
    before = len(workouts.calls)
    make_sink(fake_garmin, tmp_path).push(moved(sessions, [0], 2), NOW, dry_run=False)
    make_sink(fake_garmin, tmp_path).push(sessions[1:], NOW, dry_run=False)
    assert len(workouts.calls) == before, "the user's now: never read again"
    assert workouts.workouts[wid]["workoutName"] == "Mine now"
    assert workouts.scheduled()[wid] == [local_day(sessions[0])]


def test_the_users_own_workouts_are_never_touched(fake_garmin, workouts, tmp_path):
    mine = workouts.user_creates("Leg day", local_day(planned(1)[0]))
    snapshot = dict(workouts.workouts[mine])
    sessions = planned(4)
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    make_sink(fake_garmin, tmp_path).push(moved(sessions[:2], [0]), NOW, dry_run=False)
    make_sink(fake_garmin, tmp_path).push([], NOW, dry_run=False)
    assert workouts.workouts == {mine: snapshot}
    touched = [p for _, p in workouts.calls if p.endswith(f"/{mine}")]
    assert touched == [], "not even read"


def test_dry_run_prints_the_workouts_and_sends_nothing(fake_garmin, workouts, tmp_path):
    sessions = planned(2)
    report = make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=True)
    assert workouts.calls == [] and len(report.actions) == 2
    text = "\n".join(report.details)
    assert "SQUAT/BARBELL_BACK_SQUAT: 5 reps @ 80 kg" in text
    assert "CARDIO:" in text and "WARM_UP" not in text and "rest" in text
    assert "3 sets (superset):" in text


def test_a_failing_garmin_heals(fake_garmin, workouts, tmp_path):
    sessions = planned(3)
    fake_garmin.mode = "500"
    with pytest.raises(TransientError):
        make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    fake_garmin.mode = None
    for _ in range(3):
        make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    assert_converged(workouts, sessions)


def test_never_more_workouts_than_a_watch_holds(fake_garmin, workouts, tmp_path):
    from syncd.sinks.garmin_workouts import WATCH_HOLDS

    sessions = planned(40, every_days=0)  # far more than a watch holds, all ahead
    make_sink(fake_garmin, tmp_path).push(sessions, NOW, dry_run=False)
    assert len(workouts.workouts) == WATCH_HOLDS < 30
    assert_converged(workouts, sorted(sessions, key=lambda s: s.start)[:WATCH_HOLDS])


def test_a_workout_garmin_refuses_is_one_clear_line(fake_garmin, workouts, tmp_path):
    from syncd.errors import SyncdError

    workouts._known.discard(("SQUAT", "BARBELL_BACK_SQUAT"))  # as if Garmin dropped an id
    with pytest.raises(SyncdError) as err:
        make_sink(fake_garmin, tmp_path).push(planned(1), NOW, dry_run=False)
    assert not isinstance(err.value, TransientError), "the same request would fail again"
    assert "refused the request while uploading a workout (400: unknown exercise " \
           "SQUAT/BARBELL_BACK_SQUAT)" in str(err.value)


@pytest.mark.parametrize("local", ["2027-03-28T00:30", "2027-03-28T03:30", "2027-10-31T00:30",
                                   "2027-10-31T23:30"])
def test_the_day_is_the_athletes_local_day_around_dst(fake_garmin, workouts, tmp_path, local):
    from dataclasses import replace
    from datetime import datetime

    from tests.helpers import TZ

    start = datetime.fromisoformat(local).replace(tzinfo=TZ)
    s = replace(planned(1)[0], start=start, end=start + timedelta(minutes=45))
    now = start - timedelta(days=2)
    make_sink(fake_garmin, tmp_path).push([s], now, dry_run=False)
    assert list(workouts.scheduled().values()) == [[local[:10]]]
