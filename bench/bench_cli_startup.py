"""Wall time of `syncd --help` and `syncd plan` on the built-in demo (target: --help < 300 ms).

Run: python bench/bench_cli_startup.py [--repeat N]
Each command runs N times in a fresh process with an empty HOME (so the embedded demo is
used); the script prints the median and the best. It is a benchmark, not a test: it prints
figures and exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def measure(args: list[str], env: dict[str, str], cwd: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "syncd", *args], env=env, cwd=cwd, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCD_", "XDG_"))}
        env.update(HOME=home, TZ="Europe/Berlin")
        print(f"python {sys.version.split()[0]}, {opts.repeat} runs each")
        for label, args, target in (("syncd --help", ["--help"], 300.0),
                                    ("syncd plan (demo)", ["plan"], None),
                                    ("syncd plan --json (demo)", ["plan", "--json"], None)):
            ts = measure(args, env, home, opts.repeat)
            verdict = ""
            if target is not None:
                met = "met" if statistics.median(ts) < target else "NOT met"
                verdict = f"  (target < {target:.0f} ms: {met})"
            print(f"{label:<26} median {statistics.median(ts):7.1f} ms   best {min(ts):7.1f} ms"
                  f"{verdict}")


if __name__ == "__main__":
    main()
