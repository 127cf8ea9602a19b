"""`athlete.one_rep_max` takes only lifts the planner loads: a typo is an error naming the
key, the nearest lift and every valid one, not a value accepted and never used (issue 23)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.config.sample import render_sample
from syncd.config.schema import LIFTS
from syncd.errors import ConfigError
from syncd.planner.catalogue import SLOTS, default_catalogue


def load(text: str):
    return parse_config(text, "c.toml", base_dir=Path("/tmp"), env={})


def test_lift_names_are_the_catalogues_one_rep_max_names():
    cat = default_catalogue()
    used = {e.orm for slot in SLOTS for e in cat.slot(slot) if e.orm}
    assert set(LIFTS) == used


def test_a_near_miss_names_the_key_and_the_nearest_lift():
    with pytest.raises(ConfigError) as err:
        load("[athlete]\none_rep_max = { squat = 100 }\n")
    text = str(err.value)
    assert "at 'athlete.one_rep_max.squat'" in text
    assert "did you mean 'back_squat'?" in text
    assert all(name in text for name in LIFTS)
    assert "\n" not in text


def test_a_far_miss_lists_the_valid_lifts():
    with pytest.raises(ConfigError) as err:
        load("[athlete.one_rep_max]\nbench_press = 80\n")
    text = str(err.value)
    assert "athlete.one_rep_max.bench_press" in text and "did you mean" not in text
    assert "lifts that take a one-rep max: back_squat, deadlift, front_squat" in text


def test_valid_lifts_load():
    cfg = load("[athlete]\none_rep_max = { back_squat = 100, front_squat = 80, deadlift = 120 }\n")
    assert dict(cfg.athlete.one_rep_max) == {"back_squat": 100.0, "deadlift": 120.0,
                                             "front_squat": 80.0}


def test_the_sample_lists_the_valid_lifts():
    sample = render_sample()
    doc = sample.split("# one_rep_max =")[0].rsplit("\n\n", 1)[-1]
    assert "Lifts: back_squat, deadlift, front_squat." in doc.replace("\n# ", " ")
