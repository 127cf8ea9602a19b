"""What starting a daemon cycle's child costs: fork (as before issue 19) vs fork+exec (now).

Run: python bench/bench_cycle_start.py [--rounds 10]
Both children import ``syncd.cycle`` (what a cycle child must import either way) and exit;
the fork+exec one also starts an interpreter and unpickles the config, as
``syncd.cycle_child`` does. Interleaved rounds; wall time and CPU time (user+sys of the
children, from getrusage: less disturbed by other load on the machine). Prints figures,
exits 0.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncd.config.loader import load_config

CHILD = "import pickle, sys; pickle.load(sys.stdin.buffer); import syncd.cycle"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def forked() -> None:
    pid = os.fork()
    if pid == 0:
        import syncd.cycle  # noqa: F401

        os._exit(0)
    os.waitpid(pid, 0)


def execd(job: bytes) -> None:
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(job)
    proc.stdin.close()
    proc.wait()


def measure(start: Callable[[], None]) -> tuple[float, float]:
    c0, t0 = children_cpu(), time.perf_counter()
    start()
    return time.perf_counter() - t0, children_cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    opts = ap.parse_args()
    job = pickle.dumps({"config": load_config(None)})
    fork, exe = [], []
    for _ in range(opts.rounds):
        fork.append(measure(forked))
        exe.append(measure(lambda: execd(job)))
    for name, runs in (("fork + import syncd.cycle", fork),
                       ("fork+exec + unpickle config + import syncd.cycle", exe)):
        wall = statistics.median(r[0] for r in runs) * 1000
        cpu = statistics.median(r[1] for r in runs) * 1000
        print(f"{name}: median wall {wall:.0f} ms, CPU {cpu:.0f} ms over {opts.rounds}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
