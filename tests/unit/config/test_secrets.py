"""password_command: run only when the secret is needed, its stderr never shown, and a
command that hangs is stopped with everything it started (issue 20)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from syncd.config.loader import parse_config
from syncd.config.secrets import run_secret_command
from syncd.errors import ConfigError, ExitCode

ENV = {"PATH": "/usr/bin:/bin"}


def calendar(command: str, tmp_path: Path):
    cfg = parse_config(f'[calendar]\nurl = "https://dav.example"\n'
                       f'password_command = "{command}"\n', "config.toml",
                       base_dir=tmp_path, env=ENV)
    assert cfg.caldav is not None and cfg.caldav.password is not None
    return cfg.caldav.password


def test_loading_the_config_does_not_run_the_command(tmp_path: Path):
    marker = tmp_path / "ran"
    secret = calendar(f"touch {marker}; echo s3cret", tmp_path)
    assert not marker.exists(), "plan, status and a reload load the config: no command run"
    assert not secret.resolved and "s3cret" not in repr(secret)
    assert secret.value == "s3cret"
    assert marker.exists()
    marker.unlink()
    assert secret.value == "s3cret" and not marker.exists(), "run once per process"


def test_a_failing_command_says_its_exit_code_never_its_stderr(tmp_path: Path):
    secret = calendar("echo hunter2-leaked >&2; echo hunter2-out; exit 3", tmp_path)
    with pytest.raises(ConfigError) as info:
        _ = secret.value
    msg = str(info.value)
    assert info.value.exit_code is ExitCode.USAGE and "\n" not in msg
    assert msg.startswith("config.toml: at 'calendar.password_command': the command")
    assert "exit code 3" in msg and "run it in a shell" in msg
    assert "hunter2" not in msg.replace("echo hunter2-leaked >&2; echo hunter2-out", "")


def test_a_command_that_prints_nothing(tmp_path: Path):
    with pytest.raises(ConfigError, match="printed nothing"):
        _ = calendar("true", tmp_path).value


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead already; only its parent (init here) has yet to reap it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_hanging_command_is_killed_with_its_children(tmp_path: Path):
    pidfile = tmp_path / "child.pid"
    command = f"sleep 300 & echo $! > {pidfile}; sleep 300"
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        run_secret_command(command, "config.toml", "calendar.password_command", ENV,
                           timeout=1.0)
    assert time.monotonic() - started < 10
    assert "ran for 1 s and was stopped" in str(info.value)
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the command's background child must not survive"


def test_a_command_that_prints_forever_is_bounded(tmp_path: Path):
    # 64 KiB are read; the first line is the secret, the rest is not waited for.
    got = run_secret_command("echo first; yes", "c", "calendar.password_command", ENV,
                             timeout=5.0)
    assert got == "first"


def _config(tmp_path: Path, command: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[calendar]\nurl = "https://dav.invalid/"\n'
                    f'password_command = "{command}"\n')
    return path


def test_plan_and_status_do_not_run_the_command(tmp_path: Path):
    from click.testing import CliRunner

    from syncd.cli import main

    marker = tmp_path / "ran"
    config = _config(tmp_path, f"touch {marker}; sleep 600")
    for args in (["plan"], ["plan", "--json"], ["status"], ["config", "check"]):
        res = CliRunner().invoke(main, ["--config", str(config), "--state-dir",
                                        str(tmp_path / "s"), "--now", "2026-11-24T06:30",
                                        *args])
        assert "failed with exit code" not in res.output and "Traceback" not in res.output
        assert not marker.exists(), f"{args} ran the password command"


def test_run_once_says_the_failing_command_in_one_line_without_its_stderr(tmp_path: Path):
    from click.testing import CliRunner

    from syncd.cli import main

    config = _config(tmp_path, "echo the-secret-is-x >&2; exit 3")
    res = CliRunner().invoke(main, ["--config", str(config), "--state-dir",
                                    str(tmp_path / "s"), "--now", "2026-11-24T06:30",
                                    "run", "--once"])
    assert res.exit_code == 1
    lines = [ln for ln in res.stderr.splitlines() if "password_command" in ln]
    assert len(lines) == 1 and "exit code 3" in lines[0] and "Traceback" not in res.output
    assert res.output.count("the-secret-is-x") == res.output.count("echo the-secret-is-x")


def test_loading_with_a_hanging_command_returns_without_running_it(tmp_path: Path):
    """What a SIGHUP reload does: load the config. The command would hang for 600 s;
    loading never starts it, the cycle child that connects does."""
    from syncd.config.loader import load_config

    marker = tmp_path / "ran"
    cfg = load_config(str(_config(tmp_path, f"touch {marker}; sleep 600")), env=ENV)
    assert cfg.caldav is not None and cfg.caldav.password is not None
    assert not cfg.caldav.password.resolved and not marker.exists()
