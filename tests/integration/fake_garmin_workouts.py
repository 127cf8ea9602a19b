"""The workout service of the fake Garmin Connect: workouts, schedules, the calendar month.

It takes the workout JSON exactly as garminconnect sends it and keeps it as sent (plus the
ids and dates Garmin adds), so tests read back what the watch would get. It refuses every
shape no real read-back shows (/work/shared/notes/garmin-workouts.md, read here on its own,
not through syncd's code): an exercise without its category or not in Garmin's catalogue
(``garminconnect.exercises``), a category repeated as the name (PLYO/PLYO), a warm-up outside
CARDIO, a weight that is not kilograms as shown (80000.0 for 80 kg), the lap button on
anything but a rest step. ``quirks`` lets a test make it change or drop fields on storing,
as the doctor's probe must notice. It also plays the user:
deleting or renaming a workout in Garmin Connect, adding their own.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from typing import Any

from werkzeug import Request, Response

from tests.integration.fake_garmin import FakeGarmin

OWNER = 90_001
WORKOUT = re.compile(r"^/workout-service/workout/(\d+)$")
SCHEDULE = re.compile(r"^/workout-service/schedule/(\d+)$")
DROP = object()
MONTH = re.compile(r"^/calendar-service/year/(\d{4})/month/(\d{1,2})$")


# From the note: category-only ids that no read-back repeats as the exercise name.
NOT_NAMES = {"PLYO", "CARRY", "CALF_RAISE", "CORE", "TOTAL_BODY", "DEADLIFT", "WARM_UP"}
STEP_KEYS = {"warmup", "interval", "rest"}


def catalogue() -> set[tuple[str, str]]:
    from garminconnect import exercises

    return {(e["category"], e["exercise"]) for e in exercises.EXERCISES}


def categories() -> set[str]:
    from garminconnect import exercises

    return set(exercises.CATEGORIES)


def step_problem(step: dict[str, Any], known: set[tuple[str, str]],
                 cats: set[str]) -> str | None:
    """Why no real read-back would show this executable step, or None."""
    kind = (step.get("stepType") or {}).get("stepTypeKey")
    cond = (step.get("endCondition") or {}).get("conditionTypeKey")
    cat, name = step.get("category"), step.get("exerciseName")
    if kind not in STEP_KEYS:
        return f"unknown step type {kind!r}"
    if cond == "lap.button":
        if kind != "rest":
            return f"no read-back shows a {kind} step ended by the lap button"
    elif cond not in ("time", "reps") or not isinstance(step.get("endConditionValue"),
                                                          (int, float)):
        return f"a {kind} step needs a time or reps end condition with a value"
    if name and not cat:
        return "step names an exercise without its category (Choose an exercise)"
    if kind == "warmup" and cat not in (None, "CARDIO"):
        return f"no read-back shows a warm-up in category {cat}"
    if kind == "rest" and cat:
        return "a rest step has no exercise"
    if cat:
        if cat not in cats:
            return f"unknown category {cat}"
        if name == cat and cat in NOT_NAMES:
            return f"{cat}/{name}: a category-only pick has an empty exerciseName"
        if name and (cat, name) not in known:
            return f"unknown exercise {cat}/{name}"
    weight = step.get("weightValue")
    if weight is not None:
        unit = (step.get("weightUnit") or {}).get("unitKey")
        if unit not in ("kilogram", "pound"):
            return "a weight without the kilogram or pound unit"
        if not 0 < float(weight) <= (500 if unit == "kilogram" else 1100):
            return f"weightValue {weight} is not {unit}s as shown"
    return None


class FakeWorkouts:
    def __init__(self, fake: FakeGarmin) -> None:
        self.fake = fake
        self.workouts: dict[int, dict[str, Any]] = {}
        self.schedules: dict[int, dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []  # every body as it arrived
        self.refusals: list[str] = []  # why each refused body was refused
        self.calls: list[tuple[str, str]] = []
        self._next_workout = 1_200_000_000
        self._next_schedule = 700_000_000
        self._next_step = 9_000_000_000
        self._known = catalogue()
        self._categories = categories()
        # field → what storing does to it: a value, or DROP (a test plays Garmin's changes)
        self.quirks: dict[str, Any] = {}
        fake.extensions.append(self.handle)

    # -- what tests look at ----------------------------------------------------------------

    def scheduled(self) -> dict[int, list[str]]:
        """workoutId → the dates it is scheduled on."""
        out: dict[int, list[str]] = {}
        for s in self.schedules.values():
            out.setdefault(s["workout"]["workoutId"], []).append(s["calendarDate"])
        return out

    def workout_calls(self) -> list[tuple[str, str]]:
        return list(self.calls)

    # -- what the user does in Garmin Connect -------------------------------------------------

    def user_delete(self, workout_id: int) -> None:
        self.workouts.pop(workout_id)
        for sid in [k for k, s in self.schedules.items()
                    if s["workout"]["workoutId"] == workout_id]:
            del self.schedules[sid]

    def user_rename(self, workout_id: int, name: str) -> None:
        self.workouts[workout_id]["workoutName"] = name

    def user_creates(self, name: str, day: str | None = None) -> int:
        body = {"workoutName": name, "sportType": {"sportTypeId": 5,
                                                   "sportTypeKey": "strength_training"},
                "workoutSegments": []}
        wid = self._store(body)
        if day:
            self._schedule(wid, day)
        return wid

    # -- the service -----------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        path, method = request.path, request.method
        if not path.startswith(("/workout-service", "/calendar-service")):
            return None
        self.calls.append((method, path))
        if self.fake.mode in ("429", "500", "401"):
            return _answer({"message": "nope"}, int(self.fake.mode))
        if path == "/workout-service/workout" and method == "POST":
            body = request.get_json()
            self.sent.append(copy.deepcopy(body))
            problem = self._invalid(body)
            if problem:
                self.refusals.append(problem)
                return _answer({"message": problem}, 400)
            return _answer(self.workouts[self._store(body)])
        if path == "/workout-service/workouts" and method == "GET":
            start = int(request.args.get("start", 0))
            limit = int(request.args.get("limit", 100))
            rows = [{k: w[k] for k in ("workoutId", "ownerId", "workoutName", "sportType",
                                       "createdDate", "updatedDate")}
                    for w in sorted(self.workouts.values(), key=lambda w: w["workoutId"])]
            return _answer(rows[start:start + limit])
        if m := WORKOUT.match(path):
            wid = int(m.group(1))
            if wid not in self.workouts:
                return _answer({"message": "Workout not found"}, 404)
            if method == "GET":
                return _answer(self.workouts[wid])
            if method == "DELETE":
                self.user_delete(wid)
                return Response(status=204)
            if method == "PUT":
                body = request.get_json()
                self.sent.append(copy.deepcopy(body))
                problem = self._invalid(body)
                if problem:
                    self.refusals.append(problem)
                    return _answer({"message": problem}, 400)
                self._store(body, wid)
                return Response(status=204)
        if m := SCHEDULE.match(path):
            ident = int(m.group(1))
            if method == "POST":
                if ident not in self.workouts:
                    return _answer({"message": "Workout not found"}, 404)
                day = (request.get_json() or {}).get("date", "")
                date.fromisoformat(day)
                return _answer(self.schedules[self._schedule(ident, day)])
            if ident not in self.schedules:
                return _answer({"message": "Schedule not found"}, 404)
            if method == "DELETE":
                del self.schedules[ident]
                return Response(status=204)
            if method == "GET":
                entry = copy.deepcopy(self.schedules[ident])
                wid = entry["workout"]["workoutId"]
                entry["workout"] = copy.deepcopy(self.workouts.get(wid, entry["workout"]))
                return _answer(entry)
            if method == "PUT":
                body = request.get_json() or {}
                day = body.get("calendarDate", "")
                date.fromisoformat(day)
                if (body.get("workout") or {}).get("workoutId") != \
                        self.schedules[ident]["workout"]["workoutId"]:
                    return _answer({"message": "workout does not match"}, 400)
                self.schedules[ident]["calendarDate"] = day
                return _answer(self.schedules[ident])
        if (m := MONTH.match(path)) and method == "GET":
            year, month0 = int(m.group(1)), int(m.group(2))
            items = [{"id": sid, "itemType": "workout", "workoutId": s["workout"]["workoutId"],
                      "title": s["workout"]["workoutName"], "date": s["calendarDate"],
                      "sportTypeKey": "strength_training"}
                     for sid, s in self.schedules.items()
                     if date.fromisoformat(s["calendarDate"]).year == year
                     and date.fromisoformat(s["calendarDate"]).month == month0 + 1]
            return _answer({"startDayOfMonth": 0, "numOfDaysInMonth": 30,
                            "calendarItems": items})
        return _answer({"message": "not found"}, 404)

    def _invalid(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not body.get("workoutName"):
            return "a workout needs a name"
        if body.get("sportType", {}).get("sportTypeKey") != "strength_training":
            return "not a strength workout"
        for step in _steps(body):
            if step.get("type") == "RepeatGroupDTO":
                inner = step.get("workoutSteps") or []
                if not inner or step.get("numberOfIterations", 0) < 1:
                    return "a repeat group needs steps and at least one iteration"
                continue
            if step.get("type") != "ExecutableStepDTO":
                return f"unknown step kind {step.get('type')!r}"
            problem = step_problem(step, self._known, self._categories)
            if problem:
                return problem
        return None

    def _store(self, body: dict[str, Any], wid: int | None = None) -> int:
        if wid is None:
            wid = self._next_workout
            self._next_workout += 1
        kept = copy.deepcopy(body)
        kept.update(workoutId=wid, ownerId=OWNER, createdDate="2026-11-20T10:00:00.0",
                    updatedDate="2026-11-20T10:00:00.0")
        for step in _steps(kept):
            step["stepId"] = self._next_step
            self._next_step += 1
            for key, value in self.quirks.items():
                if key in step:
                    if value is DROP:
                        del step[key]
                    else:
                        step[key] = value
        self.workouts[wid] = kept
        return wid

    def _schedule(self, wid: int, day: str) -> int:
        sid = self._next_schedule
        self._next_schedule += 1
        w = self.workouts[wid]
        self.schedules[sid] = {"workoutScheduleId": sid, "calendarDate": day,
                               "createdDate": "2026-11-20T10:00:00.0", "ownerId": OWNER,
                               "workout": {"workoutId": wid, "workoutName": w["workoutName"],
                                           "sportType": w["sportType"]}}
        return sid


def _steps(body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(steps: list[dict[str, Any]]) -> None:
        for st in steps:
            out.append(st)
            walk(st.get("workoutSteps", []))

    for seg in body.get("workoutSegments", []):
        walk(seg.get("workoutSteps", []))
    return out


def _answer(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
