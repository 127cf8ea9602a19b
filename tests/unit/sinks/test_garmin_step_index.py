"""The planner's wktStepIndex table (``step_exercises``) against the workout the sink really
builds, flattened in FIT workout-step order (a repeat step after the steps it repeats)."""

from __future__ import annotations

from typing import Any

import pytest

from syncd.planner.lifted import step_exercises
from syncd.sinks.garmin_steps import workout_json
from tests.integration.garmin_workouts_helpers import planned


def fit_order(body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(steps: list[dict[str, Any]]) -> None:
        for st in steps:
            if st["type"] == "RepeatGroupDTO":
                walk(st["workoutSteps"])
            out.append(st)

    walk(body["workoutSegments"][0]["workoutSteps"])
    return out


@pytest.mark.parametrize("index", range(8))
def test_step_indices_name_the_exercise_the_watch_showed(index):
    session = planned(8)[index]
    flat = fit_order(workout_json(session))
    built = {i: st["description"].split(";")[0] for i, st in enumerate(flat)
             if st["type"] == "ExecutableStepDTO" and st["stepType"]["stepTypeKey"] == "interval"}
    assert step_exercises(session) == built
    assert flat[0]["stepType"]["stepTypeKey"] == "warmup", "index 0 is the warm-up"
