"""`syncd doctor --garmin-workouts`: does Garmin store syncd's workout shapes as sent?

The shapes in ``syncd.sinks.garmin_evidence`` come from other projects' read-backs; this lets
a self-hoster check them on their own account. One small probe workout (never scheduled, so
it reaches no watch and no calendar; workouts are private to their owner) is uploaded with
the sink's own builder: a weighted lift, a superset, a timed set and a rest ended by the lap
button. It is read back, every field Garmin changed or dropped is named, and it is deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.config.loader import Config
from syncd.doctor import Check, failed, passed, skipped
from syncd.errors import SyncdError
from syncd.model import Exercise, Session, SessionKind

PROBE_NAME = "syncd probe: delete me"
MAX_NAMED = 12  # differences named on the line; the rest are counted


def probe_session() -> Session:
    """What the probe asks for, as a planned session (the sink's builder does the rest)."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    pair = "superset: alternate sets with "
    return Session(
        uid="syncd-doctor-probe@syncd", kind=SessionKind.HEAVY, start=start,
        end=start + timedelta(minutes=10), title="probe",
        warmup="Warm-up: 1 min", exercises=(
            Exercise("Back squat", "squat", 1, "5", "20 kg (probe)", 60, "weighted lift"),
            Exercise("Bulgarian split squat", "lunge/single-leg", 1, "6 each leg",
                     "16 kg", 30, f"{pair}Suitcase carry"),
            Exercise("Suitcase carry", "carry/core", 1, "20 s", "", 30,
                     f"{pair}Bulgarian split squat"),
            Exercise("Front plank", "core", 1, "20 s", "", 0, "timed set"),
        ))


def probe_workout() -> Any:
    """The probe as the library's model, with a final rest the lap button ends."""
    from garminconnect.workout import ExecutableStep, create_strength_rest_step

    from syncd.sinks.garmin_evidence import lap_button_fields
    from syncd.sinks.garmin_steps import build_workout

    workout = build_workout(probe_session())
    workout.workoutName = PROBE_NAME
    workout.description = "Uploaded by `syncd doctor --garmin-workouts`; it deletes it."
    steps = workout.workoutSegments[0].workoutSteps
    rest = create_strength_rest_step(0.0, _last_order(steps) + 1).model_dump(exclude_none=True)
    rest.update(lap_button_fields())
    steps.append(ExecutableStep(**rest))
    return workout


def _last_order(steps: list[Any]) -> int:
    top = 0
    for st in steps:
        top = max(top, st.stepOrder, _last_order(getattr(st, "workoutSteps", [])))
    return top


def differences(sent: Any, read: Any, path: str = "") -> list[str]:
    """Every field of ``sent`` that ``read`` lacks or holds another value in, by path.

    Fields Garmin adds (ids, dates) are not differences; 50 and 50.0 are the same number."""
    if isinstance(sent, dict):
        if not isinstance(read, dict):
            return [f"{path or 'body'}: sent an object, read back {_short(read)}"]
        out: list[str] = []
        for key, value in sent.items():
            where = f"{path}.{key}" if path else key
            if key not in read:
                if value not in (None, "", [], {}):
                    out.append(f"{where} dropped (sent {_short(value)})")
                continue
            out += differences(value, read[key], where)
        return out
    if isinstance(sent, list):
        if not isinstance(read, list):
            return [f"{path}: sent a list, read back {_short(read)}"]
        out = [f"{path}: sent {len(sent)} items, read back {len(read)}"] \
            if len(sent) != len(read) else []
        for i, (a, b) in enumerate(zip(sent, read, strict=False)):
            out += differences(a, b, f"{path}[{i}]")
        return out
    same = (sent == read and type(sent) is type(read)) or (
        isinstance(sent, (int, float)) and not isinstance(sent, bool)
        and isinstance(read, (int, float)) and not isinstance(read, bool)
        and float(sent) == float(read))
    return [] if same else [f"{path}: sent {_short(sent)}, read back {_short(read)}"]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_garmin_workouts(config: Config, state_dir: Path) -> Iterator[Check]:
    from syncd.sinks.garmin_calls import NotFound, WorkoutApi

    name = "garmin workouts"
    if config.garmin is None:
        yield skipped(name, "Garmin is not enabled")
        return
    workout = probe_workout()
    sent = workout.to_dict()
    workout_id: int | None = None
    try:
        api = WorkoutApi.connect(config.garmin.api_url, state_dir, datetime.now(UTC))
        workout_id = api.upload(workout)
        read = api.get(workout_id)
    except SyncdError as exc:
        yield failed(name, f"the probe workout could not be uploaded and read back: {exc}")
        return
    finally:
        if workout_id is not None:
            try:
                api.delete(workout_id)
            except (SyncdError, NotFound) as exc:
                yield failed(f"{name} cleanup", f"delete the workout {PROBE_NAME!r} "
                             f"(id {workout_id}) in Garmin Connect by hand: {exc}")
    found = differences(sent, read)
    if not found:
        yield passed(name, "Garmin stored the probe (weighted lift, superset, timed set, "
                     "lap-button rest) exactly as sent; deleted it")
        return
    named = "; ".join(found[:MAX_NAMED])
    more = f"; and {len(found) - MAX_NAMED} more" if len(found) > MAX_NAMED else ""
    yield failed(name, f"Garmin changed {len(found)} field(s) of the probe (deleted it): "
                 f"{named}{more}. Report this: syncd's shapes (syncd/sinks/garmin_evidence.py)"
                 " need the change")
