"""The one mapping table, checked against garminconnect's own exercise catalogue and against
syncd's catalogue; and the reading of doses and loads, against hand-written answers."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from garminconnect import exercises

from syncd.sinks.garmin_exercises import BY_PATTERN, EXERCISES, FALLBACK, WARM_UP, lookup
from syncd.sinks.garmin_steps import parse_dose, parse_weight, warmup_seconds

GARMIN = {(e["category"], e["exercise"]) for e in exercises.EXERCISES}


def our_names() -> set[str]:
    """Every exercise name in the catalogue file, whatever its layout: each table's ``name``
    and the first item of each ``[name, dose]`` row of an ``exercises`` list."""
    text = resources.files("syncd.planner").joinpath("catalogue.toml").read_text("utf-8")
    names: set[str] = set()

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            if isinstance(node.get("name"), str) and key not in ("warmup",):
                names.add(node["name"])
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                if key == "exercises" and isinstance(item, list) and item \
                        and isinstance(item[0], str):
                    names.add(item[0])
                else:
                    walk(item, key)

    walk(tomllib.loads(text))
    return names


def test_the_catalogue_walk_finds_every_kind_of_exercise():
    names = our_names()
    assert {"Back squat", "Pogo hops", "Front plank", "Band pull-apart"} <= names


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_id_in_the_table_is_in_garmins_catalogue(name):
    cat, ident = EXERCISES[name]
    assert (cat, ident) in GARMIN or (ident == "" and cat in exercises.CATEGORIES), \
        f"{name}: {EXERCISES[name]} is not a Garmin exercise"


def test_fallbacks_and_warm_up_are_category_only_picks():
    """A guess names only the category, as Connect stores a category-only pick ("")."""
    for cat, name in [*BY_PATTERN.values(), FALLBACK, WARM_UP]:
        assert cat in exercises.CATEGORIES and name == "", (cat, name)
    assert all(cat in exercises.CATEGORIES for cat, _ in EXERCISES.values())
    assert WARM_UP == ("CARDIO", "")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_no_category_is_repeated_as_the_exercise_name(name):
    cat, ident = EXERCISES[name]
    assert ident != cat or cat not in {"PLYO", "CARRY", "CALF_RAISE", "CORE", "TOTAL_BODY",
                                       "DEADLIFT", "WARM_UP"}, name


def test_every_exercise_of_our_catalogue_is_in_the_table():
    missing = our_names() - set(EXERCISES)
    assert not missing, f"add these to syncd/sinks/garmin_exercises.py: {sorted(missing)}"


def test_an_unknown_exercise_falls_back_on_its_pattern():
    assert lookup("Zercher squat", "squat") == (("SQUAT", ""), False)
    assert lookup("Something new", "") == (FALLBACK, False)
    assert lookup("Back squat", "squat") == (("SQUAT", "BARBELL_BACK_SQUAT"), True)


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("5", "reps", 5), ("8-10", "reps", 8), ("6 each leg", "reps", 12),
    ("12 each side", "reps", 24), ("20 s", "time", 20), ("30-45 s", "time", 30),
    ("20-30 s each side", "time", 40), ("30 s", "time", 30), ("2 min", "time", 120),
    ("30 m each hand", "time", 60), ("10 steps each way", "reps", 20),
    ("to failure", "time", 60),
])
def test_doses(text, kind, value):
    d = parse_dose(text)
    assert (d.kind, d.value) == (kind, value)


def test_loads_and_warm_ups():
    assert parse_weight("82.5 kg (~75 % 1RM)") == (82.5, "kg")
    assert parse_weight("~75 % of 1RM") is None
    assert parse_weight("") is None
    assert warmup_seconds("Warm-up: 10 min easy cardio, then 5-7 min dynamic mobility") == 900
    assert warmup_seconds("Warm-up.") == 300
    assert warmup_seconds("Warm-up: 10 min cardio, then 6 min mobility.\nTime: 16 min "
                          "warm-up + 28 min of sets = 44 of 60 min.") == 960


def test_the_content_hash_follows_what_the_watch_shows_and_not_the_date():
    from dataclasses import replace
    from datetime import timedelta

    from syncd.sinks.garmin_steps import content_hash
    from tests.integration.garmin_workouts_helpers import planned

    s = planned(1)[0]
    assert content_hash(replace(s, start=s.start + timedelta(days=3),
                                end=s.end + timedelta(days=3), explanation="moved")) == \
        content_hash(s)
    first = s.exercises[0]
    assert content_hash(replace(s, exercises=(replace(first, reps="6"), *s.exercises[1:]))) \
        != content_hash(s)
    assert content_hash(replace(s, exercises=s.exercises[1:])) != content_hash(s)
    assert content_hash(replace(s, warmup="Warm-up: 3 min")) != content_hash(s)
