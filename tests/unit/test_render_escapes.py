"""What reaches the terminal is escaped even when a title got past the cleaning at the
boundary (a run built by other code, a state from an older version) (issue 20)."""

from __future__ import annotations

import json
from datetime import timedelta

from syncd.model import RunKind
from syncd.planner import PlanInputs, plan
from syncd.render import explain_day, plan_json, plan_table
from tests.helpers import MONDAY, athlete, example_week, run

RAW = "Hills\x1b]0;pwned\x07\x00\b\u202eevil\u2066\x9b2J"
UNSAFE = "\x1b\x07\x00\b\u202e\u2066\x9b"


def test_plan_table_explain_and_json_escape_raw_controls():
    runs = (*example_week(), run(1, "18:00", 40, RunKind.EASY, title=RAW))
    p = plan(PlanInputs(athlete=athlete(), planned_runs=tuple(runs)),
             MONDAY - timedelta(hours=6))
    table = plan_table(p, 7)
    explain = explain_day(p, (MONDAY + timedelta(days=1)).date())
    doc = plan_json(p)
    for text in (table, explain, doc):
        assert not any(c in text for c in UNSAFE)
    assert "\\x1b]0;pwned\\x07\\x00\\x08\\u202eevil" in explain
    assert RAW in [r["title"] for r in json.loads(doc)["runs"]], "JSON keeps the text"
