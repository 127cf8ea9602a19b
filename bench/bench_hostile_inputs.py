"""Hostile and clumsy inputs of issue 20: each command must stay < 2 s and < 150 MB peak.

Run: python bench/bench_hostile_inputs.py [--repeat N]
The size cases of the issue, with the caps in force (titles 200 characters, 100
[[plan.week]] rows, 48 availability windows a day): a 1 MB title in a planned-run calendar
(`run --once`, which also reports the ICS file's size), a 2 MB title in the config (`plan`),
55,306 template rows (`config check` and `plan`), 715 and 1,400 identical windows a day
(`plan`). Over a cap the config is refused with one line, so the same cases are also run
just at the caps, which a config may hold. Figures per case: worst wall time and peak RSS
(``wait4`` rusage) of the `syncd` process over --repeat runs, its exit code and the first
line of its error output; then the worst over all cases. A benchmark, not a test: it prints
figures and exits 0. CPU time (user + system) is shown beside wall time: on a shared,
loaded machine it is the steadier figure of the work syncd does.
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
from collections.abc import Callable
from pathlib import Path

NOW = "2026-11-24T07:30+01:00"
TARGET_S, TARGET_MB = 2.0, 150.0
LIMIT_S = 120.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BASE = '[athlete]\ntimezone = "Europe/Berlin"\nrunning_since = "2020-01-01"\n'


def calendar_with_title(root: Path, title: str) -> str:
    feed = root / "plan.ics"
    feed.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
        "UID:big-title@bench\r\nDTSTAMP:20261101T000000Z\r\n"
        "DTSTART;TZID=Europe/Berlin:20261126T070000\r\n"
        "DTEND;TZID=Europe/Berlin:20261126T080000\r\n"
        f"SUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    return (BASE + f'[sources.calendar]\nics_path = "{feed}"\n'
            f'[ics]\npath = "{root / "strength.ics"}"\n')


def title_in_config(size: int) -> str:
    return BASE + '[[plan.week]]\nday = "tue"\nkind = "quality"\ntitle = "' + "x" * size + '"\n'


def template_rows(count: int) -> str:
    rows = "".join(f'[[plan.week]]\nday = "{WEEKDAYS[i % 7]}"\nkind = "easy"\n'
                   f'title = "Run {i}"\n' for i in range(count))
    return BASE + "[sources]\ndemo = true\n" + rows


def windows(count: int) -> str:
    day = "[" + ", ".join(['"17:00-17:30"'] * count) + "]"
    return (BASE + "[sources]\ndemo = true\n[athlete.availability]\n"
            + "".join(f"{d} = {day}\n" for d in WEEKDAYS))


def distinct_windows(count: int) -> str:
    day = "[" + ", ".join(f'"{6 + i // 4:02d}:{i % 4 * 15:02d}-{6 + i // 4:02d}:'
                          f'{i % 4 * 15 + 10:02d}"' for i in range(count)) + "]"
    return (BASE + "[sources]\ndemo = true\n[athlete.availability]\n"
            + "".join(f"{d} = {day}\n" for d in WEEKDAYS))


# name → (config text maker taking the bench folder, the command's arguments)
CASES: dict[str, tuple[Callable[[Path], str], tuple[str, ...]]] = {
    "1 MB title in a planned-run calendar": (
        lambda r: calendar_with_title(r, "Hills " + "y" * 1_000_000), ("run", "--once")),
    "2 MB title in the config": (lambda r: title_in_config(2_000_000), ("plan",)),
    "55,306 template rows: config check": (lambda r: template_rows(55_306), ("config", "check")),
    "55,306 template rows: plan": (lambda r: template_rows(55_306), ("plan",)),
    "715 identical windows a day": (lambda r: windows(715), ("plan",)),
    "1,400 identical windows a day": (lambda r: windows(1400), ("plan",)),
    "at cap: 200-char title in the config": (lambda r: title_in_config(200), ("plan",)),
    "at cap: 100 template rows": (lambda r: template_rows(100), ("plan",)),
    "at cap: 48 identical windows a day": (lambda r: windows(48), ("plan",)),
    "at cap: 48 distinct windows a day": (lambda r: distinct_windows(48), ("plan",)),
}


def run(root: Path, config: Path, args: tuple[str, ...]
        ) -> tuple[float, float, int, str, float]:
    """(seconds, peak RSS MB, exit code, stderr, CPU seconds) of one `syncd` process."""
    state = root / "state"
    shutil.rmtree(state, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["HOME"] = str(root)
    err = root / "err.txt"
    with err.open("wb") as e:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "syncd", "--config", str(config),
                                 "--state-dir", str(state), "--now", NOW, *args],
                                stdout=subprocess.DEVNULL, stderr=e, env=env)
        timer = threading.Timer(LIMIT_S, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        wall = time.perf_counter() - t0
    return (wall, usage.ru_maxrss / 1000 * 1.024, os.waitstatus_to_exitcode(status),
            err.read_text(errors="replace"), usage.ru_utime + usage.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (worst shown)")
    ap.add_argument("--only", help="run only the cases whose name contains this")
    opts = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="syncd-hostile-inputs-"))
    print(f"python {sys.version.split()[0]}; --now {NOW}; targets < {TARGET_S:g} s and "
          f"< {TARGET_MB:g} MB peak RSS per command")
    worst_s = worst_mb = worst_cpu = 0.0
    try:
        for name, (make, args) in CASES.items():
            if opts.only and opts.only not in name:
                continue
            config = root / "config.toml"
            config.write_text(make(root))
            runs = [run(root, config, args) for _ in range(opts.repeat)]
            wall = max(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            cpu = max(r[4] for r in runs)
            code, err = runs[-1][2], runs[-1][3]
            worst_s, worst_mb = max(worst_s, wall), max(worst_mb, peak)
            worst_cpu = max(worst_cpu, cpu)
            ics = root / "strength.ics"
            extra = f", ICS {ics.stat().st_size / 1024:.1f} KiB" if "calendar" in name \
                and ics.exists() else ""
            met = wall < TARGET_S and peak < TARGET_MB
            print(f"{name:<40} {config.stat().st_size / 2**20:5.2f} MiB config, "
                  f"`{' '.join(args)}`: worst {wall:5.2f} s (CPU {cpu:4.2f} s), "
                  f"{peak:6.1f} MB peak, exit {code}{extra} ({'met' if met else 'NOT met'})")
            first = next((ln for ln in err.splitlines() if ln.strip()), "")
            if first:
                print(f"    {first[:160]}")
        print(f"WORST over all cases: {worst_s:.2f} s (CPU {worst_cpu:.2f} s), "
              f"{worst_mb:.1f} MB peak RSS "
              f"({'met' if worst_s < TARGET_S and worst_mb < TARGET_MB else 'NOT met'})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
