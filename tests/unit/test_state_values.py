"""Every value that goes into the state comes back as it went in: None stays None.

A stored NULL once came back as the text ``'None'``; each consumer then acted on it (an
``If-None-Match: None`` header, a sync token ``'None'``, ``fromisoformat('None')``). One test
for the API and one round trip through each consumer that stores a None.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug import Request, Response

from syncd.sinks.caldav_store import Poll
from syncd.sinks.sync import SyncEngine
from syncd.sources.running_calendar import RunningCalendarSource
from syncd.state import State
from tests.fakes import MemoryStore
from tests.integration.caldav_helpers import NOW, sessions
from tests.unit.sources.test_running_calendar import PLAN, WINDOW, settings


@pytest.mark.parametrize("value", [None, "", "None", "x", "0", "ünïcode \n text"])
def test_a_value_comes_back_as_it_went_in(tmp_path: Path, value: str | None) -> None:
    state = State(tmp_path)
    state.put("scope", "key", value)
    assert state.get("scope", "key") == value
    state.close()
    assert State(tmp_path).get("scope", "key") == value, "and after a reopen"


def test_absent_and_overwritten_with_none(tmp_path: Path) -> None:
    state = State(tmp_path)
    assert state.get("scope", "missing") is None
    state.put("scope", "key", "2026-11-24T12:00:00+00:00")
    state.put("scope", "key", None)
    assert state.get("scope", "key") is None


def test_only_text_or_none_goes_in(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        State(tmp_path).put("scope", "key", 5)  # type: ignore[arg-type]


def test_a_feed_without_etag_is_never_asked_if_none_match_none(tmp_path, httpserver) -> None:
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("If-None-Match"))
        return Response(PLAN.read_text(), content_type="text/calendar")  # no ETag header

    httpserver.expect_request("/plan.ics").respond_with_handler(handler)
    src = RunningCalendarSource(settings(ics_path=None, ics_url=httpserver.url_for("/plan.ics")),
                                State(tmp_path))
    first = src.fetch(WINDOW).planned_runs
    second = src.fetch(WINDOW).planned_runs
    assert first and first == second
    assert seen == [None, None], "no ETag was given, so none is sent back"
    assert src.state.get(f"ics:{httpserver.url_for('/plan.ics')}", "etag") is None


class TokenlessStore(MemoryStore):
    """A calendar without sync-collection support: every poll is a full listing, no token."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens_asked: list[str | None] = []

    def poll(self, token: str | None) -> Poll:
        self.tokens_asked.append(token)
        full = super().poll(None)
        return Poll(changed=full.changed, complete=True, token=None)


def test_a_missing_sync_token_stays_missing(tmp_path: Path) -> None:
    store = TokenlessStore()
    eng = SyncEngine("caldav", store, State(tmp_path), "Europe/Berlin")
    for _ in range(3):
        eng.pull(NOW)
        eng.push(sessions(), NOW, dry_run=False)
    assert store.tokens_asked == [None, None, None]
    assert eng.state.get("sink:caldav", "token") is None
    assert len(store.items) == len(sessions()), "and the full listings duplicate nothing"
