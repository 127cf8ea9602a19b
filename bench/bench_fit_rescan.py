"""FIT folder scans: a first scan of 1,000 files (target < 10 s on 2 cores) and a rescan
with nothing new (target < 1 s for 10,000 files).

Run: python bench/bench_fit_rescan.py [--files 10000] [--first 1000]
Builds folders of hard links to the real FIT files in tests/data/fit, spread over
subfolders like a watch's Activity folder. The first scan reads --first files made of the
two large real runs (121 and 148 KiB, about 2,800 and 3,400 messages: more per file than a
typical activity), through the source as a user's first cycle does, committing as it goes;
the full decoder (fitdecode) is timed on a few of the same files for comparison. For the
rescan, each distinct file is read once and its result recorded for every link to it (what
a first scan would store, as the content is identical); then the folder is rescanned three
times with nothing changed. A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from syncd.sources.base import FetchWindow
from syncd.sources.fit_folder import FitFolderSource, read_fit
from syncd.state import State

FIT = Path(__file__).resolve().parents[1] / "tests" / "data" / "fit"


def build(folder: Path, n: int, sources: list[Path]) -> list[tuple[Path, Path]]:
    links = []
    for i in range(n):
        sub = folder / f"{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        target = sub / f"{i:05d}.fit"
        src = sources[i % len(sources)]
        os.link(src, target)
        links.append((target, src))
    return links


def full_decoder(files: list[Path]) -> None:
    """What the full decoder (with CRC checks, every message) costs on the same files."""
    import fitdecode

    t0 = time.perf_counter()
    kib = 0.0
    for path in files:
        with fitdecode.FitReader(str(path)) as reader:
            for _ in reader:
                pass
        kib += path.stat().st_size / 1024
    took = time.perf_counter() - t0
    print(f"full decoder (fitdecode) on the same files: {took * 1000 / kib:.3f} ms/KiB, "
          f"a 1,000-file first scan would take about {took / len(files) * 1000:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--first", type=int, default=1000)
    opts = ap.parse_args()
    logging.disable(logging.WARNING)  # the bad sample files would log once each
    root = Path(tempfile.mkdtemp())
    try:
        sources = sorted(FIT.glob("*.fit"))
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
        big = [FIT / "activity-small-fenix2-run.fit", FIT / "developer-types-sample.fit"]
        sample = root / "Sample"
        links = build(sample, opts.first, big)
        mib = sum(s.stat().st_size for _, s in links) / 2**20
        src = FitFolderSource((sample,), State(root / "sample-state"))
        everything = FetchWindow(datetime.now(UTC), datetime(2000, 1, 1, tzinfo=UTC),
                                 datetime.now(UTC), ZoneInfo("UTC"))
        t0 = time.perf_counter()
        runs = len(src.fetch(everything).completed_runs)  # read, commit, classify
        first = time.perf_counter() - t0
        per_thousand = first / opts.first * 1000
        print(f"first scan of {opts.first} files ({mib:.0f} MiB; {runs} distinct runs, the "
              f"rest copies): {first:.2f} s, "
              f"{first / opts.first * 1000:.1f} ms per file, "
              f"{first * 1000 / (mib * 1024):.4f} ms/KiB "
              f"(target < 10 s for 1,000: {'met' if per_thousand < 10 else 'NOT met'})")
        full_decoder(big)

        folder = root / "Activity"
        links = build(folder, opts.files, sources)
        results = {s: json.dumps(read_fit(s)) for s in sources}
        state = State(root / "state")
        with state.transaction():
            for path, s in links:
                st = path.stat()
                state.db.execute("INSERT INTO fit_files (path, size, mtime_ns, result) "
                                 "VALUES (?,?,?,?)", (str(path), st.st_size, st.st_mtime_ns,
                                                      results[s]))
        state.close()
        times = []
        for _ in range(3):
            src = FitFolderSource((folder,), State(root / "state"))
            t0 = time.perf_counter()
            found = src.scan()
            times.append(time.perf_counter() - t0)
            assert src.parsed == 0 and len(found) == opts.files
        med = statistics.median(times)
        print(f"rescan of {opts.files} files, nothing new: median {med * 1000:.0f} ms over 3 "
              f"runs (target < 1000 ms: {'met' if med < 1 else 'NOT met'})")
        src = FitFolderSource((folder,), State(root / "state"))
        shutil.copy(sources[0], folder / "000" / "new.fit")
        t0 = time.perf_counter()
        src.scan()
        print(f"rescan with one new file: {(time.perf_counter() - t0) * 1000:.0f} ms, "
              f"{src.parsed} file read")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
