"""The sets a watch recorded in a strength activity, from Garmin's exerciseSets answer.

GET /activity-service/activity/{id}/exerciseSets (garminconnect's
``get_activity_exercise_sets``) answers, as public projects recorded it
(/work/shared/notes/garmin-workouts.md, "What the watch recorded"):
``{"activityId", "exerciseSets": [{"messageIndex", "setType": "ACTIVE" | "REST",
"startTime": "2026-08-07T14:25:06.0", "duration", "repetitionCount" | null,
"weight": 80000.0 | null, "wktStepIndex" | null, "exercises": [{"category", "name"?,
"probability"}]}]}``; ``exerciseSets`` may be null (an activity without sets).

Weight here is in GRAMS (80000.0 is 80 kg), unlike a workout step's weightValue. The answer
is hostile until bounded: at most ``MAX_SETS`` sets and ``MAX_GUESSES`` guesses a set, ids
of at most 64 plain characters, numbers finite and in range; anything else is dropped, not
guessed at. Sets are kept as compact dicts in the state (``to_rows``/``from_rows``).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from syncd.model import ExerciseGuess, LiftedSet

MAX_SETS = 300
MAX_GUESSES = 10
MAX_REPS = 1000
MAX_GRAMS = 1_000_000.0  # a tonne: anything heavier is not a set
_ID = re.compile(r"^[A-Z0-9_]{1,64}$")


def _number(value: Any, top: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and 0 <= value <= top else None


def _ident(value: Any) -> str | None:
    return value if isinstance(value, str) and _ID.match(value) else None


def _start(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _guesses(items: Any) -> tuple[ExerciseGuess, ...]:
    out = []
    for item in items[:MAX_GUESSES] if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        category = _ident(item.get("category"))
        probability = _number(item.get("probability"), 100.0)
        if category is None or probability is None:
            continue
        out.append(ExerciseGuess(category, _ident(item.get("name")) or "", probability))
    return tuple(out)


def parse_exercise_sets(body: Any) -> tuple[LiftedSet, ...]:
    """The sets of one answer, in the order recorded; () for anything unreadable."""
    rows = body.get("exerciseSets") if isinstance(body, dict) else None
    out: list[LiftedSet] = []
    for row in rows[:MAX_SETS] if isinstance(rows, list) else ():
        if not isinstance(row, dict) or row.get("setType") not in ("ACTIVE", "REST"):
            continue
        reps = _number(row.get("repetitionCount"), MAX_REPS)
        grams = _number(row.get("weight"), MAX_GRAMS)
        step = _number(row.get("wktStepIndex"), 10_000)
        out.append(LiftedSet(
            active=row["setType"] == "ACTIVE",
            reps=int(reps) if reps is not None else None,
            weight_kg=round(grams / 1000, 3) if grams else None,
            step_index=int(step) if step is not None else None,
            start=_start(row.get("startTime")),
            guesses=_guesses(row.get("exercises"))))
    return tuple(out)


def to_rows(sets: tuple[LiftedSet, ...]) -> list[dict[str, Any]]:
    return [{"a": s.active, "r": s.reps, "w": s.weight_kg, "i": s.step_index,
             "t": s.start.isoformat() if s.start else None,
             "g": [[g.category, g.name, g.probability] for g in s.guesses]} for s in sets]


def from_rows(rows: Any) -> tuple[LiftedSet, ...]:
    """The sets kept in the state; a row that is not what ``to_rows`` wrote is dropped."""
    out = []
    for row in rows if isinstance(rows, list) else ():
        try:
            out.append(LiftedSet(bool(row["a"]), row["r"], row["w"], row["i"],
                                 datetime.fromisoformat(row["t"]) if row["t"] else None,
                                 tuple(ExerciseGuess(c, n, float(p)) for c, n, p in row["g"])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(out)
