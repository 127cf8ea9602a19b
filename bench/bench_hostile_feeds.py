"""Hostile planned-run feeds: the whole `syncd run --once` must stay < 2 s and < 150 MB peak.

Run: python bench/bench_hostile_feeds.py [--only NAME]
Each feed is an .ics file read through ``[sources.calendar] ics_path``, written to an ICS
sink, at a fixed ``--now``. Every feed also holds a normal week of planned runs, and the
bench checks that those runs still reached the plan (the rest of the feed was used).
Figures: wall time (median and worst of --repeat runs) and peak RSS (worst) of the
`syncd run --once` process (``wait4`` rusage). The feed of 100,000 events all inside the
window is cut at 5,000 events with a warning, so its normal week is lost by design. A
benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
TARGET_S, TARGET_MB = 2.0, 150.0
LIMIT_S = 60.0


def _stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(uid: str, start: datetime, minutes: int, summary: str, extra: str = "") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART:{_stamp(start)}\r\nDTEND:{_stamp(start + timedelta(minutes=minutes))}\r\n"
            f"SUMMARY:{summary}\r\nDESCRIPTION:Planned by the coach. Warm up 10 min\\, "
            f"then the main set.\r\n{extra}END:VEVENT\r\n")


def normal_week() -> Iterator[str]:
    """The runs a real plan has next week: the bench checks these reach the plan."""
    monday = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    yield _event("bench-tue@coach", monday + timedelta(days=1), 60, "Intervals 6x800m")
    yield _event("bench-thu@coach", monday + timedelta(days=3), 50, "Tempo run")
    yield _event("bench-sat@coach", monday + timedelta(days=5, hours=2), 120, "Long run")


def secondly_billion() -> Iterator[str]:
    yield _event("secondly@hostile", NOW - timedelta(days=2), 1, "Easy run every second",
                 "RRULE:FREQ=SECONDLY;COUNT=1000000000\r\n")


def secondly_since_2020() -> Iterator[str]:
    yield _event("secondly2020@hostile", datetime(2020, 1, 1, 6, tzinfo=UTC), 1,
                 "Easy run every second", "RRULE:FREQ=SECONDLY;COUNT=1000000000\r\n")


def minutely_since_2020() -> Iterator[str]:
    yield _event("minutely@hostile", datetime(2020, 1, 1, 6, tzinfo=UTC), 1,
                 "Easy run every minute", "RRULE:FREQ=MINUTELY\r\n")


def hundred_thousand() -> Iterator[str]:
    """100,000 runs, one every 80 minutes from 2012 to 2027: a long history, as big feeds are."""
    first = NOW - timedelta(minutes=80 * 95_000)
    for i in range(100_000):
        yield _event(f"run-{i}@big-feed", first + timedelta(minutes=80 * i), 45, f"Easy run {i}")


def hundred_thousand_in_window() -> Iterator[str]:
    """100,000 events all inside the planner's window: the worst case for parsing."""
    first = NOW - timedelta(days=6)
    for i in range(100_000):
        yield _event(f"dense-{i}@big-feed", first + timedelta(seconds=30 * i), 1,
                     f"Meeting {i}")


FEEDS: dict[str, Callable[[], Iterator[str]]] = {
    "SECONDLY;COUNT=1e9 (from now)": secondly_billion,
    "SECONDLY;COUNT=1e9 (from 2020)": secondly_since_2020,
    "MINUTELY from 2020, no end": minutely_since_2020,
    "100,000 events (history)": hundred_thousand,
    "100,000 events (all in window)": hundred_thousand_in_window,
}


def write_feed(path: Path, body: Callable[[], Iterator[str]]) -> int:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//hostile//EN\r\n")
        for part in (body, normal_week):
            for text in part():
                f.write(text)
        f.write("END:VCALENDAR\r\n")
    return path.stat().st_size


def run_once(root: Path, feed: Path) -> tuple[float, float, int, str]:
    """(seconds, peak RSS MB, exit code, stdout+stderr) of one `syncd run --once`."""
    config = root / "config.toml"
    config.write_text(f"""
[athlete]
timezone = "Europe/Berlin"
[sources.calendar]
ics_path = "{feed}"
[ics]
path = "{root / 'strength.ics'}"
""")
    state = root / "state"
    shutil.rmtree(state, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["HOME"] = str(root)
    out = root / "out.txt"
    with out.open("wb") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "syncd", "--config", str(config),
                                 "--state-dir", str(state), "--now", NOW.isoformat(),
                                 "run", "--once"], stdout=f, stderr=subprocess.STDOUT, env=env)
        timer = threading.Timer(LIMIT_S, proc.kill)  # the old code never finished some
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1000 * 1.024, proc.returncode, out.read_text()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="run only the feeds whose name contains this")
    ap.add_argument("--repeat", type=int, default=3, help="runs per feed (median shown)")
    opts = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="syncd-hostile-"))
    print(f"python {sys.version.split()[0]}; --now {NOW.isoformat()}; "
          f"targets < {TARGET_S:g} s and < {TARGET_MB:g} MB peak RSS")
    try:
        for name, body in FEEDS.items():
            if opts.only and opts.only not in name:
                continue
            feed = root / "feed.ics"
            size = write_feed(feed, body)
            runs = sorted((run_once(root, feed) for _ in range(opts.repeat)),
                          key=lambda r: r[0])
            wall, peak, code, out = runs[len(runs) // 2]
            peak = max(r[1] for r in runs)
            kept = all(t in out for t in ("Intervals 6x800m", "Tempo run", "Long run"))
            warned = [ln.strip() for ln in out.splitlines() if "warning" in ln.lower()]
            met = wall < TARGET_S and peak < TARGET_MB
            print(f"{name:<32} {size / 2**20:5.1f} MiB feed: median {wall:5.2f} s (worst "
                  f"{runs[-1][0]:.2f}), {peak:6.1f} MB peak, exit {code}, normal week "
                  f"{'kept' if kept else 'LOST'} ({'met' if met else 'NOT met'})")
            for line in warned[:2]:
                print(f"    {line[:150]}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
