"""Helpers for the Garmin workouts sink tests: sessions with real content, a sink on the fake,
an api that dies (kill -9) around one chosen request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.config.loader import GarminWorkoutsConfig
from syncd.model import Session, SessionKind
from syncd.planner.catalogue import default_catalogue
from syncd.planner.content import session_content
from syncd.sinks.garmin_calls import WorkoutApi
from syncd.sinks.garmin_steps import is_ours
from syncd.sinks.garmin_workouts import GarminWorkoutsSink
from syncd.sources.garmin_client import login_with_tokens, token_path
from syncd.state import State
from tests.fakes import Crash
from tests.helpers import MONDAY, TZ
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.fake_garmin_workouts import FakeWorkouts

NOW = MONDAY - timedelta(days=1, hours=-12)  # Sunday noon: every session below is ahead
ORM = {"back_squat": 100.0, "deadlift": 120.0, "front_squat": 80.0, "hip_thrust": 110.0}
KINDS = (SessionKind.HEAVY, SessionKind.CORE, SessionKind.LIGHT, SessionKind.FOUNDATION)
TITLES = {SessionKind.HEAVY: "Heavy strength", SessionKind.LIGHT: "Light strength",
          SessionKind.CORE: "Core", SessionKind.FOUNDATION: "Foundation strength"}


def planned(n: int = 4, every_days: int = 2, first_day: int = 1) -> list[Session]:
    """n sessions of every kind with the planner's own content, one every other day."""
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        content = session_content(kind, default_catalogue(), rotation=i, level=0,
                                  one_rep_max=ORM, plyometrics=True, phase="build",
                                  minutes=60)
        warmup, exercises = content.warmup, content.exercises
        start = MONDAY.replace(hour=18) + timedelta(days=first_day + i * every_days)
        out.append(Session(uid=f"syncd-test{i:02d}@syncd", kind=kind, start=start,
                           end=start + timedelta(minutes=45), title=f"{TITLES[kind]} · 45 min",
                           warmup=warmup, exercises=exercises, rules=("R3",),
                           explanation=f"because {i}"))
    return out


def moved(sessions: list[Session], which: list[int], days: int = 1) -> list[Session]:
    return [replace(s, start=s.start + timedelta(days=days), end=s.end + timedelta(days=days))
            if i in which else s for i, s in enumerate(sessions)]


def make_sink(fake: FakeGarmin, state_dir: Path, api: WorkoutApi | None = None,
              days: int = 14) -> GarminWorkoutsSink:
    if not token_path(state_dir).exists():
        write_tokens(state_dir)
    return GarminWorkoutsSink(GarminWorkoutsConfig(fake.url, days), State(state_dir),
                              "Europe/Berlin", api=api)


def local_day(s: Session) -> str:
    return s.start.astimezone(TZ).date().isoformat()


def ours_on_garmin(w: FakeWorkouts) -> dict[str, list[dict[str, Any]]]:
    """Session uid → the syncd workouts on the fake that carry its marker."""
    out: dict[str, list[dict[str, Any]]] = {}
    for body in w.workouts.values():
        name = body["workoutName"]
        if "[syncd " in name:
            out.setdefault(name, []).append(body)
    return out


def assert_converged(w: FakeWorkouts, target: list[Session]) -> None:
    """Each target session exactly once, on its day; no other syncd workout; nothing else
    of syncd's scheduled."""
    ours = {wid: b for wid, b in w.workouts.items() if "[syncd " in b["workoutName"]}
    for s in target:
        mine = [wid for wid, b in ours.items() if is_ours(b["workoutName"], s.uid)]
        assert len(mine) == 1, f"{s.uid}: {len(mine)} workouts"
        assert w.scheduled().get(mine[0]) == [local_day(s)], s.uid
    assert len(ours) == len(target), "an orphan workout is left"


class CrashingApi(WorkoutApi):
    """The real calls, but the process dies before or after the one named (like kill -9)."""

    def __init__(self, client: Any, what: str, when: str) -> None:
        super().__init__(client)
        self.what, self.when = what, when

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        if what == self.what and self.when == "before":
            raise Crash(what)
        with super()._call(what):
            yield
        if what == self.what:
            raise Crash(what)


def real_client(fake: FakeGarmin, state_dir: Path, now: datetime = NOW) -> Any:
    return login_with_tokens(fake.url, token_path(state_dir), now=now)


def config_text(garmin_url: str, extra: str = "") -> str:
    """A config with a weekly running plan, the Garmin source and the workouts sink."""
    return f"""
[athlete]
timezone = "Europe/Berlin"
{extra}
[rules]
phase = "base"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
[[plan.week]]
day = "sat"
kind = "long"
time = "08:00"
duration_min = 100
[sources.garmin]
enabled = true
api_url = "{garmin_url}"
readiness = false
[garmin_workouts]
enabled = true
"""
