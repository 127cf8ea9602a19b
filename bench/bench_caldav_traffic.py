"""CalDAV traffic per cycle: syncd against a naive client, through a counting proxy.

Run: python bench/bench_caldav_traffic.py
Radicale runs on 127.0.0.1 behind a proxy that counts requests and bytes. A calendar holds
200 of syncd's sessions; then cycles run in which 0, 1 and 10 sessions change, each case 5
times in a row (a new process's sink each time, as the daemon's child per cycle), and the
worst of the 5 is reported with what its requests were. The naive client does what most
scripts do: list and load every event, then PUT every session. The targets (issues #4, #11):
nothing changed → 1 request under 1 KiB; k changed → at most k + 2.
A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncd.config.loader import CalDavSettings, Secret
from syncd.model import Session, SessionKind
from syncd.sinks.caldav import CalDavSink
from syncd.state import State
from tests.proxy import start_proxy

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=TZ)
N = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


REPEAT = 5


def sessions(changed: int = 0, round_: int = 0, shifts: list[int] | None = None
             ) -> list[Session]:
    out = []
    for i in range(N):
        start = NOW.replace(hour=18) + timedelta(days=i // 2 + 1, hours=(i % 2) * 2)
        if shifts is not None:
            start += timedelta(minutes=shifts[i])
        elif i < changed:
            start += timedelta(minutes=15 * (round_ + 1))
        out.append(Session(uid=f"syncd-bench-{i}@syncd", kind=SessionKind.HEAVY, start=start,
                           end=start + timedelta(minutes=45), title="Heavy strength · 45 min",
                           explanation=f"session {i}", rules=("R3", "G2")))
    return out


def naive_cycle(url: str, desired: list[Session]) -> None:
    """List and load everything, then PUT every session unconditionally."""
    import caldav
    from icalendar import Calendar

    from syncd.sinks.events import to_event

    client = caldav.DAVClient(url=url, username="bench", password="x", auth_type="basic",
                              enable_rfc6764=False, require_tls=False)
    cal = client.principal().calendar(name="Naive")
    list(cal.search(event=True))
    for s in desired:
        c = Calendar()
        c.add("PRODID", "-//naive//EN")
        c.add("VERSION", "2.0")
        c.add_component(to_event(s, TZ, sequence=0, stamp=NOW))
        client.put(str(cal.url) + s.uid + ".ics", c.to_ical().decode(),
                   {"Content-Type": "text/calendar"})


def main() -> None:
    root = Path(tempfile.mkdtemp())
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", "",
                             "--server-hosts", f"127.0.0.1:{port}",
                             "--storage-filesystem-folder", str(root / "c"),
                             "--auth-type", "none", "--logging-level", "error"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        proxy, counter = start_proxy(port)
        url = f"http://127.0.0.1:{proxy.server_address[1]}/"
        settings = CalDavSettings(url=url, username="bench", password=Secret("x", "bench"),
                                  name="Strength", calendar_url=None, busy_calendars=(),
                                  alarm_minutes=None)
        sink = CalDavSink(settings, State(root / "state"), "Europe/Berlin")
        t0 = time.perf_counter()
        sink.pull(NOW)
        sink.push(sessions(), NOW, dry_run=False)
        req, by = counter.take()
        print(f"initial upload of {N} sessions (with discovery): {req} requests, "
              f"{by / 1024:.0f} KiB, {time.perf_counter() - t0:.2f} s")
        # the naive client's calendar, filled once
        import caldav

        caldav.DAVClient(url=url, username="bench", password="x", auth_type="basic",
                         enable_rfc6764=False, require_tls=False
                         ).principal().make_calendar(name="Naive")
        naive_cycle(url, sessions())
        counter.take()
        print(f"\neach case {REPEAT} times, the worst shown (requests: method status bytes)")
        print(f"\n{'changed':>8} | {'syncd req':>9} {'syncd KiB':>10} {'target':>7} | "
              f"{'naive req':>9} {'naive KiB':>10}")
        shifts = [0] * N
        for k in (0, 1, 10):
            worst: tuple[int, int, list[str]] = (-1, -1, [])
            for rep in range(REPEAT):
                for i in range(k):  # exactly k sessions move, each time
                    shifts[i] += 15 if rep % 2 == 0 else -30
                desired = sessions(shifts=shifts)
                sink = CalDavSink(settings, State(root / "state"), "Europe/Berlin")
                sink.pull(NOW)
                push = sink.push(desired, NOW, dry_run=False)
                assert len(push.actions) == k, (k, push.actions)
                seen = list(counter.seen)
                req, by = counter.take()
                if (req, by) > worst[:2]:
                    worst = (req, by, seen)
            naive_cycle(url, desired)
            nreq, nby = counter.take()
            req, by, seen = worst
            target = 1 if k == 0 else k + 2
            ok = "met" if req <= target and (k or by < 1024) else "NOT met"
            print(f"{k:>8} | {req:>9} {by / 1024:>10.1f} {'<=' + str(target):>7} | "
                  f"{nreq:>9} {nby / 1024:>10.1f}   ({ok})   {', '.join(seen[:6])}")
        sink = CalDavSink(settings, State(root / "state"), "Europe/Berlin")
        sink.pull(NOW)
        sink.push(desired, NOW, dry_run=False)
        req, by = counter.take()
        print(f"\nthe cycle after the last change (our writes read back?): {req} request(s), "
              f"{by / 1024:.1f} KiB")
    finally:
        proc.terminate()
        proc.wait(5)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
