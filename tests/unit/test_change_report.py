"""`run --once`'s report counts only what was sent (issue 23: after the user moved a
session on DAViCal, "caldav: wrote 1 event" while no write was sent)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from syncd.commands import change_report
from syncd.config.loader import parse_config
from syncd.cycle import CycleResult
from syncd.model import Phase
from syncd.planner.inputs import Plan
from syncd.sinks.base import Action, Op, SinkReport

WHEN = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
CONFIG = parse_config('[athlete]\ntimezone = "Europe/Berlin"\n', "c.toml",
                      base_dir=Path("/tmp"), env={})


def report(*actions: Action) -> list[str]:
    plan = Plan(now=WHEN, timezone="Europe/Berlin", phase=Phase.MAINTENANCE, runs=(),
                sessions=(), warnings=(), days=())
    result = CycleResult(plan=plan, reports=[SinkReport("caldav", list(actions))])
    return change_report(CONFIG, result, dry_run=False, verbose=False)


def test_a_move_the_user_made_is_read_not_written():
    lines = report(Action(Op.PIN, "u1", "Heavy strength", WHEN,
                          "you edited it: kept as you left it"))
    assert not any("wrote" in line for line in lines), lines
    assert "caldav: read 1 change you made (nothing written for it)" in lines
    assert any(line.startswith("  pin") and "kept as you left it" in line for line in lines)


def test_writes_are_counted_apart_from_what_was_read():
    lines = report(Action(Op.DECLINE, "u1", "", WHEN, "you deleted it: not put back"),
                   Action(Op.UPDATE, "u2", "Core", WHEN), Action(Op.CREATE, "u3", "Core", WHEN))
    assert "caldav: wrote 2 events" in lines
    assert "caldav: read 1 change you made (nothing written for it)" in lines
