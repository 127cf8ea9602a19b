"""The cycle's handling of a failing calendar, and what it reports as the next session."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from syncd.config.loader import parse_config
from syncd.cycle import run_cycle
from syncd.errors import AuthError, TransientError
from syncd.model import SessionStatus
from syncd.state import State
from tests.helpers import MONDAY

CONFIG = ('[athlete]\ntimezone = "Europe/Berlin"\n[[plan.week]]\nday = "tue"\n'
          'kind = "quality"\ntime = "07:00"\n')


class Refusing:
    """A calendar that fails its first request (pull) with the given error."""

    def __init__(self, exc: Exception) -> None:
        self.name, self.exc = "cal", exc

    def pull(self, now):
        raise self.exc

    def push(self, sessions, now, dry_run, stop=None):  # pragma: no cover - never reached
        raise AssertionError("push after a failed pull")


NOW = MONDAY.replace(hour=6)


def cycle(tmp_path: Path, sink, now=NOW):
    cfg = parse_config(CONFIG, "c.toml", base_dir=tmp_path, env={})
    return run_cycle(cfg, State(tmp_path), now, sinks=[sink])


def test_a_refused_login_on_the_first_request_is_an_error(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="syncd.cycle"):
        result = cycle(tmp_path, Refusing(AuthError("server refused the login for 'ana'")))
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert result.errors == {"cal": "server refused the login for 'ana'"}
    assert not result.transient


def test_a_network_failure_is_a_transient_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="syncd.cycle"):
        result = cycle(tmp_path, Refusing(TransientError("did not answer")))
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert result.transient
    assert State(tmp_path).component("sink:cal").failures == 1


def test_next_session_is_the_first_one_ahead(tmp_path):
    result = cycle(tmp_path, Refusing(TransientError("x")))
    ahead = [s for s in result.plan.sessions if s.start > result.plan.now
             and s.status is not SessionStatus.MISSED]
    assert result.next_session == ahead[0]
    assert result.next_session.start - result.plan.now < timedelta(days=8)


def test_a_calendar_removed_from_the_config_is_no_longer_reported(tmp_path):
    """Issue 24: "calendar unreachable" stayed on for a calendar the user had removed after
    it failed; the state now speaks of the config in force."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with_ics = parse_config(f'[sources]\ndemo = true\n[ics]\npath = "{blocked}/x/s.ics"\n',
                            "c.toml", base_dir=tmp_path, env={})
    state = State(tmp_path / "state")
    try:
        run_cycle(with_ics, state, MONDAY)
        failing = {c.name for c in state.components() if c.last_error}
        assert "sink:ics" in failing
        without = parse_config("[sources]\ndemo = true\n", "c.toml", base_dir=tmp_path, env={})
        run_cycle(without, state, MONDAY + timedelta(hours=1))
        names = {c.name for c in state.components()}
        assert "sink:ics" not in names and "source:demo" in names
    finally:
        state.close()
