"""A local intervals.icu: the few /api/v1 endpoints syncd calls, on an ephemeral port.

Shapes follow intervals.icu's published OpenAPI description (https://intervals.icu/api/v1/docs)
and responses recorded in public projects (activity lists with ``icu_hr_zone_times`` as a
list of seconds per zone and ``interval_summary`` lines; the stub entries intervals.icu
returns for activities imported from Strava: ``id``, ``start_date_local``, ``source`` and
``_note`` only; wellness days keyed by date ``id`` with ``hrv``/``restingHR``/``readiness``;
events with ``category``, ``type``, ``start_date_local`` without offset, ``external_id``).

* Auth: HTTP Basic, user ``API_KEY``, password the key; anything else 401.
* ``GET /api/v1/athlete/{id}/activities?oldest&newest&limit``: newest first, ``limit`` cut.
* ``GET .../wellness?oldest&newest``; ``GET .../events?oldest&newest&category``.
* ``POST .../events``, ``PUT``/``DELETE .../events/{id}`` (404 when missing).
* ``faults``: a queue of (status, headers) answered instead of the next requests;
  ``drop_after_apply``: apply the next write, then close without an answer (a lost reply).
Every request is logged in ``log`` as (method, path).

Evidence used for the shapes (facts only, no code taken): the OpenAPI docs endpoint
https://intervals.icu/api/v1/docs as summarised in eduardoarantes/cycling_coach_browser_plugin
docs/INTERVALSICU_MAPPING_SPEC.md; field lists of activities and wellness in
adrian9211/private-coach docs/INTERVALS_ICU_DATA.md and newpush/coach
docs/03-integrations/intervals/profile-data.md; event fields (category, type incl.
WeightTraining, start_date_local, moving_time) in public intervals.icu MCP tool schemas;
``external_id`` upsert semantics (``events/bulk?upsert=true``: matched for the same OAuth
app) in the intervals.icu MCP bulk-events tool; recorded Strava stubs (``_note``
"STRAVA activities are not available via the API", some with ``type``/``name``) and
"newest first" ordering in several public test fixtures.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeIntervals:
    def __init__(self, athlete: str = "i12345", key: str = "s3cret-key") -> None:
        self.athlete = athlete
        self.key = key
        self.activities: list[dict[str, Any]] = []
        self.wellness: list[dict[str, Any]] = []
        self.events: dict[int, dict[str, Any]] = {}
        self.next_id = 50_000_000
        self.faults: list[tuple[int, dict[str, str]]] = []
        self.drop_after_apply = False
        self.log: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.url = ""

    def add_event(self, **fields: Any) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            ev = {"id": self.next_id, "icu_training_load": None, "color": None,
                  "external_id": None, "uid": None, **fields}
            ev["id"] = self.next_id
            self.events[self.next_id] = ev
            return ev

    def calls(self, method: str | None = None) -> int:
        return sum(1 for m, _ in self.log if method is None or m == method)


def _in(day: str, q: dict[str, list[str]]) -> bool:
    day = day[:10]
    old, new = q.get("oldest", [""])[0][:10], q.get("newest", [""])[0][:10]
    return (not old or day >= old) and (not new or day <= new)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeIntervals
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None
              ) -> None:
        raw = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        f = self.fake
        parts = urlsplit(self.path)
        q = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length)) if length else None
        with f.lock:
            f.log.append((method, parts.path))
            fault = f.faults.pop(0) if f.faults else None
        if fault is not None:
            status, headers = fault
            self._send(status, {"status": status, "error": "fault"}, headers)
            return
        want = "Basic " + base64.b64encode(f"API_KEY:{f.key}".encode()).decode()
        if self.headers.get("Authorization") != want:
            self._send(401, {"status": 401, "error": "Unauthorized"})
            return
        base = f"/api/v1/athlete/{f.athlete}"
        if not parts.path.startswith(base):
            self._send(403 if parts.path.startswith("/api/v1/athlete/") else 404,
                       {"status": 403, "error": "Access denied"})
            return
        tail = parts.path[len(base):]
        with f.lock:
            answer = self._route(method, tail, q, payload)
            drop = f.drop_after_apply and method in ("POST", "PUT", "DELETE")
            if drop:
                f.drop_after_apply = False
        if drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._send(*answer)

    def _route(self, method: str, tail: str, q: dict[str, list[str]], payload: Any
               ) -> tuple[int, Any]:
        f = self.fake
        if method == "GET" and tail == "/activities":
            acts = sorted((a for a in f.activities if _in(a["start_date_local"], q)),
                          key=lambda a: a["start_date_local"], reverse=True)
            limit = int(q.get("limit", ["0"])[0] or 0)
            return 200, acts[:limit] if limit else acts
        if method == "GET" and tail == "/wellness":
            return 200, [w for w in f.wellness if _in(w["id"], q)]
        if method == "GET" and tail == "/events":
            cats = set(",".join(q.get("category", [])).split(",")) - {""}
            return 200, sorted((e for e in f.events.values()
                                if _in(e["start_date_local"], q)
                                and (not cats or e.get("category") in cats)),
                               key=lambda e: (e["start_date_local"], e["id"]))
        if method == "POST" and tail == "/events":
            f.next_id += 1
            ev = {"icu_training_load": None, "color": None, "uid": None, **payload,
                  "id": f.next_id, "athlete_id": f.athlete}
            f.events[f.next_id] = ev
            return 200, ev
        if tail.startswith("/events/"):
            try:
                ident = int(tail.rsplit("/", 1)[1])
            except ValueError:
                return 404, {"status": 404, "error": "Not found"}
            if ident not in f.events:
                return 404, {"status": 404, "error": "Event not found"}
            if method == "PUT":
                f.events[ident].update({**payload, "id": ident})
                return 200, f.events[ident]
            if method == "DELETE":
                del f.events[ident]
                return 200, None
        return 404, {"status": 404, "error": "Not found"}

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


@contextmanager
def serve(fake: FakeIntervals | None = None) -> Iterator[FakeIntervals]:
    fake = fake or FakeIntervals()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
