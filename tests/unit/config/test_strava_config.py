"""[sources.strava]: what it needs, said by path; the client secret by the secret keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.errors import ConfigError

HEAD = '[athlete]\ntimezone = "Europe/Berlin"\n[sources.strava]\n'


def parse(body: str, env: dict[str, str] | None = None):
    return parse_config(HEAD + body, "c.toml", base_dir=Path("/tmp"), env=env or {})


def test_off_by_default_and_read_when_enabled():
    assert parse("").strava is None
    cfg = parse('enabled = true\nclient_id = "4242"\nclient_secret_env = "S"\n', {"S": "xyz"})
    assert cfg.strava is not None
    assert cfg.strava.client_id == "4242" and cfg.strava.client_secret.value == "xyz"
    assert cfg.strava.history_days == 112 and cfg.strava.redirect_port == 0
    assert "xyz" not in repr(cfg.strava)


@pytest.mark.parametrize(("body", "key", "words"), [
    ('enabled = true\nclient_secret = "x"\n', "sources.strava.client_id", "Client ID"),
    ('enabled = true\nclient_id = "1"\n', "sources.strava.client_secret", "Client Secret"),
    ('enabled = true\nclient_id = "1"\nclient_secret = "x"\nclient_secret_env = "S"\n',
     "sources.strava.client_secret_env", "one way"),
    ('enabled = true\nclient_id = "1"\nclient_secret = "x"\nredirect_port = 70000\n',
     "sources.strava.redirect_port", ""),
    ('enabled = true\nclient_id = "1"\nclient_secret = "x"\nhistory_days = 5\n',
     "sources.strava.history_days", ""),
])
def test_errors_name_the_key(body, key, words):
    with pytest.raises(ConfigError) as exc:
        parse(body)
    text = str(exc.value)
    assert f"at '{key}'" in text and words in text and "\n" not in text
