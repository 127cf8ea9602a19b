"""Runs and strength workouts from a folder of FIT files (a watch over USB, a Gadgetbridge
export), for runners who keep Garmin Connect out of the loop.

Each file is read once: its path, size and modification time are remembered with what was
found in it (a run, a strength workout, something else, or why it could not be used), so a
rescan of thousands of unchanged files only stats them. A corrupt file is reported once per
version and skipped; it never stops the scan.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.classify import Evidence, History, classify
from syncd.model import Run, RunKind, RunStatus, StrengthActivity
from syncd.sources.base import FetchWindow, Observations
from syncd.state import State

log = logging.getLogger(__name__)
RUN_SPORTS = {"running", "trail_running", "treadmill_running"}


def read_fit(path: Path) -> dict[str, Any]:
    """What one FIT file holds, as a small JSON-able record (never raises for bad files)."""
    import fitdecode

    note = ""
    try:
        session = _first_session(path, fitdecode.CrcCheck.ENABLED)
    except fitdecode.FitCRCError:
        note = "CRC mismatch; its data is used anyway"
        try:
            session = _first_session(path, fitdecode.CrcCheck.DISABLED)
        except (fitdecode.FitError, OSError, ValueError, KeyError) as exc:
            return {"kind": "error", "error": f"{exc.__class__.__name__}: {exc}"[:200]}
    except (fitdecode.FitError, OSError, ValueError, KeyError) as exc:
        return {"kind": "error", "error": f"{exc.__class__.__name__}: {exc}"[:200]}
    if session is None:
        return {"kind": "other", "why": "no session record"}
    start = session.get("start_time")
    if not isinstance(start, datetime):
        return {"kind": "error", "error": "no absolute start time (a device-relative timestamp)"}
    sport = str(session.get("sport") or "")
    sub = str(session.get("sub_sport") or "")
    kind = "run" if sport in RUN_SPORTS else (
        "strength" if sub == "strength_training" or (sport == "training" and
        sub in ("strength_training", "")) else "other")
    seconds = session.get("total_elapsed_time") or session.get("total_timer_time") or 0
    return {"kind": kind, "start": start.astimezone(UTC).isoformat(), "seconds": float(seconds),
            "distance": session.get("total_distance"), "sport": sport, "sub_sport": sub,
            "hr": session.get("avg_heart_rate"), "note": note}


def _first_session(path: Path, crc: Any) -> dict[str, Any] | None:
    """The first session record. The whole file is read, so a bad CRC or a corrupt chained
    part after the session is still noticed."""
    import fitdecode

    session = None
    with fitdecode.FitReader(str(path), check_crc=crc) as reader:
        for frame in reader:
            if (session is None and frame.frame_type == fitdecode.FIT_FRAME_DATA
                    and frame.name == "session"):
                session = {f.name: f.value for f in frame.fields}
    return session


def _walk(folder: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    yield from _walk(Path(entry.path))
                elif entry.name.lower().endswith(".fit"):
                    yield entry
    except OSError as exc:
        log.warning("cannot read folder %s: %s", folder, exc.strerror)


class FitFolderSource:
    name = "fit"

    def __init__(self, folders: tuple[Path, ...], state: State) -> None:
        self.folders = folders
        self.state = state
        self.parsed = 0

    def scan(self) -> dict[str, dict[str, Any]]:
        """Every FIT file under the folders with what it holds; only new or changed ones are
        read."""
        known = {r[0]: (r[1], r[2], r[3]) for r in self.state.db.execute(
            "SELECT path, size, mtime_ns, result FROM fit_files")}
        found: dict[str, dict[str, Any]] = {}
        fresh: list[tuple[str, int, int, str]] = []
        for folder in self.folders:
            for entry in _walk(folder):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                old = known.get(entry.path)
                if old is not None and old[0] == st.st_size and old[1] == st.st_mtime_ns:
                    found[entry.path] = json.loads(old[2])
                    continue
                result = read_fit(Path(entry.path))
                self.parsed += 1
                if result["kind"] == "error":
                    log.warning("skipped FIT file %s: %s", entry.path, result["error"])
                elif result.get("note"):
                    log.warning("FIT file %s: %s", entry.path, result["note"])
                found[entry.path] = result
                fresh.append((entry.path, st.st_size, st.st_mtime_ns, json.dumps(result)))
        if fresh:
            with self.state.transaction():
                self.state.db.executemany(
                    "INSERT OR REPLACE INTO fit_files (path, size, mtime_ns, result) "
                    "VALUES (?,?,?,?)", fresh)
        return found

    def fetch(self, window: FetchWindow) -> Observations:
        records = sorted(((p, r) for p, r in self.scan().items() if r["kind"] in ("run",
                                                                                "strength")),
                         key=lambda pr: pr[1]["start"])
        runs: list[Run] = []
        lifts: list[StrengthActivity] = []
        for path, r in records:
            start = datetime.fromisoformat(r["start"])
            end = start + timedelta(seconds=max(60.0, r["seconds"]))
            ident = f"fit:{Path(path).name}:{r['start']}"
            if r["kind"] == "strength":
                lifts.append(StrengthActivity(ident, self.name, start, end, "Strength (FIT)"))
                continue
            recent = [x for x in runs if start - timedelta(days=28) <= x.start < start]
            history = History(
                durations_s=tuple(x.duration.total_seconds() for x in recent),
                easy_speeds=tuple(x.distance_m / x.duration.total_seconds() for x in recent
                                  if x.kind is RunKind.EASY and x.distance_m))
            dist = r.get("distance")
            speed = dist / r["seconds"] if dist and r["seconds"] else None
            kind, reason = classify(Evidence(title="", type_key=r["sport"],
                                             duration_s=r["seconds"], distance_m=dist,
                                             avg_speed=speed), history)
            runs.append(Run(ident, self.name, start, end, kind, RunStatus.COMPLETED,
                            title=f"{r['sport'].replace('_', ' ')} (FIT)", reason=reason,
                            distance_m=dist))
        return Observations(completed_runs=tuple(r for r in runs if r.start >= window.start),
                            strength=tuple(s for s in lifts if s.start >= window.start))
