"""A config can hold anything: sizes are bounded with one line naming the key, titles are
cleaned, windows that touch are one, and no value reaches an internal error (issue 20)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncd.cli import main
from syncd.config.loader import parse_config
from syncd.config.types import SHOW_MAX
from syncd.errors import ConfigError
from syncd.model import WEEKDAYS, TimeWindow


def load(text: str):
    return parse_config(text, "config.toml", base_dir=Path("/tmp"), env={})


def error_of(text: str) -> str:
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        load(text)
    assert time.monotonic() - started < 2.0  # a rough guard; bench/ measures it properly
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    return message


def every_day(windows: list[str]) -> str:
    return "[athlete.availability]\n" + "".join(f"{d} = {json.dumps(windows)}\n"
                                                 for d in WEEKDAYS)


def test_touching_and_overlapping_windows_are_one():
    joined = load(every_day(["17:30-17:50", "17:00-17:30"])).athlete.availability
    assert joined == load(every_day(["17:00-17:50"])).athlete.availability
    assert joined[0] == (TimeWindow(*_times("17:00", "17:50")),)
    mixed = load(every_day(["06:00-07:00", "06:30-06:45", "06:50-08:00", "18:00-19:00"]))
    assert mixed.athlete.availability[3] == (TimeWindow(*_times("06:00", "08:00")),
                                             TimeWindow(*_times("18:00", "19:00")))


def _times(a: str, b: str):
    from syncd.config.types import parse_hhmm

    return parse_hhmm(a), parse_hhmm(b)


def _plan(tmp_path: Path, windows: list[str]) -> list[tuple[str, str]]:
    cfg = tmp_path / f"c{len(windows)}.toml"
    cfg.write_text('[athlete]\ntimezone = "Europe/Berlin"\nrunning_since = "2020-01-01"\n'
                   + every_day(windows) + "[sources]\ndemo = true\n")
    res = CliRunner().invoke(main, ["--config", str(cfg), "--state-dir", str(tmp_path / "s"),
                                    "--now", "2026-11-24T06:30", "plan", "--json"])
    assert res.exit_code == 0, res.output
    return [(s["kind"], s["start"]) for s in json.loads(res.output)["sessions"]]


def test_touching_windows_plan_the_same_heavy_sessions_as_one_window(tmp_path: Path):
    split = _plan(tmp_path, ["17:00-17:30", "17:30-17:50"])
    whole = _plan(tmp_path, ["17:00-17:50"])
    assert split == whole
    assert sum(kind == "heavy" for kind, _ in whole) >= 2


@pytest.mark.parametrize("count", [715, 1400])
def test_too_many_windows_a_day_is_one_line(count: int):
    msg = error_of("[athlete.availability]\nmon = [" + ", ".join(['"17:00-17:30"'] * count)
                   + "]\n")
    assert msg == (f"config.toml: at 'athlete.availability.mon': expected at most 48 items, "
                   f"got {count}")


def test_too_many_template_rows_is_one_line():
    rows = '[[plan.week]]\nday = "tue"\nkind = "easy"\n' * 55306
    assert error_of(rows) == ("config.toml: at 'plan.week': expected a config file of at most "
                              "512 KiB, got 2.1 MiB with 55,306 [[plan.week]] tables")
    assert error_of(rows[: len(rows) // 55306 * 101]) == (
        "config.toml: at 'plan.week': expected at most 100 [[plan.week]] rows, got 101")


def test_a_two_megabyte_title_is_one_short_line_naming_its_key():
    msg = error_of('[athlete]\nname = "Ana"\n[[plan.week]]\nday = "mon"\nkind = "easy"\n'
                   '[[plan.week]]\nday = "tue"\nkind = "easy"\ntitle = "'
                   + "x" * 2_000_000 + '"\n')
    assert msg == ("config.toml: at 'plan.week[1].title': expected a config file of at most "
                   "512 KiB, got 1.9 MiB with a value of 2,000,010 characters on line 9")


def test_a_long_title_under_the_file_cap_is_named_and_not_printed():
    msg = error_of('[[plan.week]]\nday = "tue"\nkind = "easy"\ntitle = "'
                   + "x" * 200_000 + '"\n')
    assert msg.startswith("config.toml: at 'plan.week[0].title': expected at most 200 "
                          "characters, got 'xxx")
    assert "(200,000 characters)" in msg and msg.count("x") <= SHOW_MAX + 5


def test_any_big_file_is_refused_before_parsing():
    many = "".join(f"k{i} = {i}\n" for i in range(60_000))  # no one line stands out
    assert error_of(many) == ("config.toml: expected a config file of at most 512 KiB, "
                              "got 857 KiB")
    msg = error_of("[athlete]\nrest_days = [" + ",".join(['"mon"'] * 200_000) + "]\n")
    assert msg.startswith("config.toml: at 'athlete.rest_days': expected a config file of at "
                          "most 512 KiB, got 1.1 MiB with a value of")


def test_any_long_string_is_bounded_and_named():
    msg = error_of('[calendar]\nurl = "https://dav.example/"\nname = "' + "n" * 5000 + '"\n')
    assert "at 'calendar.name': expected at most 1,000 characters" in msg


def test_control_and_bidi_characters_leave_config_titles():
    cfg = load('[[plan.week]]\nday = "tue"\nkind = "quality"\n'
               'title = "Hills\\r\\nSUMMARY:INJECTED\\u001b]0;pwned\\u0007\\u0000\\u202e"\n'
               '[[races]]\ndate = "2027-04-25"\nname = "City\\u0008 \\u2066Marathon\\u2069"\n'
               '[ics]\npath = "x.ics"\nname = "Str\\u0090ength"\n')
    assert cfg.week_plan[0].title == "Hills SUMMARY:INJECTED"
    assert cfg.races[0].name == "City Marathon"
    assert cfg.ics is not None and cfg.ics.name == "Strength"


def test_a_title_of_only_controls_is_empty_and_refused_where_one_is_needed():
    assert "at 'races[0].name': expected a non-empty string" in error_of(
        '[[races]]\ndate = "2027-04-25"\nname = "\\u001b\\u0007"\n')


@pytest.mark.parametrize("name", ["A" * 300, "Europe/" + "B" * 300, "a/" * 200])
def test_an_overlong_time_zone_is_one_line(name: str):
    msg = error_of(f'[athlete]\ntimezone = "{name}"\n')
    assert msg.startswith("config.toml: at 'athlete.timezone': expected an IANA time zone")


def test_config_check_shows_control_characters_escaped(tmp_path: Path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[calendar]\nurl = "https://dav.example/"\nusername = "ana\\r\\n\\u001b[2J"\n'
                   '[ics]\npath = "a\\u202eb.ics"\n')
    res = CliRunner().invoke(main, ["--config", str(cfg), "config", "check"])
    assert res.exit_code == 0, res.output
    assert 'username = "ana\\u000d\\u000a\\u001b[2J"' in res.output
    assert 'path = "a\\u202eb.ics"' in res.output
    assert not any(c in res.output for c in "\r\x1b\u202e")
