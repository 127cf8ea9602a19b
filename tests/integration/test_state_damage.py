"""A state file syncd cannot use: one line naming the file and the fix, a documented exit
code (5), never "internal error"; the daemon says it once and runs on; doctor sees it.

Each damage is made for real: the file cut in half, overwritten with random bytes, emptied,
made unreadable (root without CAP_DAC_OVERRIDE, through setpriv), and a full disk (a small
tmpfs, filled up).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syncd.state import DB_NAME
from tests.integration.conftest import Cli

pytestmark = pytest.mark.integration
NOW = "2026-11-24T06:30:00+01:00"


def state_file(cli: Cli) -> Path:
    return cli.home / ".state" / "syncd" / "demo" / DB_NAME


def damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    assert size > 8192  # a real state, several pages
    if how == "half":
        os.truncate(path, size // 2)
    elif how == "random":
        path.write_bytes(os.urandom(size))
    elif how == "empty":
        os.truncate(path, 0)


def one_line(res: subprocess.CompletedProcess[str]) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "internal error" not in lines[0] and "Traceback" not in res.stderr
    return lines[0]


@pytest.mark.parametrize("how, said", [("half", "is damaged"), ("random", "is damaged"),
                                       ("empty", "is empty (0 bytes)")])
def test_a_damaged_state_is_one_line_with_the_fix_and_exit_5(cli: Cli, how: str, said: str):
    assert cli("--now", NOW, "-q", "run", "--once").returncode == 0
    path = state_file(cli)
    damage(path, how)
    before = path.read_bytes()
    for args in (("status",), ("plan",), ("run", "--once"), ("run", "--once", "--dry-run")):
        res = cli("--now", NOW, *args)
        assert res.returncode == 5, (args, res.stderr)
        line = one_line(res)
        assert f"{path}: {said}" in line
        assert f"mv {path} {path}.damaged" in line and "adopts syncd's own events" in line
    assert path.read_bytes() == before  # nothing wrote over what is left of it
    doctor = cli("doctor", "--no-write")
    assert doctor.returncode == 1
    assert f"FAIL  state db: {path}: {said}" in doctor.stdout


def test_an_unreadable_state_says_whose_it_must_be(cli: Cli):
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to take away CAP_DAC_OVERRIDE")
    assert cli("--now", NOW, "-q", "run", "--once").returncode == 0
    path = state_file(cli)
    path.chmod(0)
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    for args in (("status",), ("plan",), ("run", "--once")):
        res = subprocess.run([*drop, sys.executable, "-m", "syncd", "--now", NOW, *args],
                             cwd=cli.cwd, env=cli.env, capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 5, (args, res.stderr)
        line = one_line(res)
        assert f"{path}: cannot be read and written by uid 0: chown it" in line


@pytest.fixture
def small_volume(tmp_path: Path):
    vol = tmp_path / "vol"
    vol.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs",
                          str(vol)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip()}); needs root")
    try:
        yield vol
    finally:
        subprocess.run(["umount", "-l", str(vol)], check=False)


def fill(vol: Path) -> None:
    fd = os.open(vol / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (65536, 512):  # big blocks, then the last few bytes too
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)


def test_a_full_state_disk_is_said_and_doctor_fails_it(cli: Cli, small_volume: Path):
    base = ["--state-dir", str(small_volume), "--now", NOW]
    assert cli(*base, "-q", "run", "--once").returncode == 0
    path = small_volume / "demo" / DB_NAME
    doctor = cli("--state-dir", str(small_volume), "doctor", "--no-write")
    assert "ok    state disk: " in doctor.stdout, doctor.stdout
    fill(small_volume)
    res = cli(*base, "run", "--once")
    assert res.returncode == 5, res.stderr
    line = one_line(res)
    assert f"{path}: the disk holding the state is full" in line and "free space" in line
    # Reading needs no room: status still answers.
    assert cli(*base, "status").returncode in (0, 1)
    doctor = cli("--state-dir", str(small_volume), "doctor", "--no-write")
    assert doctor.returncode == 1
    assert f"FAIL  state disk: the volume holding {small_volume} is full" in doctor.stdout
    (small_volume / "filler").unlink()
    assert cli(*base, "-q", "run", "--once").returncode == 0  # room again: it runs


def _count(log: Path, text: str) -> int:
    return log.read_text(errors="replace").count(text)


def _wait(what, timeout: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.2)
    return False


def test_the_daemon_says_a_damaged_state_once_and_runs_on(cli: Cli):
    assert cli("--now", NOW, "-q", "run", "--once").returncode == 0
    path = state_file(cli)
    damage(path, "random")
    log = cli.home / "daemon.log"
    daemon = subprocess.Popen([sys.executable, "-m", "syncd", "-vv", "run"], cwd=cli.cwd,
                              env=cli.env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        for n in range(1, 4):  # three cycles: SIGHUP reloads and runs one at once
            assert _wait(lambda n=n: _count(log, "cycle finished") >= n), log.read_text()
            if n < 3:
                daemon.send_signal(signal.SIGHUP)
        assert daemon.poll() is None
        said = f"ERROR syncd.daemon: {path}: is damaged"
        assert _count(log, said) == 1, log.read_text()
        assert "Traceback" not in log.read_text()
        path.rename(path.with_name("state.sqlite3.damaged"))  # the fix the line gives
        daemon.send_signal(signal.SIGHUP)
        assert _wait(lambda: _count(log, "the state is usable again") == 1), log.read_text()
        assert _wait(lambda: _count(log, "calendar ics: ") >= 1), log.read_text()
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
    assert daemon.returncode == 0
    assert _count(log, "ERROR") == 1
