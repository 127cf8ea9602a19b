"""Phases counted back from the next A race, and the weekly target they set (G1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from syncd.model import Phase, Race, RacePriority, RuleSettings
from syncd.planner.phases import PHASE_CAP, phase_for

RACE = date(2027, 4, 25)
A = (Race(RACE, "Marathon", RacePriority.A),)


@pytest.mark.parametrize("days_before, phase", [
    (120, Phase.BASE), (85, Phase.BASE), (84, Phase.BUILD), (29, Phase.BUILD),
    (28, Phase.PEAK), (11, Phase.PEAK), (10, Phase.TAPER), (7, Phase.TAPER),
    (6, Phase.RACE_WEEK), (0, Phase.RACE_WEEK),
])
def test_phase_before_an_a_race(days_before, phase):
    assert phase_for(RACE - timedelta(days=days_before), A, RuleSettings()) is phase


def test_taper_length_follows_the_setting():
    rules = RuleSettings(taper_days=14)
    assert phase_for(RACE - timedelta(days=13), A, rules) is Phase.TAPER


def test_recovery_after_the_race_then_maintenance():
    assert phase_for(RACE + timedelta(days=1), A, RuleSettings()) is Phase.RECOVERY
    assert phase_for(RACE + timedelta(days=14), A, RuleSettings()) is Phase.RECOVERY
    assert phase_for(RACE + timedelta(days=15), A, RuleSettings()) is Phase.MAINTENANCE


def test_b_and_c_races_do_not_set_phases():
    races = (Race(RACE, "Tune-up", RacePriority.B),)
    assert phase_for(RACE - timedelta(days=5), races, RuleSettings()) is Phase.MAINTENANCE


def test_explicit_phase_wins():
    assert phase_for(RACE - timedelta(days=3), A, RuleSettings(phase=Phase.BASE)) is Phase.BASE


def test_weekly_caps_follow_the_contract():
    assert PHASE_CAP[Phase.BASE] == 3 and PHASE_CAP[Phase.BUILD] == 2
    assert PHASE_CAP[Phase.PEAK] == 2 and PHASE_CAP[Phase.TAPER] == 1
    assert PHASE_CAP[Phase.RECOVERY] == 1
