"""`syncd status` names the athlete's instance (systemd/syncd@.service sets $SYNCD_INSTANCE)."""

from __future__ import annotations

import pytest

from syncd.context import Context
from syncd.state import State
from syncd.status import status_text
from tests.helpers import MONDAY


@pytest.fixture
def ctx(tmp_path) -> Context:
    config = tmp_path / "anna.toml"
    config.write_text('[athlete]\ntimezone = "Europe/Berlin"\n')
    State(tmp_path / "state").record_component("cycle", MONDAY, None)
    return Context(str(config), str(tmp_path / "state"), MONDAY.isoformat(), 0)


def test_status_names_the_instance_first(ctx, monkeypatch):
    monkeypatch.setenv("SYNCD_INSTANCE", "anna")
    lines = status_text(ctx)[0].splitlines()
    assert lines[0] == "instance: anna"
    assert lines[1].startswith("state: ")


def test_without_an_instance_there_is_no_instance_line(ctx, monkeypatch):
    monkeypatch.delenv("SYNCD_INSTANCE", raising=False)
    assert not status_text(ctx)[0].startswith("instance:")


def test_a_hostile_instance_name_is_bounded_and_printable(ctx, monkeypatch):
    monkeypatch.setenv("SYNCD_INSTANCE", "a\x1b[2Jb" + "x" * 500)
    first = status_text(ctx)[0].splitlines()[0]
    assert first.startswith("instance: a?[2Jb")
    assert len(first) == len("instance: ") + 64
