"""A SIGHUP reload whose new config has a password_command that hangs: the reload does not
run it, so the daemon's loop goes on at once; the cycle child that needs the password runs
it, and on its time limit the command's whole process group is killed (issue 20).

The daemon is the real `syncd run` process; it writes an ICS file (no server needed) and
the [calendar] points at a closed port, so only the password is in the way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BASE = """
[athlete]
timezone = "Europe/Berlin"
[sources]
demo = true
[ics]
path = "{root}/strength.ics"
[daemon]
interval_minutes = 0.0167
"""


def wait_until(what: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(step)
    return what()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_reload_with_a_hanging_password_command_does_not_hold_the_loop(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(BASE.format(root=tmp_path))
    log = tmp_path / "daemon.log"
    pidfile = tmp_path / "command.pid"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCD_", "JOURNAL"))}
    env["HOME"] = str(tmp_path)
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "syncd", "-v", "--config", str(config),
                                 "--state-dir", str(tmp_path / "state"), "run"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env)
    try:
        assert wait_until(lambda: (tmp_path / "strength.ics").exists(), 30), log.read_text()
        config.write_text(BASE.format(root=tmp_path) + '[calendar]\nurl = "http://127.0.0.1:9/"'
                          f'\npassword_command = "echo $$ > {pidfile}; exec sleep 600"\n')
        proc.send_signal(signal.SIGHUP)
        # The old code ran the command inside the reload: 30 s with no cycle at all.
        assert wait_until(lambda: "config reloaded" in log.read_text(), 10), log.read_text()
        # The next cycle's child needs the password and runs the command, which hangs.
        assert wait_until(pidfile.exists, 15), log.read_text()
        command = int(pidfile.read_text())
        # Its 30 s limit: the command is stopped with its group, the calendar says why.
        assert wait_until(lambda: "ran for 30 s and was stopped" in log.read_text(), 45), \
            log.read_text()[-2000:]
        assert wait_until(lambda: not _alive(command), 5)
        assert proc.poll() is None
        assert "Traceback" not in log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if pidfile.exists():  # only the process this test made, by its pid
            with contextlib.suppress(ProcessLookupError, ValueError):
                pid = int(pidfile.read_text())
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
