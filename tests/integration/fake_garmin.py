"""A local fake of Garmin Connect's API, serving JSON in the shapes of real responses.

The real garminconnect library talks to it (through ``sources.garmin.api_url``). It serves
the two profile calls a login makes, the paged activity list (many generated activities of
every kind, built on a recorded real activity), morning readiness and HRV; and it can answer
with 429, 401, 500, malformed JSON or activities missing fields.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DATA = Path(__file__).resolve().parents[1] / "data" / "garmin"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text())["body"]


SETS = re.compile(r"^/activity-service/activity/(\d+)/exerciseSets$")
TEMPLATE = fixture("test_activity_list.0.json")[0]
# (title, typeKey, minutes, trainingEffectLabel, anaerobic TE, event type)
KINDS = [
    ("Easy run", "running", 45, "AEROBIC_BASE", 0.3, "uncategorized"),
    ("Intervals 6x800", "running", 55, "VO2MAX", 2.8, "uncategorized"),
    ("Tempo", "running", 50, "LACTATE_THRESHOLD", 1.6, "uncategorized"),
    ("Long run", "running", 110, "AEROBIC_BASE", 0.4, "uncategorized"),
    ("Treadmill easy", "treadmill_running", 35, "RECOVERY", 0.0, "uncategorized"),
    ("Strength", "strength_training", 50, None, None, "uncategorized"),
    ("City 10K", "running", 42, "VO2MAX", 3.1, "race"),
    ("Trail run", "trail_running", 70, "AEROBIC_BASE", 0.5, "uncategorized"),
    ("Walk", "walking", 40, "RECOVERY", 0.0, "uncategorized"),
    ("Ride", "road_biking", 90, "TEMPO", 1.0, "uncategorized"),
]


def activity(n: int, start: datetime, kind: int) -> dict[str, Any]:
    title, type_key, minutes, label, anaerobic, event = KINDS[kind % len(KINDS)]
    act = copy.deepcopy(TEMPLATE)
    secs = minutes * 60.0
    act.update({
        "activityId": 30_000_000_000 + n, "activityName": title,
        "startTimeGMT": start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "startTimeLocal": start.strftime("%Y-%m-%d %H:%M:%S"),
        "duration": secs, "elapsedDuration": secs, "movingDuration": secs,
        "distance": secs * (3.5 if anaerobic and anaerobic > 1.5 else 2.9),
        "trainingEffectLabel": label, "anaerobicTrainingEffect": anaerobic,
        "eventType": {"typeId": 1 if event == "race" else 9, "typeKey": event, "sortOrder": 1},
    })
    act["activityType"] = {**act["activityType"], "typeKey": type_key,
                           "typeId": 13 if type_key == "strength_training" else 1}
    hard = label in ("VO2MAX", "LACTATE_THRESHOLD")
    zones = [0.05, 0.2, 0.3, 0.3, 0.15] if hard else [0.2, 0.6, 0.17, 0.03, 0.0]
    for i, z in enumerate(zones, 1):
        act[f"hrTimeInZone_{i}"] = round(secs * z, 1)
    return act


class FakeGarmin:
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.activities: list[dict[str, Any]] = []
        self.mode: str | None = None  # "429", "401", "403", "500", "garbage", "nofields"
        self.retry_after: str | None = None
        self.log: list[str] = []
        # Handlers of other endpoint groups (workouts, sign-in): each answers or says None.
        self.extensions: list[Callable[[Request], Response | None]] = []
        # activityId → the exerciseSets answer; others answer ``exerciseSets: null``
        self.exercise_sets: dict[int, Any] = {}
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def generate(self, count: int, end: datetime, every_hours: int = 19) -> None:
        self.activities = [activity(i, end - timedelta(hours=every_hours * i), i)
                           for i in range(count)]

    def add_newest(self, kind: int, start: datetime) -> dict[str, Any]:
        act = activity(len(self.activities) + 1000, start, kind)
        self.activities.insert(0, act)
        return act

    def api_calls(self) -> list[str]:
        return [p for p in self.log if not p.startswith("/userprofile-service")]

    def handle(self, request: Request) -> Response:
        path = request.path
        self.log.append(path)
        for extension in self.extensions:
            answer = extension(request)
            if answer is not None:
                return answer
        if path.startswith("/di-oauth2-service"):
            return Response("refresh refused", status=400)
        if path == "/userprofile-service/socialProfile":
            return _json({"displayName": "fake-runner", "fullName": "Fake Runner",
                          "userName": "fake-runner"})
        if path == "/userprofile-service/userprofile/user-settings":
            return _json({"id": 1, "userData": {"measurementSystem": "metric"}})
        if self.mode in ("429", "401", "403", "500"):
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return Response(json.dumps({"message": "nope"}), status=int(self.mode),
                            headers=headers, content_type="application/json")
        if self.mode == "garbage":
            return Response("{not json", status=200, content_type="application/json")
        if path == "/activitylist-service/activities/search/activities":
            start = int(request.args.get("start", 0))
            limit = int(request.args.get("limit", 20))
            page = self.activities[start:start + limit]
            if self.mode == "nofields":
                page = [{k: v for k, v in a.items() if k not in ("startTimeGMT", "duration")}
                        if i % 3 == 0 else a for i, a in enumerate(page)]
            return _json(page)
        if (m := SETS.match(path)) is not None:
            ident = int(m.group(1))
            return _json(self.exercise_sets.get(ident, {"activityId": ident,
                                                        "exerciseSets": None}))
        if path.startswith("/metrics-service/metrics/trainingreadiness/"):
            day = path.rsplit("/", 1)[1]
            body = fixture("test_morning_training_readiness_data_get.0.json")
            for r in body:
                r["calendarDate"] = day
            return _json(body)
        if path.startswith("/hrv-service/hrv/"):
            body = fixture("test_hrv_data_get.0.json")
            body["hrvSummary"]["calendarDate"] = path.rsplit("/", 1)[1]
            return _json(body)
        return Response("not found", status=404)


def _json(body: Any) -> Response:
    return Response(json.dumps(body), status=200, content_type="application/json")


@pytest.fixture
def fake_garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGarmin]:
    monkeypatch.delenv("GARMINTOKENS", raising=False)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield FakeGarmin(server)
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def write_tokens(state_dir: Path) -> Path:
    """A saved login as `syncd login` leaves it (tokens that are not JWTs never expire)."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / "garmin_tokens.json"
    path.write_text(json.dumps({"di_token": "fake-access", "di_refresh_token": "fake-refresh",
                                "di_client_id": "fake-client"}))
    path.chmod(0o600)
    return path
