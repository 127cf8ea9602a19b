"""`--now` at the ends of the calendar and other overflows: one line naming the option or
key, never "internal error" (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from syncd.cli import main


def invoke(tmp_path: Path, *args: str):
    res = CliRunner().invoke(main, ["--state-dir", str(tmp_path / "s"), *args])
    assert "internal error" not in res.output and "Traceback" not in res.output
    return res


@pytest.mark.parametrize("now", ["0001-01-01", "9999-12-25", "9999-12-31T23:59:59",
                                 "1970-01-01T00:00:00+14:00", "0001-01-01T00:00:00-12:00"])
@pytest.mark.parametrize("command", [("plan",), ("plan", "--json"), ("run", "--once"),
                                     ("plan", "--explain", "2026-11-24")])
def test_now_out_of_range_is_one_line(tmp_path: Path, now: str, command: tuple[str, ...]):
    res = invoke(tmp_path, "--now", now, *command)
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"syncd: --now: expected a moment between the years 1971 and 9000, got '{now}'"]


@pytest.mark.parametrize("now", ["1971-01-02", "8999-12-25T12:00"])
def test_now_near_the_ends_still_plans(tmp_path: Path, now: str):
    res = invoke(tmp_path, "--now", now, "run", "--once", "--dry-run")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("text", [
    '[athlete]\ntimezone = "' + "A" * 300 + '"\n',
    '[athlete]\ntimezone = "Europe/' + "x" * 300 + '"\n',
    '[[races]]\ndate = 9999-12-31\nname = "Far"\n[[races]]\ndate = 0001-01-01\nname = "Old"\n',
    '[athlete]\nrunning_since = 0001-01-01\n',
    '[athlete]\nrunning_since = 9999-12-31\n',
])
def test_extreme_config_values_never_reach_an_internal_error(tmp_path: Path, text: str):
    config = tmp_path / "c.toml"
    config.write_text(text + "[sources]\ndemo = true\n")
    res = invoke(tmp_path, "--config", str(config), "--now", "2026-11-24T06:30", "plan")
    if res.exit_code:
        assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
        assert "at 'athlete.timezone'" in res.output
