"""Session content follows the contract and the seeds: patterns, dose, loads, time, rotation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from syncd.model import Exercise, Phase, RuleSettings, SessionKind, SessionStatus
from syncd.planner import PlanInputs, plan
from syncd.planner.catalogue import default_catalogue, parse_catalogue
from syncd.planner.content import round_load, session_content
from tests.helpers import MONDAY, athlete, example_week, session

CAT = default_catalogue()
ORM = {"back_squat": 100.0, "deadlift": 140.0, "front_squat": 80.0}
LIFT_S = {e.name: e.work_s for _, entries in CAT.slots for x in entries for e in (x, *x.alt)}
WORK_S = {SessionKind.HEAVY: LIFT_S, SessionKind.LIGHT: LIFT_S,
          SessionKind.CORE: {n: s for n, _, s in CAT.core.exercises},
          SessionKind.FOUNDATION: {n: s for n, _, s in CAT.foundation.exercises}}


def heavy(rotation: int = 0, level: int = 0, orm=None, plyo: bool = True, phase: str = "build",
          minutes: int = 45, exact: bool = True):
    return session_content(SessionKind.HEAVY, CAT, rotation=rotation, level=level,
                           one_rep_max=orm or {}, plyometrics=plyo, phase=phase,
                           minutes=minutes, exact_load=exact)


def main_lifts(ex: tuple[Exercise, ...]) -> list[Exercise]:
    return [e for e in ex if "main lift" in e.note]


def seconds(ex: tuple[Exercise, ...], kind: SessionKind = SessionKind.HEAVY) -> int:
    """Time of the sets, counted from what the event tells the athlete: a lift alone takes
    sets × (work + rest); two lifts marked as a superset take, per round, both sets and the
    rest written after each."""
    work = WORK_S[kind]
    total, i = 0, 0
    while i < len(ex):
        e = ex[i]
        pair = ex[i + 1] if i + 1 < len(ex) and "superset" in e.note else None
        if pair is None:
            total += e.sets * (work[e.name] + e.rest_s)
            i += 1
        else:
            # Superset: the rest printed for each lift is the time between two of its own
            # sets, so one round is a lift's set plus its rest, the same for both lifts.
            assert e.name in pair.note and pair.name in e.note
            assert e.sets == pair.sets
            assert work[e.name] + e.rest_s == work[pair.name] + pair.rest_s
            total += e.sets * (work[e.name] + e.rest_s)
            i += 2
    return total


def test_heavy_has_warmup_patterns_and_the_neglected_areas():
    c = heavy(minutes=60)
    assert re.search(r"\d+ min easy cardio", c.warmup) and "dynamic mobility" in c.warmup
    patterns = [e.pattern for e in c.exercises]
    assert patterns[0] == "plyometrics"
    strength = c.exercises[1:]
    assert 3 <= len(strength) <= 5
    assert patterns[1] in ("squat", "hinge")
    assert "lunge/single-leg" in patterns, "single-leg emphasis (001)"
    assert "ankle/calves" in patterns, "ankles and calves (000)"
    assert any(p in ("core stabilisation", "carry/core") for p in patterns), "core (000)"
    main = strength[0]
    assert 2 <= main.sets <= 4 and main.reps in {"3", "4", "5", "6"}
    assert "short of failure" in main.note


@pytest.mark.parametrize("kind", list(SessionKind))
@pytest.mark.parametrize("minutes", [30, 35, 45, 60, 90])
@pytest.mark.parametrize("phase", ["base", "build", "peak", "maintenance", "taper"])
@pytest.mark.parametrize("rotation", range(4))
def test_a_session_fits_its_slot(kind, minutes, phase, rotation):
    c = session_content(kind, CAT, rotation=rotation, level=2, one_rep_max=ORM,
                        plyometrics=phase != "taper", phase=phase, minutes=minutes)
    used = seconds(c.exercises, kind)
    warm = c.warmup_s // 60
    # The warm-up scales with the session: at most a third of it, and no longer than the sets
    # (issue 22: 16 min of warm-up for 13 min of sets).
    assert warm <= minutes // 3 and c.warmup_s <= max(used, 60 * 3)
    if kind.is_lifting and kind is not SessionKind.FOUNDATION and minutes >= 60:
        assert re.search(r"\d+ min easy cardio", c.warmup), c.warmup
        assert "6 min dynamic mobility" in c.warmup
    assert warm * 60 + used <= minutes * 60, c.warmup
    # The event shows the time budget, and it is the one counted here.
    m = re.search(r"Time: (\d+) min warm-up \+ (\d+) min of sets = (\d+) of (\d+) min", c.warmup)
    assert m is not None, c.warmup
    assert (int(m[1]), int(m[2]), int(m[4])) == (warm, -(-used // 60), minutes)
    assert int(m[3]) <= minutes
    assert c.warmup.splitlines()[0].count(" min ") >= 1


def test_no_cardio_warm_up_after_a_run_the_same_day():
    for kind in (SessionKind.HEAVY, SessionKind.LIGHT, SessionKind.FOUNDATION):
        c = session_content(kind, CAT, rotation=0, level=0, one_rep_max={}, plyometrics=True,
                            phase="build", minutes=45, after_run=True)
        first = c.warmup.splitlines()[0]
        assert not re.search(r"cardio \(|jog|bike", first), first
        assert "No cardio part" in first, first
        assert c.warmup_s < session_content(
            kind, CAT, rotation=0, level=0, one_rep_max={}, plyometrics=True, phase="build",
            minutes=45).warmup_s


def test_the_old_45_minute_heavy_no_longer_holds_an_hour():
    # Five lifts of 3 sets with 2 min rest each, plus plyometrics, took about an hour of sets
    # after the warm-up. Supersets keep each lift's rest and fit 45 min.
    c = heavy(minutes=45)
    straight = sum(e.sets * (LIFT_S[e.name] + 120) for e in c.exercises[1:])
    assert 16 * 60 + straight > 45 * 60
    assert c.total_s <= 45 * 60
    squat, partner = c.exercises[1], c.exercises[2]
    assert "superset" in squat.note and squat.pattern != partner.pattern
    # The rest printed is the real rest between two sets of the main lift: 2 min or more
    # (issue 22: "rest 0:45" was printed while the superset made it about 2 min).
    assert squat.rest_s >= 120
    assert squat.rest_s == 2 * CAT.heavy_dose("build").pair_rest_s + LIFT_S[partner.name]


def test_a_short_slot_drops_accessories_before_main_lifts():
    full = heavy(minutes=60)
    short = heavy(minutes=30)
    assert len(short.exercises) < len(full.exercises)
    assert [e.name for e in main_lifts(short.exercises)] == [
        e.name for e in main_lifts(full.exercises)]
    assert all(e.sets >= 2 for e in main_lifts(short.exercises))
    assert "Left out to fit the time" in short.warmup
    left_out = short.warmup.split("Left out to fit the time: ")[1]
    assert all(e.name not in left_out for e in main_lifts(full.exercises))


@pytest.mark.parametrize("rotation", range(8))
@pytest.mark.parametrize("phase", ["base", "build", "peak", "maintenance"])
def test_every_heavy_session_has_a_main_single_leg_lift(rotation, phase):
    for minutes in (30, 45):
        c = heavy(rotation=rotation, phase=phase, minutes=minutes, plyo=phase != "peak")
        single = [e for e in main_lifts(c.exercises) if e.pattern == "lunge/single-leg"]
        assert single, [e.name for e in c.exercises]
        assert single[0].sets == main_lifts(c.exercises)[0].sets


@pytest.mark.parametrize("kind", list(SessionKind))
@pytest.mark.parametrize("orm", [{}, ORM])
def test_every_exercise_carries_a_load_or_an_effort_cue(kind, orm):
    for rotation in range(4):
        for exact in (True, False):
            c = session_content(kind, CAT, rotation=rotation, level=1, one_rep_max=orm,
                                plyometrics=True, phase="build", exact_load=exact)
            for e in c.exercises:
                assert e.load, e
                cue = e.load + " " + e.note
                assert re.search(r"kg|% of 1RM|% 1RM|in reserve|too light|bodyweight|band|"
                                 r"without leaning|hold dead still|20 are easy", cue), e


def test_a_lift_without_a_percentage_says_when_it_is_too_light():
    single = next(e for e in heavy().exercises if e.pattern == "lunge/single-leg")
    assert "if you could do 20, it is too light" in single.load


def test_loads_from_one_rep_max_are_rounded_to_2_5_kg():
    squat = next(e for e in heavy(rotation=0, orm=ORM, phase="maintenance").exercises
                 if e.name == "Back squat")
    assert squat.load.startswith("75 kg")
    rdl = next(e for e in heavy(rotation=1, orm=ORM, phase="maintenance").exercises
               if e.name == "Romanian deadlift")
    # The RDL's own 1RM is 0.8 × the deadlift's: 140 kg × 0.8 × 75 % = 84 kg → 85 kg.
    # Label and kg use the same 1RM, and the label says which (issue 22).
    assert rdl.load == "85 kg (~75 % of 112 kg 1RM)"
    assert round_load(83.7) == 82.5 and round_load(83.8) == 85.0


def test_without_one_rep_max_the_load_is_a_percentage():
    assert heavy(phase="maintenance").exercises[1].load == "~75 % of 1RM"


def test_progression_raises_the_load_and_stops_at_the_phase_ceiling():
    loads = [heavy(level=lv, orm=ORM, phase="maintenance").exercises[1].load for lv in range(8)]
    assert loads[0].startswith("75 kg") and loads[1].startswith("77.5 kg")
    assert loads[4].startswith("85 kg") and loads[7].startswith("85 kg")


def test_a_later_session_shows_the_range_not_a_step():
    later = heavy(level=3, orm=ORM, exact=False).exercises[1]
    assert later.load == "80–85 kg (~80–85 % of 100 kg 1RM)"
    assert "next heavy session" in later.note
    assert heavy(level=0, orm=ORM, exact=False) == heavy(level=4, orm=ORM, exact=False)


def test_rotation_varies_the_exercises():
    a = [e.name for e in heavy(rotation=0).exercises]
    b = [e.name for e in heavy(rotation=1).exercises]
    assert a != b
    assert a[1] != b[1], "the main lift alternates squat and hinge"


@pytest.mark.parametrize("light_phase", ["taper", "recovery", "build"])
def test_light_is_half_the_sets_at_60_to_70_percent(light_phase):
    for rotation in range(4):
        c = session_content(SessionKind.LIGHT, CAT, rotation=rotation, level=3,
                            one_rep_max=ORM, plyometrics=True, phase=light_phase, minutes=35)
        assert all(e.pattern != "plyometrics" for e in c.exercises)
        main = c.exercises[0]
        assert main.sets == 2
        pct = float(re.search(r"~([\d.]+) % of", main.load)[1])  # type: ignore[index]
        assert 60 <= pct <= 70, main.load
        kg = float(main.load.split(" kg")[0])
        own_1rm = {"Back squat": 100, "Front squat": 80, "Romanian deadlift": 0.8 * 140,
                   "Trap-bar deadlift": 140}[main.name]
        assert 0.6 * own_1rm - 1.25 <= kg <= 0.7 * own_1rm + 1.25, main


def test_phase_sets_the_dose():
    doses = {}
    for phase in ("base", "build", "peak", "maintenance"):
        main = heavy(phase=phase, orm=ORM, plyo=phase != "peak").exercises
        squat = next(e for e in main if e.name == "Back squat")
        doses[phase] = (squat.sets, int(squat.reps), float(squat.load.split(" kg")[0]))
    volume = {p: s * r for p, (s, r, _) in doses.items()}
    load = {p: kg for p, (_, _, kg) in doses.items()}
    assert volume["base"] > volume["build"], "base: more volume (004)"
    assert load["build"] > load["base"], "build: heavy strength"
    assert doses["peak"][0] < doses["build"][0] and load["peak"] == load["build"], \
        "peak: maintenance dose, fewer sets at the same load"


@pytest.mark.parametrize("kind, names", [
    (SessionKind.CORE, {"Front plank", "Side plank", "Marching glute bridge", "Reverse plank",
                        "Bicycle crunch", "Side bend", "Russian twist",
                        "Single-leg glute bridge"}),
    (SessionKind.FOUNDATION, {"Bodyweight squat", "Walking lunge", "Step-up", "Glute bridge",
                              "Calf raise", "Front plank", "Band pull-apart",
                              "Banded lateral walk"}),
])
def test_core_and_foundation_use_their_catalogue(kind, names):
    c = session_content(kind, CAT, rotation=2, level=0, one_rep_max=ORM, plyometrics=False)
    assert c.exercises and {e.name for e in c.exercises} <= names
    assert all("kg" not in e.load and "1RM" not in e.load for e in c.exercises), "no load"


def test_catalogue_is_data_and_a_changed_file_changes_the_sessions():
    from importlib import resources

    text = resources.files("syncd.planner").joinpath("catalogue.toml").read_text()
    assert parse_catalogue(text) == CAT
    edited = parse_catalogue(text.replace('name = "Back squat"', 'name = "Zercher squat"'))
    c = session_content(SessionKind.HEAVY, edited, rotation=0, level=0, one_rep_max={},
                        plyometrics=False)
    assert c.exercises[0].name == "Zercher squat"
    with pytest.raises(ValueError, match="unknown slots"):
        parse_catalogue(text.replace('["posterior"]]', '["upper"]]'))


def test_planned_sessions_carry_content_and_progress_after_done_sessions():
    now = MONDAY.replace(hour=6)
    # Four done heavy sessions: Tue and Thu of the two weeks before.
    history = tuple(session(f"syncd-h{i}@syncd", day, "18:00", status=SessionStatus.DONE)
                    for i, day in enumerate((-6, -4, -13, -11)))
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
