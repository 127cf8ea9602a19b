"""Rescanning a FIT folder with nothing new: target < 1 s for 10,000 files.

Run: python bench/bench_fit_rescan.py [--files 10000] [--first 200]
Builds a folder of N files (hard links to the real FIT files in tests/data/fit, spread over
subfolders like a watch's Activity folder). A first scan reads every file, which costs
fitdecode about 3 ms per KiB; it is timed on a sample of --first files and reported per file.
For the N-file state, each distinct file is read once and its result recorded for every link
to it (what a first scan would store, as the content is identical); then the folder is
rescanned three times with nothing changed, which is the figure the target is about. A
benchmark, not a test: it prints figures and exits 0.
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
from pathlib import Path

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--first", type=int, default=200)
    opts = ap.parse_args()
    logging.disable(logging.WARNING)  # the bad sample files would log once each
    root = Path(tempfile.mkdtemp())
    try:
        sources = sorted(FIT.glob("*.fit"))
        print(f"python {sys.version.split()[0]}")
        sample = root / "Sample"
        build(sample, opts.first, sources)
        src = FitFolderSource((sample,), State(root / "sample-state"))
        t0 = time.perf_counter()
        src.scan()
        first = time.perf_counter() - t0
        print(f"first scan of {opts.first} files (reads each): {first:.1f} s, "
              f"{first / opts.first * 1000:.0f} ms per file")

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
