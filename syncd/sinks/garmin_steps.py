"""A planned session as a Garmin strength workout: the warm-up, then every exercise as sets.

Built only from the fields of ``syncd.model.Session`` and ``Exercise`` (the planner's
content may change; these fields are the contract), with the library's own step builders
(``garminconnect.workout``) so the JSON is exactly what garminconnect sends.

How a prescription becomes a step's end condition:

* ``"5"`` or ``"8-10"`` → reps (the lower bound); ``"6 each leg"`` → 12 reps, both sides;
* ``"20 s"``, ``"30-45 s"`` → time; ``"20-30 s each side"`` → twice the time;
* ``"30 m each hand"``, ``"10 steps each way"`` → the lap button (no counter on the watch);
* the load ``"100 kg (~75 % 1RM)"`` → the step's weight; ``"~75 % of 1RM"`` stays a note.

Each set is followed by a rest step of ``rest_s`` (the watch counts it down).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from syncd.model import Exercise, Session
from syncd.sinks.garmin_exercises import WARM_UP, lookup

MARKER = "syncd"
FORMAT = 1  # bump when build_workout changes what it sends
STRENGTH = {"sportTypeId": 5, "sportTypeKey": "strength_training", "displayOrder": 5}
LAP_BUTTON = {"conditionTypeId": 1, "conditionTypeKey": "lap.button", "displayOrder": 1,
              "displayable": True}
NOTE_MAX = 512
_DOSE = re.compile(r"^\s*(\d+)(?:\s*-\s*(\d+))?\s*(s|sec|min|m|steps?)?\b\s*(.*)$", re.I)
_KG = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*kg\b")
_MIN = re.compile(r"(\d+)(?:\s*-\s*\d+)?\s*min\b")


@dataclass(frozen=True)
class Dose:
    """How one set ends: ``reps`` or ``time`` (seconds) or ``lap`` (press lap)."""

    kind: str
    value: float
    note: str


def parse_dose(reps: str) -> Dose:
    m = _DOSE.match(reps)
    if m is None:
        return Dose("lap", 0.0, reps)
    low, unit, rest = int(m.group(1)), (m.group(3) or "").lower(), m.group(4).lower()
    both = 2 if rest.startswith("each") else 1
    if unit in ("s", "sec"):
        return Dose("time", float(low * both), reps)
    if unit == "min":
        return Dose("time", float(low * 60 * both), reps)
    if unit in ("m", "step", "steps"):
        return Dose("lap", 0.0, reps)
    return Dose("reps", float(low * both), reps)


def parse_load_kg(load: str) -> float | None:
    m = _KG.match(load)
    return float(m.group(1)) if m else None


def warmup_seconds(text: str) -> int:
    """Minutes named in the warm-up text ("10 min ... then 5-7 min") added up; 5 min if none."""
    first = text.split("\n", 1)[0]  # later lines may name the whole session's time
    minutes = sum(int(x) for x in _MIN.findall(first))
    return min(minutes or 5, 30) * 60


def session_tag(uid: str) -> str:
    """A short, stable id in the workout's name: how syncd knows its own after a crash."""
    return hashlib.sha256(uid.encode()).hexdigest()[:6]


def workout_name(s: Session) -> str:
    base = s.title.split(" · ")[0] or s.kind.value.title()
    return f"{base} [{MARKER} {session_tag(s.uid)}]"


def is_ours(name: object, uid: str) -> bool:
    return isinstance(name, str) and name.endswith(f"[{MARKER} {session_tag(uid)}]")


def _note(*parts: str) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text[:NOTE_MAX] or None


def exercise_steps(e: Exercise, order: int) -> tuple[Any, int]:
    """One exercise as a repeat group of (set, rest); returns it and the next step order."""
    from garminconnect.workout import (
        ExecutableStep,
        create_repeat_group,
        create_strength_exercise_step,
        create_strength_rest_step,
        create_strength_timed_step,
    )

    (category, name), _exact = lookup(e.name, e.pattern)
    dose = parse_dose(e.reps)
    weight = parse_load_kg(e.load)
    note = _note(e.name, e.reps if dose.kind != "reps" or "each" in e.reps else "",
                 e.load if weight is None else "", e.note)
    if dose.kind == "time":
        step = create_strength_timed_step(category, order + 1, dose.value, exercise_name=name,
                                          weight_kg=weight, description=note)
    else:
        step = create_strength_exercise_step(category, order + 1, max(1, int(dose.value)),
                                             exercise_name=name, weight_kg=weight,
                                             description=note)
        if dose.kind == "lap":
            data = step.model_dump(exclude_none=True)
            data.update(endCondition=dict(LAP_BUTTON), endConditionValue=None)
            step = ExecutableStep(**data)
    inner: list[Any] = [step]
    if e.rest_s > 0:
        inner.append(create_strength_rest_step(float(e.rest_s), order + 2))
    group = create_repeat_group(max(1, e.sets), inner, order, skip_last_rest_step=False)
    return group, order + 1 + len(inner)


def build_workout(s: Session) -> Any:
    """The ``StrengthWorkout`` the library uploads for one session."""
    from garminconnect.workout import (
        ExecutableStep,
        StrengthWorkout,
        WorkoutSegment,
        create_warmup_step,
    )

    warm = create_warmup_step(float(warmup_seconds(s.warmup)), step_order=1)
    data = warm.model_dump(exclude_none=True)
    data.update(category=WARM_UP[0], exerciseName=WARM_UP[1],
                description=_note(s.warmup.split("\n", 1)[0].removeprefix("Warm-up: ")))
    steps: list[Any] = [ExecutableStep(**data)]
    order = 2
    for e in s.exercises:
        group, order = exercise_steps(e, order)
        steps.append(group)
    return StrengthWorkout(
        workoutName=workout_name(s),
        estimatedDurationInSecs=max(60, s.duration_min * 60),
        description="Planned by syncd around your runs; the calendar event says why.",
        workoutSegments=[WorkoutSegment(segmentOrder=1, sportType=dict(STRENGTH),
                                        workoutSteps=steps)],
    )


def workout_json(s: Session) -> dict[str, Any]:
    return dict(build_workout(s).to_dict())


def content_hash(s: Session) -> str:
    """What the watch shows of a session, hashed: the same hash means no update is needed.

    Taken from the session's fields and the exercise table, not from the built workout, so
    a quiet cycle does not import the library's models. The date is left out: a move is a
    reschedule, not a new workout. ``FORMAT`` changes whenever ``build_workout`` does."""
    parts = [FORMAT, workout_name(s), s.warmup, s.duration_min,
             [[e.name, e.pattern, e.sets, e.reps, e.load, e.rest_s, e.note,
               lookup(e.name, e.pattern)[0]] for e in s.exercises]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def describe(body: dict[str, Any]) -> list[str]:
    """The workout as the watch lists it, one line a step (for ``--dry-run``)."""
    lines: list[str] = []

    def walk(steps: list[dict[str, Any]], indent: str) -> None:
        for st in steps:
            if st.get("type") == "RepeatGroupDTO":
                lines.append(f"{indent}{st['numberOfIterations']} sets:")
                walk(st["workoutSteps"], indent + "  ")
                continue
            key = st["stepType"]["stepTypeKey"]
            cond = st["endCondition"]["conditionTypeKey"]
            value = st.get("endConditionValue")
            end = "lap button" if value is None or cond not in ("reps", "time") else \
                f"{value:g} {'reps' if cond == 'reps' else 's'}"
            what = f"{st.get('category', '')}/{st.get('exerciseName', '')}" \
                if st.get("category") else key
            weight = st.get("weightValue")
            kg = f" @ {weight / 1000:g} kg" if weight else ""
            note = f"  ({st['description']})" if st.get("description") and key != "warmup" \
                else ""
            lines.append(f"{indent}{key:<8} {what}: {end}{kg}{note}")

    for seg in body.get("workoutSegments", []):
        walk(seg["workoutSteps"], "    ")
    return lines
