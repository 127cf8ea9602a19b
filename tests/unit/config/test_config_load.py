"""Loading, lookup order, secrets and the generated sample."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from syncd.commands import check_config
from syncd.config.loader import EMBEDDED, find_config, load_config, parse_config
from syncd.config.sample import render_sample
from syncd.model import Phase

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "syncd.example.toml"


def test_example_config_is_the_generated_sample():
    # The example is generated from the schema; regenerate with `syncd config sample`.
    assert EXAMPLE.read_text() == render_sample()


def test_example_config_loads_and_documents_every_key():
    cfg = load_config(str(EXAMPLE), env={})
    assert cfg.origin == str(EXAMPLE)
    # Its example race and week of runs are commented out: unedited, it plans no taper for
    # a race nobody entered, and `config check` says it writes nothing (issue 23).
    assert cfg.races == () and cfg.week_plan == ()
    assert cfg.ics is None and cfg.caldav is None and cfg.feed is None
    assert "# nothing will be written" in check_config(cfg)
    text = EXAMPLE.read_text()
    assert "# [[races]]\n# date = 2027-04-25\n# name = \"City Marathon\"" in text
    uncommented = "\n".join(line.removeprefix("# ") for line in text.splitlines()
                            if line.startswith("# [[") or not line.startswith("#"))
    assert "[[plan.week]]" in uncommented  # still documented, one edit away
    from syncd.config.schema import SCHEMA, Key, Table

    def keys(t: Table):
        for item in t.items:
            if isinstance(item, Key):
                yield item.name
            else:
                yield from keys(item)

    for name in keys(SCHEMA):
        assert name in text, f"{name} is not documented in the example config"


def test_values_are_converted():
    cfg = parse_config(
        '[athlete]\ntimezone = "Europe/Berlin"\nrest_days = ["Monday", "fri"]\n'
        'preferred_time = "06:30"\nrunning_since = 2025-01-15\n'
        '[athlete.one_rep_max]\nback_squat = 102.5\n'
        '[athlete.availability]\nsat = []\n'
        '[rules]\nphase = "peak"\n'
        '[[plan.week]]\nday = "thu"\nkind = "quality"\n',
        "c.toml", base_dir=Path("/etc/syncd"), env={})
    a = cfg.athlete
    assert a.timezone == "Europe/Berlin"
    assert a.rest_days == frozenset({0, 4})
    assert a.running_since == date(2025, 1, 15)
    assert dict(a.one_rep_max) == {"back_squat": 102.5}
    assert a.availability[5] == ()
    assert a.availability[0][0].start == time(6, 0)
    assert cfg.rules.phase is Phase.PEAK
    assert cfg.week_plan[0].time is None


def test_relative_ics_path_is_relative_to_the_config_file():
    cfg = parse_config('[ics]\npath = "out/strength.ics"\n', "c.toml",
                       base_dir=Path("/etc/syncd"), env={})
    assert cfg.ics is not None and cfg.ics.path == Path("/etc/syncd/out/strength.ics")


def test_lookup_order(tmp_path: Path):
    xdg = tmp_path / "xdg"
    (xdg / "syncd").mkdir(parents=True)
    (xdg / "syncd" / "config.toml").write_text("")
    named = tmp_path / "named.toml"
    named.write_text("")
    env = {"XDG_CONFIG_HOME": str(xdg), "HOME": str(tmp_path)}
    assert find_config(None, env) == xdg / "syncd" / "config.toml"
    assert find_config(None, {**env, "SYNCD_CONFIG": str(named)}) == named
    other = tmp_path / "other.toml"
    other.write_text("")
    assert find_config(str(other), {**env, "SYNCD_CONFIG": str(named)}) == other


def test_no_file_anywhere_gives_the_embedded_demo(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None, env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "x")})
    if cfg.origin != EMBEDDED:  # a system-wide /etc/syncd/config.toml exists on this machine
        assert Path("/etc/syncd/config.toml").exists()
        return
    assert cfg.demo is True
    assert cfg.ics is not None and cfg.ics.path == tmp_path / "syncd-demo.ics"


def test_secret_from_command_env_and_credential(tmp_path: Path):
    base = '[calendar]\nurl = "https://dav.example/"\nusername = "ana"\n'
    env = {"PATH": "/usr/bin:/bin"}
    cfg = parse_config(base + 'password_command = "printf \'s3cret\\nignored\'"\n', "c",
                       base_dir=tmp_path, env=env)
    assert cfg.caldav is not None and cfg.caldav.password is not None
    assert cfg.caldav.password.value == "s3cret"
    assert "s3cret" not in repr(cfg.caldav)
    cfg = parse_config(base + 'password_env = "PW"\n', "c", base_dir=tmp_path,
                       env={"PW": "from-env"})
    assert cfg.caldav is not None and cfg.caldav.password is not None
    assert cfg.caldav.password.value == "from-env"
    (tmp_path / "caldav").write_text("from-cred\n")
    cfg = parse_config(base + 'password_credential = "caldav"\n', "c", base_dir=tmp_path,
                       env={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert cfg.caldav is not None and cfg.caldav.password is not None
    assert cfg.caldav.password.value == "from-cred"


def test_config_check_masks_secrets(tmp_path: Path):
    cfg = parse_config('[calendar]\nurl = "https://dav.example/"\npassword = "hunter2"\n'
                       '[athlete]\nrest_days = ["mon"]\n', "c", base_dir=tmp_path, env={})
    text = check_config(cfg)
    assert "hunter2" not in text
    assert 'password = "********"' in text
    assert 'rest_days = ["mon"]' in text
    # What config check prints is itself a valid config that loads to the same values.
    body = "\n".join(line for line in text.splitlines() if "********" not in line)
    again = parse_config(body, "again", base_dir=tmp_path, env={})
    assert again.athlete == cfg.athlete
