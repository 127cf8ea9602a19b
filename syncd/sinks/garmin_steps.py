"""A planned session as a Garmin strength workout: the warm-up, then every exercise as sets.

Built only from the fields of ``syncd.model.Session`` and ``Exercise`` (the planner's
content may change; these fields are the contract), with the library's own step builders
(``garminconnect.workout``), then corrected to the shapes real read-backs show: every such
decision and its evidence lives in ``syncd.sinks.garmin_evidence``.

How a prescription becomes a step's end condition:

* ``"5"`` or ``"8-10"`` → reps (the lower bound); ``"6 each leg"`` → 12 reps, both sides;
  ``"10 steps each way"`` → 20 reps;
* ``"20 s"``, ``"30-45 s"`` → time; ``"20-30 s each side"`` → twice the time;
* ``"30 m each hand"`` → time at a carry's walking pace (no lap-button exercise step exists
  in any read-back); a dose with no number → a timed set of ``OPEN_DOSE_S``, text in the note;
* the load ``"100 kg (~75 % 1RM)"`` → the step's weight in kg; ``"~75 % of 1RM"`` stays a note.

Each set is followed by a rest step of ``rest_s`` (the watch counts it down). Two lifts the
planner pairs as a superset (each one's note says "alternate sets with" the other) share ONE
repeat group: A, B, then one rest of both rests added up, so the session's time is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from syncd.model import Exercise, Session
from syncd.planner.lifted import superset_blocks
from syncd.sinks.garmin_evidence import CARRY_M_PER_S, STRENGTH, warm_up_fields, weight_fields
from syncd.sinks.garmin_exercises import lookup

MARKER = "syncd"
FORMAT = 3  # bump when build_workout changes what it sends (2: shapes of real read-backs;
# 3: loads in lb sent in pounds)
NOTE_MAX = 512
OPEN_DOSE_S = 60
_DOSE = re.compile(r"^\s*(\d+)(?:\s*-\s*(\d+))?\s*(s|sec|min|m|steps?)?\b\s*(.*)$", re.I)
_WEIGHT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kg|lb)\b")
_MIN = re.compile(r"(\d+)(?:\s*-\s*\d+)?\s*min\b")


@dataclass(frozen=True)
class Dose:
    """How one set ends: ``reps`` or ``time`` (seconds)."""

    kind: str
    value: float
    note: str


def parse_dose(reps: str) -> Dose:
    m = _DOSE.match(reps)
    if m is None:
        return Dose("time", float(OPEN_DOSE_S), reps)
    low, unit, rest = int(m.group(1)), (m.group(3) or "").lower(), m.group(4).lower()
    both = 2 if rest.startswith("each") else 1
    if unit in ("s", "sec"):
        return Dose("time", float(low * both), reps)
    if unit == "min":
        return Dose("time", float(low * 60 * both), reps)
    if unit == "m":
        return Dose("time", float(round(low / CARRY_M_PER_S) * both), reps)
    return Dose("reps", float(low * both), reps)


def parse_weight(load: str) -> tuple[float, str] | None:
    """The load's figure and unit ("kg" or "lb", as athlete.units shows loads), or None."""
    m = _WEIGHT.match(load)
    return (float(m.group(1)), m.group(2)) if m else None


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


def exercise_step(e: Exercise, order: int) -> Any:
    """One set of one exercise, with its weight in kg as the watch shows it."""
    from garminconnect.workout import (
        ExecutableStep,
        create_strength_exercise_step,
        create_strength_timed_step,
    )

    (category, name), _exact = lookup(e.name, e.pattern)
    dose = parse_dose(e.reps)
    weight = parse_weight(e.load)
    plain = dose.kind == "reps" and "each" not in e.reps and "step" not in e.reps
    note = _note(e.name, "" if plain else e.reps, e.load if weight is None else "", e.note)
    if dose.kind == "time":
        step = create_strength_timed_step(category, order, dose.value, exercise_name=name,
                                          description=note)
    else:
        step = create_strength_exercise_step(category, order, max(1, int(dose.value)),
                                             exercise_name=name, description=note)
    if weight is None:
        return step
    data = step.model_dump(exclude_none=True)
    data.update(weight_fields(*weight))  # as shown, not the library's grams (garmin_evidence)
    return ExecutableStep(**data)


def block_steps(block: list[Exercise], order: int) -> tuple[list[Any], int]:
    """One exercise, or a superset, as repeat groups; returns them and the next step order.

    A superset's rounds are the smaller set count; a lift with more sets does the rest on
    its own after the superset."""
    from garminconnect.workout import create_repeat_group, create_strength_rest_step

    rounds = min(max(1, e.sets) for e in block)
    groups: list[Any] = []
    inner: list[Any] = [exercise_step(e, order + 1 + i) for i, e in enumerate(block)]
    rest = sum(e.rest_s for e in block)
    if rest > 0:
        inner.append(create_strength_rest_step(float(rest), order + 1 + len(block)))
    groups.append(create_repeat_group(rounds, inner, order, skip_last_rest_step=False))
    order += 1 + len(inner)
    for e in block:
        if max(1, e.sets) > rounds and len(block) > 1:
            more, order = block_steps([replace(e, sets=e.sets - rounds)], order)
            groups += more
    return groups, order


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
    data.update(warm_up_fields(),
                description=_note(s.warmup.split("\n", 1)[0].removeprefix("Warm-up: ")))
    steps: list[Any] = [ExecutableStep(**data)]
    order = 2
    for block in superset_blocks(s.exercises):
        groups, order = block_steps(block, order)
        steps += groups
    return StrengthWorkout(
        workoutName=workout_name(s),
        sportType=dict(STRENGTH),
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
                lifts = sum(1 for c in st["workoutSteps"] if c.get("category"))
                kind = " (superset)" if lifts > 1 else ""
                lines.append(f"{indent}{st['numberOfIterations']} sets{kind}:")
                walk(st["workoutSteps"], indent + "  ")
                continue
            key = st["stepType"]["stepTypeKey"]
            cond = st["endCondition"]["conditionTypeKey"]
            value = st.get("endConditionValue")
            end = "lap button" if value is None or cond not in ("reps", "time") else \
                f"{value:g} {'reps' if cond == 'reps' else 's'}"
            what = "/".join(p for p in (st.get("category"), st.get("exerciseName")) if p) \
                or key
            weight = st.get("weightValue")
            unit = "lb" if (st.get("weightUnit") or {}).get("unitKey") == "pound" else "kg"
            kg = f" @ {weight:g} {unit}" if weight else ""  # as shown (garmin_evidence)
            note = f"  ({st['description']})" if st.get("description") and key != "warmup" \
                else ""
            lines.append(f"{indent}{key:<8} {what}: {end}{kg}{note}")

    for seg in body.get("workoutSegments", []):
        walk(seg["workoutSteps"], "    ")
    return lines
