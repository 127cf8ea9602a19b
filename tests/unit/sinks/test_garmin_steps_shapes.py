"""The body the sink builds, against the shapes in syncd/sinks/garmin_evidence.py: weights in
kg, supersets as one repeat group (and a lift with more sets finishing on its own), the
warm-up in CARDIO, distance and step doses, never a lap-button exercise step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncd.model import Exercise, Session, SessionKind
from syncd.sinks.garmin_steps import describe, workout_json

T0 = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
PAIR = "superset: alternate sets with "


def session(*exercises: Exercise) -> Session:
    return Session("u@syncd", SessionKind.HEAVY, T0, T0 + timedelta(minutes=45),
                   title="Heavy strength · 45 min", warmup="Warm-up: 10 min easy cardio",
                   exercises=exercises)


def top(body):
    return body["workoutSegments"][0]["workoutSteps"]


def test_a_superset_with_unequal_sets_leaves_the_longer_lift_on_its_own():
    body = workout_json(session(
        Exercise("Back squat", "squat", 4, "5", "82.55 kg (~75 % 1RM)", 45, f"{PAIR}Dead bug"),
        Exercise("Dead bug", "core", 3, "8 each side", "bodyweight", 45, f"{PAIR}Back squat")))
    warm, pair, extra = top(body)
    assert (warm["category"], warm["exerciseName"]) == ("CARDIO", "")
    assert warm["endConditionValue"] == 600
    assert pair["numberOfIterations"] == 3
    assert [s.get("exerciseName") for s in pair["workoutSteps"]] == \
        ["BARBELL_BACK_SQUAT", "DEAD_BUG", None]
    assert pair["workoutSteps"][2]["endConditionValue"] == 90, "both rests, once"
    assert pair["workoutSteps"][0]["weightValue"] == 82.55, "kg with two decimals"
    assert extra["numberOfIterations"] == 1
    assert extra["workoutSteps"][0]["exerciseName"] == "BARBELL_BACK_SQUAT"
    orders = [s["stepOrder"] for g in top(body) for s in [g, *g.get("workoutSteps", [])]]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_lifts_that_merely_sit_next_to_each_other_are_no_superset():
    body = workout_json(session(Exercise("Back squat", "squat", 3, "5", "80 kg", 120),
                                Exercise("Dead bug", "core", 3, "8 each side", "", 45)))
    assert [g["numberOfIterations"] for g in top(body)[1:]] == [3, 3]
    assert all(len(g["workoutSteps"]) == 2 for g in top(body)[1:])


def test_carries_and_steps_are_timed_or_counted_never_the_lap_button():
    body = workout_json(session(
        Exercise("Suitcase carry", "carry/core", 3, "30 m each hand", "", 60),
        Exercise("Banded lateral walk", "foundation", 2, "10 steps each way", "", 30),
        Exercise("Something new", "", 2, "to failure", "", 30)))
    carry, walk, open_ = (g["workoutSteps"][0] for g in top(body)[1:])
    assert carry["endCondition"]["conditionTypeKey"] == "time"
    assert carry["endConditionValue"] == 60 and "30 m each hand" in carry["description"]
    assert walk["endCondition"]["conditionTypeKey"] == "reps" and walk["endConditionValue"] == 20
    assert open_["endCondition"]["conditionTypeKey"] == "time"
    assert (open_["category"], open_["exerciseName"]) == ("TOTAL_BODY", "")
    text = "\n".join(describe(body))
    assert "lap button" not in text and "TOTAL_BODY: 60 s" in text
