"""The workout shapes real read-backs show, through the real garminconnect against the fake.

The fake refuses what no read-back shows (its own reading of
/work/shared/notes/garmin-workouts.md); each body is read back with the library's
``get_workout_by_id``, as the watch would get it. The doctor's probe runs against it too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.context import Context
from syncd.doctor import run_doctor
from syncd.doctor.garmin_probe import PROBE_NAME, differences, probe_workout
from syncd.sinks.garmin_calls import WorkoutApi
from syncd.sinks.garmin_steps import build_workout
from syncd.sources.garmin_client import login_with_tokens, token_path
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.fake_garmin_workouts import DROP, FakeWorkouts
from tests.integration.garmin_workouts_helpers import NOW, planned
from tests.integration.test_doctor import garmin_config, lines, syncd

pytestmark = pytest.mark.integration


@pytest.fixture
def workouts(fake_garmin: FakeGarmin) -> FakeWorkouts:
    return FakeWorkouts(fake_garmin)


@pytest.fixture
def api(fake_garmin: FakeGarmin, tmp_path: Path) -> WorkoutApi:
    write_tokens(tmp_path)
    return WorkoutApi(login_with_tokens(fake_garmin.url, token_path(tmp_path), now=NOW))


def _groups(body: dict) -> list[dict]:
    return [st for st in body["workoutSegments"][0]["workoutSteps"]
            if st["type"] == "RepeatGroupDTO"]


def test_a_superset_is_one_repeat_group_read_back_through_the_library(workouts, api):
    heavy = planned(1)[0]
    wid = api.upload(build_workout(heavy))
    body = api.get(wid)  # the library's GET, the fake's stored body
    pair = next(g for g in _groups(body) if sum(1 for s in g["workoutSteps"]
                                                 if s.get("category")) == 2)
    kinds = [s["stepType"]["stepTypeKey"] for s in pair["workoutSteps"]]
    assert kinds == ["interval", "interval", "rest"], "A, B, then one rest"
    names = [s["exerciseName"] for s in pair["workoutSteps"][:2]]
    assert names == ["BARBELL_BACK_SQUAT", "FARMERS_WALK"]
    squat, carry = heavy.exercises[1], heavy.exercises[2]
    assert pair["numberOfIterations"] == squat.sets == carry.sets
    assert pair["workoutSteps"][2]["endConditionValue"] == squat.rest_s + carry.rest_s
    assert pair["skipLastRestStep"] is False
    assert pair["workoutSteps"][0]["weightValue"] == 80.0
    warm = body["workoutSegments"][0]["workoutSteps"][0]
    assert (warm["category"], warm["exerciseName"]) == ("CARDIO", "")
    assert body["sportType"]["sportTypeKey"] == "strength_training"


def _with(body: dict, path: tuple, **fields: object) -> dict:
    step = body["workoutSegments"][0]["workoutSteps"]
    for i in path[:-1]:
        step = step[i]["workoutSteps"]
    step[path[-1]].update(fields)
    return body


@pytest.mark.parametrize(("change", "says"), [
    ({"weightValue": 80000.0}, "not kilograms"),
    ({"category": "PLYO", "exerciseName": "PLYO"}, "category-only"),
    ({"exerciseName": "NOT_A_GARMIN_LIFT"}, "unknown exercise"),
    ({"category": None}, "without its category"),
    ({"endCondition": {"conditionTypeId": 1, "conditionTypeKey": "lap.button"},
      "endConditionValue": None}, "lap button"),
    ({"weightUnit": {"unitId": 99, "unitKey": "stone"}}, "kilogram or pound"),
    ({"weightValue": 80000.0, "weightUnit": {"unitId": 9, "unitKey": "pound",
                                             "factor": 453.59237}}, "not pounds"),
])
def test_the_fake_refuses_shapes_no_read_back_shows(workouts, fake_garmin, api, change, says):
    """Sent through the library as the old sink sent them; the fake answers 400."""
    body = _with(build_workout(planned(1)[0]).to_dict(), (2, 0), **change)
    with pytest.raises(Exception) as caught:
        api.client.upload_workout(body)
    assert "400" in str(caught.value) or says in str(caught.value)
    assert workouts.workouts == {}
    assert says in workouts.refusals[-1]


def test_the_fake_refuses_the_old_warm_up(workouts, api):
    body = _with(build_workout(planned(1)[0]).to_dict(), (0,), category="WARM_UP",
                 exerciseName="WARM_UP")
    with pytest.raises(Exception):  # noqa: B017 - the library's own HTTP error
        api.client.upload_workout(body)
    assert "warm-up" in workouts.refusals[-1]


def test_every_planned_session_is_accepted(workouts, api):
    for s in planned(8):
        api.upload(build_workout(s))
    assert len(workouts.workouts) == 8 and workouts.refusals == []


def test_the_probe_holds_every_shape_it_is_meant_to_prove():
    body = probe_workout().to_dict()
    steps = body["workoutSegments"][0]["workoutSteps"]
    flat = [c for st in steps for c in (st.get("workoutSteps") or [st])]
    assert any(c.get("weightValue") == 20.0 for c in flat), "a weighted lift"
    assert any(sum(1 for c in st.get("workoutSteps", []) if c.get("category")) == 2
               for st in steps), "a superset"
    assert any(c.get("category") and c["endCondition"]["conditionTypeKey"] == "time"
               for c in flat), "a timed set"
    lap = steps[-1]
    assert lap["stepType"]["stepTypeKey"] == "rest"
    assert lap["endCondition"]["conditionTypeKey"] == "lap.button"
    orders = [c["stepOrder"] for st in steps for c in [st, *st.get("workoutSteps", [])]]
    assert len(orders) == len(set(orders)), "step orders unique"
    assert body["workoutName"] == PROBE_NAME


def test_differences_name_changed_and_dropped_fields_only():
    sent = {"a": 1, "b": {"c": 50, "d": "x"}, "e": [1, 2], "f": None}
    read = {"a": 1.0, "b": {"c": 50000.0}, "e": [1, 3], "id": 7}
    found = differences(sent, read)
    assert found == ["b.c: sent 50, read back 50000.0", "b.d dropped (sent 'x')",
                     "e[1]: sent 2, read back 3"]


def test_doctor_probe_passes_when_garmin_keeps_the_shapes(tmp_path, fake_garmin, workouts):
    state = tmp_path / "state"
    write_tokens(state)
    config = garmin_config(tmp_path, fake_garmin)
    proc = syncd(config, state, "doctor", "--no-write", "--garmin-workouts")
    found = lines(proc.stdout)
    assert "stored the probe" in found["garmin workouts"], proc.stdout + proc.stderr
    assert proc.returncode == 0
    posts = [p for m, p in workouts.calls if m == "POST"]
    deletes = [p for m, p in workouts.calls if m == "DELETE"]
    assert len(posts) == 1 and len(deletes) == 1 and workouts.workouts == {}
    assert not any("schedule" in p for _, p in workouts.calls), "never on a calendar"


def test_doctor_probe_names_what_garmin_changed_or_dropped(tmp_path, fake_garmin, workouts):
    state = tmp_path / "state"
    write_tokens(state)
    config = garmin_config(tmp_path, fake_garmin)
    workouts.quirks = {"weightValue": 20000.0, "description": DROP}
    out: list[str] = []
    run_doctor(Context(str(config), str(state), None, 0), out.append, write_probe=False,
               garmin_workouts=True)
    line = lines("\n".join(out))["garmin workouts"]
    assert line.startswith("FAIL"), line
    assert "weightValue: sent 20.0, read back 20000.0" in line
    assert "description dropped" in line
    assert workouts.workouts == {}, "deleted even so"


def test_doctor_probe_refused_is_one_line_and_leaves_nothing(tmp_path, fake_garmin,
                                                            workouts):
    state = tmp_path / "state"
    write_tokens(state)
    fake_garmin.mode = "500"
    proc = syncd(garmin_config(tmp_path, fake_garmin), state, "doctor", "--no-write",
                 "--garmin-workouts")
    assert "Traceback" not in proc.stderr
    assert proc.returncode != 0 and workouts.workouts == {}
    assert lines(proc.stdout)["garmin workouts"].startswith("FAIL")
