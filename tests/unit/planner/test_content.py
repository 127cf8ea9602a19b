"""Session content follows the contract: patterns, dose, loads, progression, rotation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncd.model import Phase, RuleSettings, SessionKind, SessionStatus
from syncd.planner import PlanInputs, plan
from syncd.planner.catalogue import default_catalogue, parse_catalogue
from syncd.planner.content import round_load, session_content
from tests.helpers import MONDAY, athlete, example_week, session

CAT = default_catalogue()
ORM = {"back_squat": 100.0, "deadlift": 140.0, "front_squat": 80.0, "hip_thrust": 120.0}


def heavy(rotation: int = 0, level: int = 0, orm=None, plyo: bool = True):
    return session_content(SessionKind.HEAVY, CAT, rotation=rotation, level=level,
                           one_rep_max=orm or {}, plyometrics=plyo)


def test_heavy_has_warmup_patterns_and_the_neglected_areas():
    warmup, ex = heavy()
    assert "10 min easy cardio" in warmup and "dynamic mobility" in warmup
    patterns = [e.pattern for e in ex]
    assert patterns[0] == "plyometrics"
    strength = ex[1:]
    assert 3 <= len(strength) <= 5
    assert patterns[1] in ("squat", "hinge")
    assert "lunge/single-leg" in patterns, "single-leg emphasis (001)"
    assert "ankle/calves" in patterns, "ankles and calves (000)"
    assert any(p in ("core stabilisation", "carry/core") for p in patterns), "core (000)"
    main = strength[0]
    assert 2 <= main.sets <= 4 and main.reps in {"3", "4", "5", "6"}
    assert 60 <= main.rest_s <= 120
    assert "short of failure" in main.note


def test_no_plyometrics_in_taper():
    _, ex = heavy(plyo=False)
    assert all(e.pattern != "plyometrics" for e in ex)


def test_loads_from_one_rep_max_are_rounded_to_2_5_kg():
    _, ex = heavy(rotation=0, orm=ORM)
    squat = next(e for e in ex if e.name == "Back squat")
    assert squat.load.startswith("75 kg")
    _, ex = heavy(rotation=1, orm=ORM)
    rdl = next(e for e in ex if e.name == "Romanian deadlift")
    # 140 kg × 75 % × 0.8 = 84 kg → 85 kg.
    assert rdl.load.startswith("85 kg")
    assert round_load(83.7) == 82.5 and round_load(83.8) == 85.0


def test_without_one_rep_max_the_load_is_a_percentage():
    _, ex = heavy()
    main = ex[1]
    assert main.load == "~75 % of 1RM"


def test_progression_raises_the_load_and_stops_at_85_percent():
    loads = [heavy(level=lv, orm=ORM)[1][1].load for lv in range(8)]
    assert loads[0].startswith("75 kg") and loads[1].startswith("77.5 kg")
    assert loads[4].startswith("85 kg") and loads[7].startswith("85 kg")


def test_rotation_varies_the_exercises():
    a = [e.name for e in heavy(rotation=0)[1]]
    b = [e.name for e in heavy(rotation=1)[1]]
    assert a != b
    assert a[1] != b[1], "the main lift alternates squat and hinge"


def test_light_is_half_the_sets_at_lower_load():
    _, ex = session_content(SessionKind.LIGHT, CAT, rotation=0, level=3, one_rep_max=ORM,
                            plyometrics=True)
    assert all(e.pattern != "plyometrics" for e in ex)
    main = ex[0]
    assert main.sets == 2
    assert main.load.startswith("65 kg")


@pytest.mark.parametrize("kind, names", [
    (SessionKind.CORE, {"Front plank", "Side plank", "Marching glute bridge", "Reverse plank",
                        "Bicycle crunch", "Side bend", "Russian twist",
                        "Single-leg glute bridge"}),
    (SessionKind.FOUNDATION, {"Bodyweight squat", "Walking lunge", "Step-up", "Glute bridge",
                              "Calf raise", "Front plank", "Band pull-apart",
                              "Banded lateral walk"}),
])
def test_core_and_foundation_use_their_catalogue(kind, names):
    _, ex = session_content(kind, CAT, rotation=2, level=0, one_rep_max={}, plyometrics=False)
    assert ex and {e.name for e in ex} <= names
    assert all(not e.load for e in ex), "bodyweight only"


def test_catalogue_is_data_and_a_changed_file_changes_the_sessions():
    from importlib import resources

    text = resources.files("syncd.planner").joinpath("catalogue.toml").read_text()
    assert parse_catalogue(text) == CAT
    edited = parse_catalogue(text.replace('name = "Back squat"', 'name = "Zercher squat"'))
    _, ex = session_content(SessionKind.HEAVY, edited, rotation=0, level=0, one_rep_max={},
                            plyometrics=False)
    assert ex[0].name == "Zercher squat"


def test_planned_sessions_carry_content_and_progress_after_done_sessions():
    now = MONDAY.replace(hour=6)
    history = tuple(session(f"syncd-h{i}@syncd", -2 - 3 * i, "18:00",
                            status=SessionStatus.DONE) for i in range(4))
    base = PlanInputs(athlete(one_rep_max=(("back_squat", 100.0), ("deadlift", 140.0))),
                      RuleSettings(phase=Phase.BUILD), planned_runs=tuple(example_week()))
    fresh = plan(base, now)
    trained = plan(PlanInputs(**{**base.__dict__, "published": history}), now)
    first = next(s for s in fresh.sessions if s.kind is SessionKind.HEAVY)
    later = next(s for s in trained.sessions if s.kind is SessionKind.HEAVY
                 and s.status is SessionStatus.PLANNED)
    assert first.warmup and len(first.exercises) >= 4
    assert first.exercises[1].load != later.exercises[1].load
    assert "+5 % after 4 completed heavy sessions" in later.explanation
    assert later.start - first.start < timedelta(days=1)
