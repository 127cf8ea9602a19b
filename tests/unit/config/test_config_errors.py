"""Every kind of bad config gives one line naming the file and key, and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config.loader import find_config, load_config, parse_config
from syncd.errors import ConfigError, ExitCode


def load(text: str, env: dict[str, str] | None = None):
    return parse_config(text, "config.toml", base_dir=Path("/tmp"), env=env or {})


def error_of(text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(text, env)
    assert info.value.exit_code is ExitCode.USAGE
    message = str(info.value)
    assert "\n" not in message
    return message


def test_bad_weekday_names_the_index():
    msg = error_of('[athlete]\nrest_days = ["mon", "funday"]\n')
    assert msg == ("config.toml: at 'athlete.rest_days[1]': expected a weekday (mon..sun), "
                   "got 'funday'")


def test_unknown_key_suggests_the_close_one():
    msg = error_of("[athlete]\nrest_dayz = []\n")
    assert msg == ("config.toml: at 'athlete.rest_dayz': unknown key 'rest_dayz'; "
                   "did you mean 'rest_days'?")


def test_unknown_section():
    assert "at 'calender': unknown key 'calender'; did you mean 'calendar'?" in error_of(
        "[calender]\nurl = 'https://x'\n")


def test_wrong_type():
    msg = error_of('[athlete]\nsessions_per_week = "2"\n')
    assert msg == ("config.toml: at 'athlete.sessions_per_week': expected a whole number from "
                   "0 to 7, got '2'")


def test_out_of_range_number():
    assert "expected a number from 24 to 72, got 12" in error_of(
        "[rules]\nheavy_to_quality_hours = 12\n")


def test_bad_timezone_with_a_case_hint():
    msg = error_of('[athlete]\ntimezone = "europe/berlin"\n')
    assert "at 'athlete.timezone'" in msg
    assert "did you mean 'Europe/Berlin'?" in msg


def test_nonexistent_timezone():
    assert "expected an IANA time zone" in error_of('[athlete]\ntimezone = "Mars/Olympus"\n')


def test_invalid_toml_gives_line_and_column():
    msg = error_of("[athlete]\nrest_days 3\n")
    assert msg.startswith("config.toml: invalid TOML at line 2, column 11: ")


def test_invalid_toml_at_end_of_file():
    assert "invalid TOML at the end of the file" in error_of('[athlete]\nrest_days = ["mon",\n')


def test_missing_required_key_in_array_of_tables():
    assert error_of('[[races]]\nname = "City 10K"\n') == (
        "config.toml: at 'races[0].date': missing: this key is required")


def test_bad_time_window():
    assert "at 'athlete.availability.tue[0]'" in error_of(
        '[athlete.availability]\ntue = ["18:00-07:00"]\n')


def test_max_below_target_is_refused():
    assert "at 'athlete.max_sessions_per_week'" in error_of(
        "[athlete]\nsessions_per_week = 3\nmax_sessions_per_week = 2\n")


def test_two_ways_to_give_a_secret_is_refused():
    assert "expected one way to give the secret" in error_of(
        '[calendar]\nurl = "https://dav.example"\npassword = "a"\npassword_env = "X"\n')


def test_missing_env_secret():
    assert "environment variable CALDAV_PW to be set" in error_of(
        '[calendar]\nurl = "https://dav.example"\npassword_env = "CALDAV_PW"\n')


def test_missing_credentials_directory():
    assert "$CREDENTIALS_DIRECTORY" in error_of(
        '[calendar]\nurl = "https://dav.example"\npassword_credential = "caldav"\n')


def test_calendar_keys_without_url():
    assert "at 'calendar.url'" in error_of('[calendar]\nusername = "me"\n')


def test_missing_explicit_file(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path / "nope.toml"), env={})
    assert str(info.value) == (f"{tmp_path / 'nope.toml'}: config file not found; create it "
                               "(see config/syncd.example.toml) or fix the path")


def test_missing_file_named_by_environment(tmp_path: Path):
    with pytest.raises(ConfigError):
        find_config(None, {"SYNCD_CONFIG": str(tmp_path / "missing.toml")})


def test_a_heavy_session_shorter_than_its_warm_up_plus_main_lifts_is_refused():
    # 16 min of warm-up (004) and two main lifts need 30 min; 20 gave 4 min of lifting.
    assert error_of("[athlete]\nsession_minutes = 20\n") == (
        "config.toml: at 'athlete.session_minutes': expected a whole number from 30 to 120, "
        "got 20")
    assert load("[athlete]\nsession_minutes = 30\n").athlete.session_minutes == 30
