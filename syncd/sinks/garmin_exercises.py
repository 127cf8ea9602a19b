"""The one table from syncd's exercise catalogue to Garmin's exercise ids.

A Garmin strength step needs both a ``category`` and an ``exerciseName`` from Garmin's own
picker (``garminconnect.exercises``): a step with a name and no category shows "Choose an
exercise" on the watch. Where Garmin has no exact match the closest movement is used and the
step's note keeps syncd's own name. A test checks every id here against the library's
catalogue and every name in ``syncd/planner/catalogue.toml`` against this table.

An exercise the table does not know yet (the catalogue grew) falls back on its movement
pattern's category with no exercise name (what Connect stores when only a category is picked,
``garmin_evidence``); ``lookup`` says when it did. A named exercise is preferred wherever one
fits; a category repeated as the name (PLYO/PLYO) is in no real read-back.
"""

from __future__ import annotations

# The table itself lives with the planner, which matches recorded sets against it
# (syncd.planner.lifted); it is imported here so the workout and the matching share one table.
from syncd.planner.garmin_ids import EXERCISES, GarminId

__all__ = ["BY_PATTERN", "EXERCISES", "FALLBACK", "WARM_UP", "GarminId", "lookup"]

WARM_UP: GarminId = ("CARDIO", "")  # the live dump's warm-up (garmin_evidence)


# By movement pattern (``Exercise.pattern``), for names the table does not list yet.
BY_PATTERN: dict[str, GarminId] = {
    "plyometrics": ("PLYO", ""),
    "squat": ("SQUAT", ""),
    "hinge": ("DEADLIFT", ""),
    "lunge/single-leg": ("LUNGE", ""),
    "ankle/calves": ("CALF_RAISE", ""),
    "hip extension": ("HIP_RAISE", ""),
    "pull": ("PULL_UP", ""),
    "push": ("PUSH_UP", ""),
    "carry/core": ("CARRY", ""),
    "core stabilisation": ("CORE", ""),
    "core": ("CORE", ""),
    "foundation": ("TOTAL_BODY", ""),
}
FALLBACK: GarminId = ("TOTAL_BODY", "")


def lookup(name: str, pattern: str = "") -> tuple[GarminId, bool]:
    """Garmin's (category, exerciseName) for one of our exercises; False if guessed."""
    if name in EXERCISES:
        return EXERCISES[name], True
    return BY_PATTERN.get(pattern, FALLBACK), False
