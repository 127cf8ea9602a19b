"""The daemon for 500+ cycles at a 1-second interval, with faults that heal (slow: `-m slow`).

Real Radicale and the Garmin fake sit behind fault-injecting proxies (tests/proxy.py). In
turn: kill -9 at random moments, then, in one long-lived daemon, rounds (in a random order,
to the last cycle) of 500s, connection resets, 10-second stalls, a 401 that heals, 429 with
Retry-After on each service, and a Radicale restart; then one more kill -9. It must end
with the calendar equal to the plan, no duplicate, the user's own events untouched, the
resident process grown by < 5 MB, and every fault told by `syncd status`. Figures are
printed (run with -s to see them).
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.caldav_helpers import session_uid
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.servers import Server, radicale
from tests.integration.test_daemon import Daemon, calendar, wait_until
from tests.proxy import Faults, start_proxy

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CYCLES = int(os.environ.get("SYNCD_SOAK_CYCLES", "500"))
DEADLINE_S = 45 * 60  # the whole soak; it normally takes a fraction of this
KILLS = 6


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class Soak:
    def __init__(self, root: Path, server: Server, garmin: FakeGarmin) -> None:
        self.server, self.garmin = server, garmin
        self.cal_faults, self.garmin_faults = Faults(), Faults()
        cal_proxy, _ = start_proxy(server.port, faults=self.cal_faults)
        garmin_proxy, _ = start_proxy(garmin.server.port, faults=self.garmin_faults)
        self.proxies = (cal_proxy, garmin_proxy)
        self.daemon = Daemon(root, f"http://127.0.0.1:{cal_proxy.server_address[1]}/",
                             garmin, "runner")
        self.daemon.write_config(self.daemon.server_url,
                                 f"http://127.0.0.1:{garmin_proxy.server_address[1]}",
                                 "runner")
        self.started = time.monotonic()
        self.seen: list[str] = []

    def cycles(self) -> int:
        return sum(m.startswith("STATUS=last cycle") for m in self.daemon.notify.messages)

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.daemon.state / 'state.sqlite3'}?mode=ro", uri=True,
                               timeout=10)

    def problems(self, component: str, since: datetime | None = None) -> str:
        """The messages of the component's recent problems (seen since ``since``)."""
        db = self.db()
        try:
            row = db.execute("SELECT value FROM kv WHERE scope='problems' AND key='recent'"
                             ).fetchone()
        finally:
            db.close()
        return " | ".join(p["message"] for p in json.loads(row[0] if row else "[]")
                          if p["component"] == component
                          and (since is None or datetime.fromisoformat(p["last"]) >= since))

    def healthy(self, component: str, after: datetime) -> bool:
        db = self.db()
        try:
            row = db.execute("SELECT last_error, last_ok FROM components WHERE name=?",
                             (component,)).fetchone()
        finally:
            db.close()
        return (row is not None and row[0] is None and row[1] is not None
                and datetime.fromisoformat(row[1]) > after)

    def status(self) -> str:
        res = subprocess.run([sys.executable, "-m", "syncd", "--config", str(self.daemon.config),
                              "--state-dir", str(self.daemon.state), "status"],
                             capture_output=True, text=True, timeout=60)
        return res.stdout

    def fault(self, faults: Faults, mode: str, component: str, text: str,
              left: int | None = None, heal: Callable[[], None] | None = None) -> None:
        """Inject until `syncd status` tells of it, then heal and wait for the recovery."""
        since = datetime.now().astimezone()
        faults.set(mode, left)
        assert wait_until(lambda: text in self.problems(component, since), 120, 0.1), (
            mode, component, self.problems(component), self.tail())
        assert text in self.status(), f"{mode} not in `syncd status`"
        self.seen.append(f"{component}: {mode}")
        faults.set(None)
        healed_after = datetime.now().astimezone()
        if heal is not None:
            heal()
        assert wait_until(lambda: self.healthy(component, healed_after), 180, 0.2), (
            mode, component, self.tail())

    def restart(self) -> None:
        self.daemon.start()

    def kill_at_random(self, rng: random.Random) -> None:
        time.sleep(rng.uniform(0.05, 2.5))  # starting up, mid-cycle or asleep
        self.daemon.signal(signal.SIGKILL)
        self.daemon.wait(10)
        self.restart()

    def tail(self) -> str:
        return self.daemon.log.read_text(errors="replace")[-3000:]

    def server_events(self) -> dict[str, list[datetime]]:
        """Start times by session UID (an event's UID carries the installation's tag)."""
        out: dict[str, list[datetime]] = {}
        for o in calendar(self.server).calendar().events():
            ev = o.icalendar_component
            out.setdefault(session_uid(str(ev["UID"])), []).append(ev.decoded("DTSTART"))
        return out

    def converged(self) -> bool:
        events = self.server_events()
        db = self.db()
        try:
            rows = db.execute("SELECT uid, start FROM sessions WHERE status IN "
                              "('planned', 'done')").fetchall()
        finally:
            db.close()
        published = {u: datetime.fromisoformat(s) for u, s in rows}
        return bool(published) and all(events.get(u) == [s] for u, s in published.items())


@pytest.fixture
def soak(tmp_path: Path, fake_garmin: FakeGarmin) -> Iterator[Soak]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request, 1000s
    (tmp_path / "radicale").mkdir()
    server = radicale(tmp_path / "radicale")
    server.start()
    s = Soak(tmp_path, server, fake_garmin)
    yield s
    s.daemon.stop()
    for p in s.proxies:
        p.shutdown()
    server.stop()


def test_soak_with_faults(soak: Soak):
    rng = random.Random(11)
    d = soak.daemon
    soak.restart()
    assert wait_until(soak.converged, 60), soak.tail()
    user = calendar(soak.server)
    start = datetime.now().astimezone().replace(microsecond=0)
    for i in range(3):
        user.add_foreign(f"dentist-{i}@elsewhere", start + timedelta(days=i + 1, hours=2))
    foreign = {u: v for u, v in user.raw().items() if not u.startswith("syncd-")}
    assert len(foreign) == 3

    since = datetime.now().astimezone()
    for _ in range(KILLS):
        soak.kill_at_random(rng)
    assert wait_until(lambda: "did not stop cleanly" in soak.problems("daemon", since), 30)
    assert wait_until(soak.converged, 60), soak.tail()
    soak.seen.append("daemon: kill -9")

    # One daemon through every HTTP fault: its resident process must not grow.
    begin = soak.cycles()
    assert wait_until(lambda: soak.cycles() >= begin + 10, 60)
    rss_before = rss_kb(d.proc.pid)
    cal, gar = soak.cal_faults, soak.garmin_faults

    def restart_radicale() -> None:
        since = datetime.now().astimezone()
        soak.server.stop()
        assert wait_until(lambda: "answered 502" in soak.problems("sink:caldav", since), 60)
        assert "answered 502" in soak.status()
        soak.seen.append("sink:caldav: server restart")
        back = datetime.now().astimezone()
        soak.server.start()
        assert wait_until(lambda: soak.healthy("sink:caldav", back), 120), soak.tail()

    faults: list[Callable[[], None]] = [
        lambda: soak.fault(cal, "500", "sink:caldav", "answered 500"),
        lambda: soak.fault(cal, "reset", "sink:caldav", "did not answer"),
        lambda: soak.fault(cal, "stall", "sink:caldav", "slowly", left=1),
        lambda: soak.fault(cal, "401", "sink:caldav", "refused the login"),
        lambda: soak.fault(cal, "429", "sink:caldav", "answered 429"),
        lambda: soak.fault(gar, "500", "source:garmin", "Garmin did not answer"),
        lambda: soak.fault(gar, "reset", "source:garmin", "Garmin did not answer while reading"),
        lambda: soak.fault(gar, "stall", "source:garmin", "slowly", left=1),
        lambda: soak.fault(gar, "429", "source:garmin", "rate-limiting"),
        lambda: soak.fault(gar, "401", "source:garmin", "rejected the saved login",
                           heal=lambda: write_tokens(d.state)),  # `syncd login` meanwhile
        restart_radicale,
    ]
    # Rounds of every fault in a random order, a few quiet cycles between, to the end.
    want = CYCLES - 20
    rounds = 0
    while soak.cycles() < want:
        rounds += 1
        for inject in rng.sample(faults, len(faults)):
            assert time.monotonic() - soak.started < DEADLINE_S, "the soak is far too slow"
            assert d.alive(), soak.tail()
            inject()
            quiet = soak.cycles() + rng.randint(1, 6)
            assert wait_until(lambda q=quiet: soak.cycles() >= q, 60), soak.tail()
            if soak.cycles() >= want and rounds > 1:
                break  # the first round always runs whole: every fault at least once
    assert wait_until(soak.converged, 60), soak.tail()
    rss_after = rss_kb(d.proc.pid)
    lived = soak.cycles() - begin

    killed_at = soak.cycles()
    soak.kill_at_random(rng)
    # The restarted daemon must finish a cycle of its own before it is asked to stop: a
    # SIGTERM during its start-up (before its handlers exist) would end it by the signal.
    assert wait_until(lambda: soak.cycles() >= max(CYCLES, killed_at + 2), 120), soak.tail()
    assert wait_until(soak.converged, 60), soak.tail()
    d.signal(signal.SIGTERM)
    assert d.wait(15) == 0

    events = soak.server_events()
    assert all(len(starts) == 1 for starts in events.values()), "no duplicate"
    after = calendar(soak.server).raw()
    assert {u: after[u] for u in foreign} == foreign, "the user's own events untouched"
    assert all(u.startswith("syncd-") or u in foreign for u in after)
    dry = subprocess.run([sys.executable, "-m", "syncd", "--config", str(d.config),
                          "--state-dir", str(d.state), "run", "--once", "--dry-run"],
                         capture_output=True, text=True, timeout=60)
    assert "caldav: would" not in dry.stdout, dry.stdout  # the calendar is the plan
    status = soak.status()
    growth = (rss_after - rss_before) / 1024
    seen = Counter(soak.seen)
    print(f"\nsoak: {soak.cycles()} cycles in {time.monotonic() - soak.started:.0f} s; "
          f"{KILLS + 1} kill -9; {rounds} rounds of faults: "
          f"{', '.join(f'{k} ×{n}' for k, n in seen.items())}; one daemon lived "
          f"{lived} cycles, RSS {rss_before / 1024:.1f} → {rss_after / 1024:.1f} MiB "
          f"({growth:+.2f}); {len(events)} events on the calendar, {len(foreign)} foreign "
          f"untouched\n{status}")
    assert growth < 5 * 1_000_000 / 2**20
    for text in ("answered 500", "did not answer", "slowly", "refused the login",
                 "answered 429", "rate-limiting", "rejected the saved login", "answered 502",
                 "did not stop cleanly"):
        assert text in status, f"'{text}' not in `syncd status`:\n{status}"
