"""The intervals.icu keys: one account for source and sink, secrets by the usual four ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config.loader import load_config
from syncd.errors import ConfigError


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    path = tmp_path / "c.toml"
    path.write_text('[athlete]\ntimezone = "Europe/Berlin"\n' + text)
    return load_config(str(path), env=env or {})


def test_source_and_sink_share_the_account(tmp_path):
    cfg = load(tmp_path, '[sources.intervals_icu]\nenabled = true\nathlete_id = "i12345"\n'
               'api_key_env = "ICU_KEY"\n[intervals_icu]\nenabled = true\ndays = 7\n',
               env={"ICU_KEY": "abc"})
    assert cfg.intervals_icu is not None and cfg.intervals_icu_sink is not None
    assert cfg.intervals_icu.api_key is not None and cfg.intervals_icu.api_key.value == "abc"
    assert cfg.intervals_icu_sink.days == 7
    assert "abc" not in repr(cfg.intervals_icu)


def test_sink_alone_still_needs_the_account(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, "[intervals_icu]\nenabled = true\n")
    assert "at 'sources.intervals_icu.athlete_id'" in str(info.value)


def test_missing_key_names_the_key(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, '[sources.intervals_icu]\nenabled = true\nathlete_id = "i1"\n')
    assert "at 'sources.intervals_icu.api_key'" in str(info.value)


def test_hostile_athlete_id_is_refused(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, '[sources.intervals_icu]\nenabled = true\nathlete_id = "../i1"\n'
             'api_key = "k"\n')
    assert "at 'sources.intervals_icu.athlete_id'" in str(info.value)


def test_disabled_means_none(tmp_path):
    cfg = load(tmp_path, '[sources.intervals_icu]\nathlete_id = "i1"\n')
    assert cfg.intervals_icu is None and cfg.intervals_icu_sink is None
