"""`syncd run` as a real process: a 1-second interval, real Radicale, the fake Garmin service.

It must converge, speak the notify protocol, survive the calendar server going away and
coming back, reload on SIGHUP (keeping the old config when the new one is bad), stop cleanly
on SIGTERM mid-cycle, and after kill -9 resume with no duplicate.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.caldav_helpers import User
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.servers import Server, radicale
from tests.proxy import start_proxy

pytestmark = pytest.mark.integration


def wait_until(what: Callable[[], bool], timeout: float = 30, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if what():
                return True
        except Exception:  # a server restarting, a file being written
            pass
        time.sleep(step)
    return False


class Notify:
    """Plays systemd's side of the notify socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[str] = []
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while self.running:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue
            except OSError:
                return

    def seen(self, text: str) -> bool:
        return any(text in m for m in self.messages)

    def close(self) -> None:
        self.running = False
        self.sock.close()


class Daemon:
    def __init__(self, root: Path, server_url: str, garmin: FakeGarmin, user: str) -> None:
        self.root = root
        self.state = root / "state"
        self.config = root / "config.toml"
        self.log = root / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.notify = Notify(root / "notify.sock")
        write_tokens(self.state)
        garmin.generate(120, datetime.now().astimezone() - timedelta(hours=3))
        self.write_config(server_url, garmin.url, user)

    def write_config(self, server_url: str, garmin_url: str, user: str,
                     mornings_only: bool = False) -> None:
        self.server_url, self.garmin_url, self.user = server_url, garmin_url, user
        windows = "\n".join(f'{d} = ["06:00-12:00"]' for d in
                            ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
        availability = f"[athlete.availability]\n{windows}" if mornings_only else ""
        self.config.write_text(f"""
[athlete]
timezone = "Europe/Berlin"
core_per_week = 1
{availability}
[rules]
phase = "base"
horizon_days = 21
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
[[plan.week]]
day = "thu"
kind = "quality"
time = "07:00"
[[plan.week]]
day = "sat"
kind = "long"
time = "08:00"
duration_min = 100
[sources.garmin]
enabled = true
api_url = "{garmin_url}"
readiness = false
[calendar]
url = "{server_url}"
username = "{user}"
password = "pw"
name = "Strength"
[daemon]
interval_minutes = 0.0167
""")

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SYNCD_", "JOURNAL_STREAM", "GARMINTOKENS"))}
        env.update(NOTIFY_SOCKET=str(self.notify.path), WATCHDOG_USEC="3000000",
                   HOME=str(self.root))
        self.logfile = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "syncd", "-v", "--config", str(self.config),
             "--state-dir", str(self.state), "run"],
            stdout=self.logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        code = self.proc.wait(timeout)
        self.logfile.close()
        return code

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cycles(self) -> int:
        return self.log.read_text(errors="replace").count("cycle")

    def planned_uids(self) -> set[str]:
        """The sessions syncd has planned (read-only, like `syncd status`)."""
        db = sqlite3.connect(f"file:{self.state / 'state.sqlite3'}?mode=ro", uri=True)
        try:
            planned = db.execute("SELECT uid FROM sessions WHERE status IN "
                                 "('planned', 'done', 'pinned')").fetchall()
        finally:
            db.close()
        return {p[0] for p in planned}

    def stop(self) -> None:
        if self.alive():
            self.signal(signal.SIGKILL)
            self.wait(10)
        self.notify.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = radicale(tmp_path / "radicale")
    (tmp_path / "radicale").mkdir(exist_ok=True)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def daemon(tmp_path: Path, server: Server, fake_garmin: FakeGarmin) -> Iterator[Daemon]:
    d = Daemon(tmp_path, server.url, fake_garmin, "runner")
    yield d
    d.stop()


def calendar(server: Server) -> User:
    from tests.integration.caldav_helpers import settings_for

    return User(server, settings_for(server, user="runner", name="Strength"))


def converged(d: Daemon, server: Server) -> bool:
    events = calendar(server).events()  # by session UID; it asserts no session twice
    uids = [str(o.icalendar_component["UID"]) for o in events.values()]
    ours = {u for u in events if u.startswith("syncd-")}
    future = d.planned_uids()
    return bool(ours) and len(uids) == len(set(uids)) and future <= ours


def test_converges_notifies_reports_status_and_stops(daemon: Daemon, server: Server):
    daemon.start()
    assert wait_until(lambda: converged(daemon, server)), daemon.log.read_text()
    assert wait_until(lambda: daemon.notify.seen("READY=1"), 5)
    assert wait_until(lambda: daemon.notify.seen("WATCHDOG=1"), 5)
    assert wait_until(lambda: daemon.notify.seen("STATUS=last cycle"), 5)
    status = subprocess.run([sys.executable, "-m", "syncd", "--config", str(daemon.config),
                             "--state-dir", str(daemon.state), "status"],
                            capture_output=True, text=True, timeout=30)
    assert "last cycle:" in status.stdout and "(ok)" in status.stdout, status.stdout
    assert "source:garmin" in status.stdout and "sink:caldav" in status.stdout
    assert "next sessions:" in status.stdout
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(10) == 0
    assert daemon.notify.seen("STOPPING=1")


def test_survives_the_server_going_away_and_reloads_on_sighup(daemon: Daemon,
                                                             server: Server):
    daemon.start()
    assert wait_until(lambda: converged(daemon, server))
    evening = {u: o.icalendar_component.decoded("DTSTART").hour
               for u, o in calendar(server).events().items()}
    assert all(h >= 17 for h in evening.values())
    server.stop()
    # The next cycle (a fresh interpreter each: slower to start on a busy machine) says so.
    assert wait_until(lambda: "did not answer" in daemon.log.read_text(), 30)
    assert daemon.alive()
    # Only mornings are free now (R10): every published evening session has to move.
    daemon.write_config(daemon.server_url, daemon.garmin_url, daemon.user, mornings_only=True)
    daemon.signal(signal.SIGHUP)
    time.sleep(1.5)
    server.start()

    def moved() -> bool:
        hours = [o.icalendar_component.decoded("DTSTART").hour
                 for o in calendar(server).events().values()]
        return bool(hours) and all(h < 12 for h in hours)

    assert wait_until(moved, 40), daemon.log.read_text()[-3000:]
    assert "config reloaded" in daemon.log.read_text()
    # A bad config on SIGHUP is refused and the daemon carries on with the old one.
    daemon.config.write_text("[athlete]\nrest_days = ['funday']\n")
    daemon.signal(signal.SIGHUP)
    assert wait_until(lambda: "reload refused" in daemon.log.read_text(), 10)
    time.sleep(2)
    assert daemon.alive()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(10) == 0


def _slow_daemon(daemon: Daemon, server: Server) -> None:
    proxy, _ = start_proxy(server.port, delay=0.25)
    daemon.write_config(f"http://127.0.0.1:{proxy.server_address[1]}/", daemon.garmin_url,
                        daemon.user)
    daemon.start()


def _some_written(server: Server) -> bool:
    try:
        return len(calendar(server).events()) >= 2
    except Exception:
        return False


def test_sigterm_mid_cycle_finishes_the_write_and_exits_0(daemon: Daemon, server: Server):
    _slow_daemon(daemon, server)
    assert wait_until(lambda: _some_written(server), 30, step=0.05)
    t0 = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(10) == 0
    assert time.monotonic() - t0 < 10
    daemon.write_config(server.url, daemon.garmin_url, daemon.user)
    daemon.start()
    assert wait_until(lambda: converged(daemon, server))
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(10) == 0


def _cycle_children(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"syncd.cycle_child" in cmd:
            out.append(int(entry.name))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie no one reaps has stopped all the same


def test_kill_9_mid_cycle_then_restart_gives_no_duplicates(daemon: Daemon, server: Server):
    _slow_daemon(daemon, server)
    assert wait_until(lambda: _some_written(server), 30, step=0.05)
    assert daemon.proc is not None
    children = _cycle_children(daemon.proc.pid)
    assert len(children) == 1  # the cycle runs in its own exec'd interpreter
    daemon.signal(signal.SIGKILL)
    daemon.wait(10)
    # It dies with the daemon (PR_SET_PDEATHSIG) instead of writing on alone.
    assert wait_until(lambda: not _running(children[0]), 10, step=0.05)
    written = calendar(server).events()
    daemon.write_config(server.url, daemon.garmin_url, daemon.user)
    daemon.start()
    assert wait_until(lambda: converged(daemon, server))
    after = calendar(server).events()
    uids = [str(o.icalendar_component["UID"]) for o in after.values()]
    assert len(uids) == len(set(uids))
    assert set(written) <= set(after), "nothing written before the kill was lost"
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(10) == 0
