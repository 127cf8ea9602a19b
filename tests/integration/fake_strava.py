"""A local fake of Strava: the OAuth endpoints and the athlete's activity list.

Shapes from Strava's documentation, written down in tests/data/strava/ (README says where
each comes from): ``SummaryActivity`` for the list, the token answer for ``/oauth/token``,
the 429 body and the ``X-RateLimit-*`` headers on every answer. Behaviour as documented:

* ``/oauth/authorize`` stands for the athlete's browser on Strava's consent page: it
  redirects (302) to ``redirect_uri`` with ``state``, ``code`` and the granted ``scope``;
* ``/oauth/token`` exchanges a code once, and a refresh returns a new refresh token; the
  old one stops working (the rotation syncd must keep up with);
* ``/api/v3/athlete/activities`` filters on ``after``/``before`` (epoch, on the start),
  pages with ``page``/``per_page`` (at most 200), wants ``Authorization: Bearer``;
  401 for an unknown or expired access token;
* every answer counts toward a 15-minute and a daily usage, returned in the headers; past
  the limit the answer is 429.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DATA = Path(__file__).resolve().parents[1] / "data" / "strava"
TEMPLATE = json.loads((DATA / "summary_activity.json").read_text())
TOKEN = json.loads((DATA / "token_refresh.json").read_text())
LIMITED = json.loads((DATA / "rate_limited.json").read_text())
CLIENT_ID = "4242"
CLIENT_SECRET = "s3cr3t-client"
# (name, sport_type, moving min, elapsed min, workout_type, average HR)
KINDS = [
    ("Morning Run", "Run", 45, 47, 0, 138.0),
    ("6x800 intervals", "Run", 52, 58, 3, 156.0),
    ("Long run", "Run", 105, 112, 2, 141.0),
    ("Trail", "TrailRun", 70, 84, 0, 144.0),
    ("Lunch Ride", "Ride", 60, 64, None, 128.0),
    ("City 10K", "Run", 42, 43, 1, 171.0),
    ("Gym", "WeightTraining", 50, 55, None, 110.0),
]


def summary(n: int, start: datetime, kind: int) -> dict[str, Any]:
    name, sport, moving, elapsed, workout, hr = KINDS[kind % len(KINDS)]
    start = start.astimezone(UTC)
    act = copy.deepcopy(TEMPLATE)
    act.update(id=9_000_000_000 + n, name=name, sport_type=sport,
               type=sport, moving_time=moving * 60, elapsed_time=elapsed * 60,
               start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
               start_date_local=(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
               distance=round(moving * 60 * 3.0, 1), average_speed=3.0,
               average_heartrate=hr, workout_type=workout)
    return act


class FakeStrava:
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.activities: list[dict[str, Any]] = []
        self.codes: set[str] = set()
        self.refresh_token = ""
        self.access_tokens: set[str] = set()
        self.expires_at = 4_000_000_000
        self.limit = (200, 2000)
        self.usage = [0, 0]
        self.fail: list[int] = []  # statuses to answer next on the activity list
        self.log: list[str] = []
        server.expect_request("/oauth/authorize").respond_with_handler(self.authorize)
        server.expect_request("/oauth/token", method="POST").respond_with_handler(self.token)
        server.expect_request("/api/v3/athlete/activities").respond_with_handler(self.list)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def calls(self, what: str) -> int:
        return sum(1 for line in self.log if line.startswith(what))

    def generate(self, count: int, end: datetime, every_hours: int = 19) -> None:
        self.activities = [summary(i, end - timedelta(hours=every_hours * i), i)
                           for i in range(count)]

    def add(self, kind: int, start: datetime) -> dict[str, Any]:
        act = summary(len(self.activities) + 1000, start, kind)
        self.activities.append(act)
        return act

    def grant(self) -> dict[str, Any]:
        """Tokens as if a login had happened; returns the file syncd would have saved."""
        return self._issue()

    def _issue(self) -> dict[str, Any]:
        body = dict(TOKEN, access_token=secrets.token_hex(20),
                    refresh_token=secrets.token_hex(20), expires_at=self.expires_at)
        self.refresh_token = body["refresh_token"]
        self.access_tokens = {body["access_token"]}  # the old access token dies too
        return body

    def _headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": f"{self.limit[0]},{self.limit[1]}",
                "X-RateLimit-Usage": f"{self.usage[0]},{self.usage[1]}"}

    def _json(self, body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body), status, headers=self._headers(),
                        content_type="application/json; charset=utf-8")

    def authorize(self, request: Request) -> Response:
        args = request.args
        self.log.append("authorize")
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        code = secrets.token_hex(8)
        self.codes.add(code)
        query = urlencode({"state": args["state"], "code": code,
                           "scope": "read," + args["scope"]})
        return Response("", 302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def token(self, request: Request) -> Response:
        form = request.form
        self.log.append(f"token {form.get('grant_type')}")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._json({"message": "Bad Request", "errors": [
                {"resource": "Application", "field": "client_id", "code": "invalid"}]}, 400)
        if form.get("grant_type") == "authorization_code" and form.get("code") in self.codes:
            self.codes.discard(form["code"])
            return self._json({**self._issue(), "athlete": {"id": 134815, "resource_state": 2}})
        if form.get("grant_type") == "refresh_token" and form.get(
                "refresh_token") == self.refresh_token and self.refresh_token:
            return self._json(self._issue())
        return self._json({"message": "Bad Request", "errors": [
            {"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}]}, 400)

    def list(self, request: Request) -> Response:
        self.log.append(f"list {request.query_string.decode()}")
        self.usage = [self.usage[0] + 1, self.usage[1] + 1]
        if self.usage[0] > self.limit[0] or self.usage[1] > self.limit[1]:
            return self._json(LIMITED["body"], 429)
        if self.fail:
            status = self.fail.pop(0)
            return self._json({"message": "error"}, status)
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.access_tokens:
            return self._json({"message": "Authorization Error", "errors": [
                {"resource": "Athlete", "field": "access_token", "code": "invalid"}]}, 401)
        after = int(request.args.get("after", 0))
        before = int(request.args.get("before", 2**40))
        page, per_page = int(request.args.get("page", 1)), min(
            int(request.args.get("per_page", 30)), 200)
        chosen = sorted((a for a in self.activities
                         if after < _epoch(a["start_date"]) < before),
                        key=lambda a: a["start_date"])
        return self._json(chosen[(page - 1) * per_page: page * per_page])

    def expire_access(self) -> None:
        """The access token's six hours are over: Strava answers 401 to it."""
        self.access_tokens = set()


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@pytest.fixture
def fake_strava() -> Iterator[FakeStrava]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield FakeStrava(server)
    finally:
        server.clear()
        if server.is_running():
            server.stop()
