"""Rescanning a FIT folder with nothing new: target < 1 s for 10,000 files.

Run: python bench/bench_fit_rescan.py [--files 10000]
Makes a folder of N files (hard links to real FIT files from tests/data/fit, spread over
subfolders like a watch's Activity folder), scans it once (every file is read), then rescans
it three times with nothing changed (only stat calls). A benchmark, not a test: it prints
figures and exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from syncd.sources.fit_folder import FitFolderSource
from syncd.state import State

FIT = Path(__file__).resolve().parents[1] / "tests" / "data" / "fit"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    n = ap.parse_args().files
    root = Path(tempfile.mkdtemp())
    try:
        sources = sorted(FIT.glob("*.fit"))
        folder = root / "Activity"
        for i in range(n):
            sub = folder / f"{i // 500:03d}"
            sub.mkdir(parents=True, exist_ok=True)
            os.link(sources[i % len(sources)], sub / f"{i:05d}.fit")
        src = FitFolderSource((folder,), State(root / "state"))
        import logging

        logging.disable(logging.WARNING)  # the bad sample files would log once each
        t0 = time.perf_counter()
        found = src.scan()
        first = time.perf_counter() - t0
        print(f"python {sys.version.split()[0]}; {n} files")
        print(f"first scan (reads every file): {first:.1f} s, {len(found)} files, "
              f"{src.parsed} parsed")
        times = []
        for _ in range(3):
            src = FitFolderSource((folder,), State(root / "state"))
            t0 = time.perf_counter()
            src.scan()
            times.append(time.perf_counter() - t0)
            assert src.parsed == 0
        med = statistics.median(times)
        print(f"rescan, nothing new: median {med * 1000:.0f} ms over 3 runs "
              f"(target < 1000 ms: {'met' if med < 1 else 'NOT met'})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
