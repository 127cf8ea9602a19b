"""Sign-in and token service of the fake Garmin Connect, as garminconnect 0.3 talks to it.

* the mobile SSO flow: the sign-in page, then ``/mobile/api/login`` answering a service
  ticket (or ``MFA_REQUIRED``, then ``/mobile/api/mfa/verifyCode``);
* the DI token endpoint: a ticket for tokens, and refreshes that *rotate* the refresh token
  like Garmin's: the old one dies at once, using it again is ``invalid_grant``;
* optionally strict: API calls with an access token it did not issue (or that expired)
  get 401, so the library's refresh-and-retry path runs;
* throttles: ``login_429`` / ``refresh_429`` answer 429 (with ``retry_after`` if set).

Access tokens are JWT-shaped with an ``exp`` claim, so the library decides by itself when
they are about to expire. The service runs in the test's process; other processes reach
it over HTTP like any client.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

from werkzeug import Request, Response

from tests.integration.fake_garmin import FakeGarmin

CLIENT_ID = "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2"


def jwt(exp: float, n: int) -> str:
    def part(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    claims = {"exp": exp, "n": n, "client_id": CLIENT_ID}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.sig"


class FakeSso:
    def __init__(self, fake: FakeGarmin, email: str = "ana@example.org",
                 password: str = "hunter2", mfa: str | None = None,
                 access_ttl: float = 3600.0) -> None:
        self.fake = fake
        self.email, self.password, self.mfa = email, password, mfa
        self.access_ttl = access_ttl
        self.refresh_delay = 0.0  # widen the window in which two refreshes could overlap
        self.strict = False
        self.login_429 = False
        self.refresh_429 = False
        self.retry_after: str | None = None
        self.valid_access: set[str] = set()
        self.refresh_token: str | None = None
        self.grants: list[str] = []  # every token request: "ticket", "refresh", "reused"
        self.logins = 0
        self._n = 0
        self._lock = threading.Lock()
        fake.extensions.insert(0, self.handle)

    def issue(self, expires_in: float | None = None) -> dict[str, str]:
        """A fresh pair of tokens, as a login would leave them (for token files)."""
        self._n += 1
        access = jwt(time.time() + (self.access_ttl if expires_in is None else expires_in),
                     self._n)
        self.valid_access.add(access)
        self.refresh_token = f"refresh-{self._n}"
        return {"di_token": access, "di_refresh_token": self.refresh_token,
                "di_client_id": CLIENT_ID}

    def handle(self, request: Request) -> Response | None:
        path = request.path
        if self.login_429 and path.startswith(("/mobile", "/sso", "/portal")):
            self.logins += path.endswith("/api/login") or path.endswith("/sign-in")
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return Response("Too Many Requests", status=429, headers=headers)
        if path == "/mobile/sso/en_US/sign-in":
            return Response("<html><title>Sign in</title></html>", content_type="text/html")
        if path == "/mobile/api/login":
            return self._login(request)
        if path == "/mobile/api/mfa/verifyCode":
            body = request.get_json(silent=True) or {}
            code = body.get("mfaVerificationCode") or request.form.get("mfaVerificationCode")
            if code != self.mfa:
                return _json({"responseStatus": {"type": "INVALID_MFA_CODE"}})
            return _json({"responseStatus": {"type": "SUCCESSFUL"},
                          "serviceTicketId": "ST-mfa"})
        if path == "/di-oauth2-service/oauth/token":
            return self._token(request)
        if self.strict and not path.startswith(("/mobile", "/sso", "/portal")):
            auth = request.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ")
            if token not in self.valid_access or _expired(token):
                return Response(json.dumps({"message": "Token is not active"}), status=401,
                                content_type="application/json")
        return None

    def _login(self, request: Request) -> Response:
        self.logins += 1
        body = request.get_json(silent=True) or {}
        if (body.get("username"), body.get("password")) != (self.email, self.password):
            return _json({"responseStatus": {"type": "INVALID_USERNAME_PASSWORD"}})
        if self.mfa:
            return _json({"responseStatus": {"type": "MFA_REQUIRED"},
                          "customerMfaInfo": {"mfaLastMethodUsed": "email"}})
        return _json({"responseStatus": {"type": "SUCCESSFUL"}, "serviceTicketId": "ST-1"})

    def _token(self, request: Request) -> Response:
        form = request.form
        grant = form.get("grant_type", "")
        if grant == "refresh_token":
            if self.refresh_429:
                self.grants.append("throttled")
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                return Response("Too Many Requests", status=429, headers=headers)
            time.sleep(self.refresh_delay)
            with self._lock:
                if form.get("refresh_token") != self.refresh_token:
                    self.grants.append("reused")
                    return Response(json.dumps({"error": "invalid_grant"}), status=400,
                                    content_type="application/json")
                self.grants.append("refresh")
                pair = self.issue()
            return _json({"access_token": pair["di_token"],
                          "refresh_token": pair["di_refresh_token"], "expires_in": 3600})
        if form.get("service_ticket"):
            self.grants.append("ticket")
            pair = self.issue()
            return _json({"access_token": pair["di_token"],
                          "refresh_token": pair["di_refresh_token"], "expires_in": 3600})
        return Response(json.dumps({"error": "unsupported_grant_type"}), status=400,
                        content_type="application/json")


def _expired(token: str) -> bool:
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return bool(time.time() > float(data["exp"]))
    except (IndexError, ValueError, KeyError):
        return False


def _json(body: Any) -> Response:
    return Response(json.dumps(body), status=200, content_type="application/json")
