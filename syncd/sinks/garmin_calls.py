"""The workout calls the Garmin workouts sink makes, through garminconnect, one method each.

Each method is one HTTP request (``calls`` counts them for the benchmark; ``_call`` wraps
each, which is where the crash tests kill the process); a 404 becomes
``NotFound`` (the user deleted it), every other library error the one-line errors of
``syncd.sources.garmin_client``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from syncd.errors import TransientError
from syncd.sources.garmin_client import garmin_errors, login_with_tokens, token_path

PAGE = 100


class NotFound(Exception):
    """Garmin answered 404: the workout or schedule is not there (any more)."""


class WorkoutApi:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    @classmethod
    def connect(cls, api_url: str | None, state_dir: Path, now: datetime) -> WorkoutApi:
        return cls(login_with_tokens(api_url, token_path(state_dir), now=now))

    @contextmanager
    def _lookup(self, what: str) -> Iterator[None]:
        """A listing that answers 404 is not a missing item: Garmin is not itself."""
        try:
            with self._call(what):
                yield
        except NotFound:
            raise TransientError(f"Garmin answered 404 while {what}; will retry") from None

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        from garminconnect import GarminConnectNotFoundError

        self.calls += 1
        with garmin_errors(what):
            try:
                yield
            except GarminConnectNotFoundError:
                raise NotFound(what) from None

    def upload(self, workout: Any) -> int:
        with self._call("uploading a workout"):
            answer = self.client.upload_strength_workout(workout)
        return _id(answer, "workoutId", "uploading a workout")

    def get(self, workout_id: int) -> dict[str, Any]:
        with self._call("reading a workout"):
            answer = self.client.get_workout_by_id(workout_id)
        return answer if isinstance(answer, dict) else {}

    def update(self, workout_id: int, workout: Any) -> None:
        with self._call("updating a workout"):
            self.client.update_workout(workout_id, workout.to_dict())

    def delete(self, workout_id: int) -> None:
        with self._call("deleting a workout"):
            self.client.delete_workout(workout_id)

    def schedule(self, workout_id: int, day: date) -> int:
        with self._call("scheduling a workout"):
            answer = self.client.schedule_workout(workout_id, day.isoformat())
        return _id(answer, "workoutScheduleId", "scheduling a workout")

    def get_schedule(self, schedule_id: int) -> dict[str, Any]:
        with self._call("reading a schedule"):
            answer = self.client.get_scheduled_workout_by_id(schedule_id)
        return answer if isinstance(answer, dict) else {}

    def reschedule(self, schedule_id: int, current: dict[str, Any], day: date) -> None:
        """Move a schedule to another day with the entry just read (``get_schedule``).

        The library's ``reschedule_workout`` reads the entry itself (a second read); this
        sends the same PUT with the entry syncd already read to check its owner."""
        workout = current.get("workout") or {}
        body = {**current, "calendarDate": day.isoformat(),
                "workout": {"workoutId": workout.get("workoutId")} if workout else None}
        with self._call("moving a schedule"):
            self.client.client.put("connectapi", f"/workout-service/schedule/{schedule_id}",
                                   json=body)

    def unschedule(self, schedule_id: int) -> None:
        with self._call("unscheduling a workout"):
            self.client.unschedule_workout(schedule_id)

    def find_by_name(self, uid: str, ours: Callable[[object, str], bool]) -> list[int]:
        """Ids of the workouts whose name carries this session's marker (after a crash)."""
        found: list[int] = []
        start = 0
        while True:
            with self._lookup("listing workouts"):
                page = self.client.get_workouts(start, PAGE, my_workouts_only=True)
            if not isinstance(page, list):
                raise TransientError("Garmin sent an unreadable workout list; will retry")
            found += [int(w["workoutId"]) for w in page if isinstance(w, dict)
                      and ours(w.get("workoutName"), uid) and "workoutId" in w]
            if len(page) < PAGE:
                return sorted(found)
            start += PAGE

    def find_schedule(self, workout_id: int, day: date) -> int | None:
        """The id of this workout's schedule on that day, if Garmin has one (after a crash)."""
        with self._lookup("reading the Garmin calendar"):
            month = self.client.get_scheduled_workouts(day.year, day.month)
        items = month.get("calendarItems", []) if isinstance(month, dict) else []
        for item in items:
            if (isinstance(item, dict) and item.get("itemType") == "workout"
                    and item.get("workoutId") == workout_id
                    and item.get("date") == day.isoformat()):
                return int(item["id"])
        return None


def _id(answer: Any, key: str, what: str) -> int:
    value = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(value, int):
        raise TransientError(f"Garmin's answer to {what} has no {key}; will retry")
    return value
