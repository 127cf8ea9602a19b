"""One writer per state dir: a second writer waits or says who holds it; readers never wait.

Real processes throughout: the `syncd` command, and a holder that is the real ``State``
opened for writing (the same lock a daemon's cycle or a `run --once` takes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from icalendar import Calendar

from syncd.state import DB_NAME, SCHEMA_VERSION, State
from tests.integration.conftest import Cli

pytestmark = pytest.mark.integration
NOW = "2026-11-24T06:30:00+01:00"


def demo_state(cli: Cli) -> Path:
    return cli.home / ".state" / "syncd" / "demo"


def test_a_second_writer_exits_4_naming_the_holder(cli: Cli):
    assert cli("--now", NOW, "-q", "run", "--once").returncode == 0
    holder = State(demo_state(cli), command="test holder")
    try:
        res = cli("--now", NOW, "run", "--once", "--wait", "0")
    finally:
        holder.close()
    assert res.returncode == 4, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert f"pid {os.getpid()}" in lines[0] and "since 20" in lines[0]
    assert "`syncd test holder`" in lines[0] and str(demo_state(cli)) in lines[0]
    assert "--wait" in lines[0]  # what to do about it


def test_a_second_writer_waits_for_the_first_then_runs(cli: Cli):
    holder = State(demo_state(cli), command="test holder")
    assert holder.lock is not None
    threading.Timer(2.0, holder.lock.release).start()  # as its process would, on close
    t0 = time.monotonic()
    res = cli("--now", NOW, "run", "--once", "--wait", "30")
    holder.close()
    assert res.returncode == 0, res.stderr
    assert time.monotonic() - t0 >= 2.0  # it did wait for the holder
    assert "waiting up to 30 s for another syncd" in res.stderr
    assert f"pid {os.getpid()}" in res.stderr
    assert (cli.cwd / "syncd-demo.ics").exists()


def test_readers_need_no_lock(cli: Cli):
    """status, plan and --dry-run work while a writer (a daemon's cycle) holds the lock."""
    assert cli("--now", NOW, "-q", "run", "--once").returncode == 0
    before = (cli.cwd / "syncd-demo.ics").read_bytes()
    holder = State(demo_state(cli), command="test holder")
    try:
        for args in (("status",), ("plan",), ("run", "--once", "--dry-run", "--wait", "0")):
            res = cli("--now", NOW, *args, timeout=30)
            assert res.returncode == 0, (args, res.stderr)
            assert "another syncd" not in res.stderr
    finally:
        holder.close()
    assert (cli.cwd / "syncd-demo.ics").read_bytes() == before


def test_two_runs_started_together_both_succeed_and_write_each_session_once(cli: Cli):
    procs = [subprocess.Popen([sys.executable, "-m", "syncd", "--now", NOW, "-q", "run",
                               "--once"], cwd=cli.cwd, env=cli.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "internal error" not in err
    uids = [str(e["UID"]) for e in
            Calendar.from_ical((cli.cwd / "syncd-demo.ics").read_bytes()).events]
    assert uids and len(uids) == len(set(uids))


RACE = """
import sys, time
from pathlib import Path
from syncd.state import State
start = float(sys.argv[2])
while time.time() < start:
    pass
State(Path(sys.argv[1]), wait=30).close()
print("ok")
"""


def test_two_processes_opening_a_fresh_state_at_once_both_succeed(tmp_path: Path):
    """The race that gave `table sessions already exists` / `duplicate column name`: each
    round two interpreters open the same fresh state dir at the same instant. (Without the
    writer lock the file's very creation races too: the second can find it empty while the
    first makes it, which is why every writer takes the lock; a variant with the lock
    patched out was flaky for that reason, not for the migrations.)"""
    for round_ in range(8):
        directory = tmp_path / f"r{round_}"
        start = f"{time.time() + 1.5:.3f}"  # both are past their imports by then
        procs = [subprocess.Popen([sys.executable, "-c", RACE, str(directory), start],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0 and out.strip() == "ok", err
        check = State(directory, readonly=True)
        assert check.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        check.close()


def _demo_daemon(cli: Cli, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "syncd", "-v", "run"], cwd=cli.cwd,
                            env=cli.env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait_for(path: Path, text: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return True
        time.sleep(0.2)
    return False


def test_a_second_daemon_on_the_same_state_refuses_in_one_line(cli: Cli):
    log = cli.home / "d1.log"
    first = _demo_daemon(cli, log)
    try:
        assert _wait_for(log, "calendar ics: "), log.read_text()
        second = cli("run", timeout=30)
        assert second.returncode == 4, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert f"pid {first.pid}" in lines[0] and "daemon runs on it" in lines[0]
        assert first.poll() is None  # the first one runs on
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(30)
    assert first.returncode == 0


def test_a_daemon_cycle_waits_for_a_writer_and_then_writes(cli: Cli):
    """The daemon's cycle takes the same lock: held by another writer, the cycle waits
    (status still answers meanwhile), and runs once it is free."""
    directory = demo_state(cli)
    holder = State(directory, command="test holder")
    log = cli.home / "d.log"
    daemon = _demo_daemon(cli, log)
    try:
        assert _wait_for(log, "syncd started")
        time.sleep(2)
        assert "calendar ics: " not in log.read_text()  # it waits for the holder
        assert not (cli.cwd / "syncd-demo.ics").exists()
        assert cli("status", timeout=30).returncode in (0, 1)  # a reader is not held up
        holder.close()
        assert _wait_for(log, "calendar ics: "), log.read_text()
    finally:
        holder.close()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
    assert daemon.returncode == 0
    assert (directory / DB_NAME).exists() and (cli.cwd / "syncd-demo.ics").exists()
