"""athlete.equipment: a gym by default, a list of known words, an error by path otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.errors import ConfigError
from syncd.model import GYM_EQUIPMENT


def load(text: str):
    return parse_config(text, "config.toml", base_dir=Path("/tmp"), env={})


def test_default_is_a_gym():
    assert load("[athlete]\n").athlete.equipment == GYM_EQUIPMENT


def test_a_home_list_is_kept():
    cfg = load('[athlete]\nequipment = ["dumbbells", "bands", "dumbbells"]\n')
    assert cfg.athlete.equipment == ("dumbbells", "bands")
    assert load('[athlete]\nequipment = ["none"]\n').athlete.equipment_set == frozenset()


def test_an_unknown_word_names_the_key_and_index():
    with pytest.raises(ConfigError) as info:
        load('[athlete]\nequipment = ["dumbbells", "sandbag"]\n')
    msg = str(info.value)
    assert "\n" not in msg
    assert "at 'athlete.equipment[1]'" in msg and "'pull-up bar'" in msg and "sandbag" in msg
