"""The feed's config, URLs and token, as `syncd status` and `syncd feed rotate-token` see them."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.errors import ConfigError, ExitCode
from syncd.feed.control import rotate_token, status_lines
from syncd.feed.files import ensure_token, read_token


def config(text: str):
    return parse_config(text, "config.toml", base_dir=Path("/tmp"), env={})


@pytest.mark.parametrize("listen,host,port", [("127.0.0.1:8787", "127.0.0.1", 8787),
                                              ("[::1]:9000", "::1", 9000),
                                              ("localhost:1", "localhost", 1)])
def test_listen_addresses(listen: str, host: str, port: int):
    feed = config(f'[feed]\nlisten = "{listen}"\n').feed
    assert feed is not None and (feed.host, feed.port) == (host, port)
    assert feed.refresh_minutes == 60 and feed.busy_name == "Busy"


@pytest.mark.parametrize("bad", ["8787", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999",
                                 ":8787", "host:port"])
def test_a_bad_listen_address_is_one_line_naming_the_key(bad: str):
    with pytest.raises(ConfigError) as info:
        config(f'[feed]\nlisten = "{bad}"\n')
    assert info.value.exit_code is ExitCode.USAGE
    assert str(info.value).startswith("config.toml: at 'feed.listen': expected an address "
                                      'as "HOST:PORT"')


def test_no_listen_means_no_feed():
    assert config('[feed]\nname = "x"\n').feed is None


def test_status_shows_public_urls_and_where_it_is_served(tmp_path: Path):
    c = config('[feed]\nlisten = "127.0.0.1:8787"\npublic_url = "https://h.example/syncd/"\n')
    assert status_lines(c, tmp_path) == [
        "feed: no token yet; it is made when `syncd run` first starts "
        "(or now with `syncd feed rotate-token`)"]
    token = ensure_token(tmp_path)
    assert ensure_token(tmp_path) == token, "made once, then kept"
    assert status_lines(c, tmp_path) == [
        f"feed: https://h.example/syncd/{token}/strength.ics",
        f"  busy-only feed: https://h.example/syncd/{token}/busy.ics",
        f"  served locally at http://127.0.0.1:8787/{token}/strength.ics",
        f"page: https://h.example/syncd/{token}/ (the plan, the season and this status)"]
    assert status_lines(config(""), tmp_path) == []


def test_rotate_makes_a_new_private_token(tmp_path: Path):
    c = config('[feed]\nlisten = "0.0.0.0:8787"\n')
    old = ensure_token(tmp_path)
    out = rotate_token(c, tmp_path)
    new = read_token(tmp_path)
    assert new and new != old and len(new) >= 32
    assert f"http://127.0.0.1:8787/{new}/strength.ics" in out[1]
    assert oct((tmp_path / "feed_token").stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob(".feed_token.*")), "no temporary file left behind"


def test_rotate_without_a_feed_says_which_key_to_set(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        rotate_token(config(""), tmp_path)
    assert "at 'feed.listen'" in str(info.value)
    assert not (tmp_path / "feed_token").exists()
