"""Every shape decision of a Garmin strength workout, in one place, each with its evidence.

syncd cannot reach Garmin from its tests, so each field it sends follows what public projects
recorded when they read a real workout back (GET /workout-service/workout/{id}); the sources
are summarised in ``/work/shared/notes/garmin-workouts.md`` ("the note" below). The fake
service (``tests/integration/fake_garmin_workouts.py``) refuses, from its own reading of the
note (an independent oracle), every shape no read-back shows, and
``syncd doctor --garmin-workouts`` lets a self-hoster check the same choices on their own
account.

Each decision, then its evidence:

* sportType strength_training, id 5, displayOrder 4: DarthWixon/fit ``docs/STRENGTH_PLAN.md``
  (a live dump); Taxuspt/garmin_mcp PRs #54, #94.
* One repeat group per exercise: exercise + rest, ``skipLastRestStep`` false: the same dump;
  philippevezina/spotter-mcp ``src/spotter/garmin/workouts.py`` (its workouts reach watches).
* A superset is ONE repeat group: A, B, then one rest: garmin-connect-cli scripts and test
  fixtures that model supersets.
* Weight in kilograms as shown (``50.0``), weightUnit kilogram ``{8, factor 1000.0}``: the
  DarthWixon dump (``50.0``, ``16``); spotter-mcp ``docs/decisions.md``: grams are accepted
  but the watch then shows no weight. garminconnect's helper sends grams (its PR #380 test),
  with no live read-back behind it, so syncd overrides it.
* Warm-up: stepType warmup, category CARDIO, exerciseName "": the DarthWixon dump; no
  reference uses WARM_UP/WARM_UP.
* A category without a fitting exercise: exerciseName "": the DarthWixon dump; no reference
  repeats the category as the name (PLYO/PLYO is not in the FIT SDK's name lists either).
* The lap button only on REST steps, with an inert value (0.0): read-backs show
  ``{1, lap.button}`` on rest steps with 10.0 or 0.0, and on no exercise step.
* A distance ("30 m each hand") becomes a timed set (``{2, time}``, seconds, as garminconnect's
  ``create_strength_timed_step``) walked at ``CARRY_M_PER_S``; the note keeps the distance.
  Counted steps ("10 steps each way") are reps (``{10, reps}``, the dump). A dose with no
  number ("to failure") is a timed set with the text in the note: no read-back shows an
  open-ended exercise step.
"""

from __future__ import annotations

from typing import Any

# sportType as the live dump shows it (DarthWixon/fit).
STRENGTH: dict[str, Any] = {"sportTypeId": 5, "sportTypeKey": "strength_training",
                            "displayOrder": 4}
# weightUnit as the live dump shows it; weightValue is the kg figure itself (see the table).
WEIGHT_UNIT: dict[str, Any] = {"unitId": 8, "unitKey": "kilogram", "factor": 1000.0}
# A load in pounds (athlete.units = "lb") is sent as the pound figure with the pound unit, the
# way public workout builders send it and a hand-built workout was reported to round-trip
# (value kept, ~0.002 lb of float noise): {unitId 9, pound, factor 453.59237 g per lb}.
POUND_UNIT: dict[str, Any] = {"unitId": 9, "unitKey": "pound", "factor": 453.59237}
UNITS: dict[str, dict[str, Any]] = {"kg": WEIGHT_UNIT, "lb": POUND_UNIT}
# Heavier than any lift a runner prescribes: a weightValue above it is grams sent by mistake.
MAX_KG = 500.0
# The warm-up step: stepType warmup (1), category CARDIO with no exercise name (the dump).
WARM_UP_CATEGORY = "CARDIO"
# The lap button as real read-backs show it: on a REST step, with an inert value.
LAP_BUTTON: dict[str, Any] = {"conditionTypeId": 1, "conditionTypeKey": "lap.button",
                              "displayOrder": 1, "displayable": True}
LAP_BUTTON_VALUE = 0.0
LAP_BUTTON_STEP_TYPES = ("rest",)
# A loaded carry's walking pace, to turn "30 m" into a timed set (no lap-button exercise step).
CARRY_M_PER_S = 1.0
# Category-only ids no read-back repeats as an exerciseName (the note: not in the FIT SDK's
# exercise-name lists either). A category-only pick is sent as (category, "").
NOT_AN_EXERCISE_NAME = frozenset({"PLYO", "CARRY", "CALF_RAISE", "CORE", "TOTAL_BODY",
                                  "DEADLIFT", "WARM_UP"})


def weight_fields(value: float, unit: str = "kg") -> dict[str, Any]:
    """The weight of a step as the watch shows it: the figure in the athlete's unit (kg or
    lb) with two decimals, and that unit."""
    return {"weightValue": round(float(value), 2), "weightUnit": dict(UNITS[unit])}


def warm_up_fields() -> dict[str, Any]:
    return {"category": WARM_UP_CATEGORY, "exerciseName": ""}


def lap_button_fields() -> dict[str, Any]:
    return {"endCondition": dict(LAP_BUTTON), "endConditionValue": LAP_BUTTON_VALUE}


def exercise_id(category: str, name: str) -> tuple[str, str]:
    """A category-only pick is (category, ""), never the category repeated as the name."""
    return (category, "") if name == category and category in NOT_AN_EXERCISE_NAME \
        else (category, name)
