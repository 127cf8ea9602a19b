"""An event's rule legend gives each rule's words first, its contract code after (issue 22)."""

from __future__ import annotations

from dataclasses import replace

from syncd.sinks.events import description
from tests.helpers import session


def test_rules_are_words_then_codes():
    s = replace(session("syncd-a@syncd", 1, "18:00"), rules=("R3", "G2", "R12"))
    line = next(x for x in description(s).splitlines() if x.startswith("Rules: "))
    assert line == ("Rules: run first, lift at least 3 h after (R3); heavy on hard days, after "
                    "the run (G2); the day after a race: nothing heavy, no jumps (R12)")
