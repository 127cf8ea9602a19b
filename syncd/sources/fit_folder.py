"""Runs and strength workouts from a folder of FIT files (a watch over USB, a Gadgetbridge
export), for runners who keep Garmin Connect out of the loop.

Each file is read once: its path, size and modification time are remembered with what was
found in it (every session of it: a multisport file holds several), so a rescan of
thousands of unchanged files only stats them. A first scan commits its results in batches,
so a scan that is killed resumes where it stopped, and shows a progress bar on a terminal.
A file that cannot be used (corrupt, empty, a dangling link) is reported once per version
and skipped; a file cut after its summary is kept with a note. Copies of one activity (the
same file in two folders) count once.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.classify import Evidence, History, classify
from syncd.model import ExerciseGuess, LiftedSet, Run, RunKind, RunStatus, StrengthActivity
from syncd.progress import progress_for
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.fit_reader import FitSummary, read_summary
from syncd.sources.garmin_sets import from_rows, to_rows
from syncd.sources.merge import add_run, merge_strength
from syncd.state import State

log = logging.getLogger(__name__)
FORMAT = 3  # results stored by an older syncd (2: no sets; 1: first session only) are read again
BATCH_FILES = 200
BATCH_SECONDS = 2.0
TYPE_KEYS = {"treadmill": "treadmill_running", "trail": "trail_running",
             "track": "track_running", "indoor_running": "indoor_running",
             "street": "street_running", "virtual_activity": "virtual_run"}


def read_fit(path: Path) -> dict[str, Any]:
    """What one FIT file holds, as a small JSON-able record (never raises for bad files)."""
    return summarise(read_summary(path))


def summarise(fit: FitSummary) -> dict[str, Any]:
    notes = list(fit.notes)
    if fit.error is not None:
        return {"v": FORMAT, "sessions": [], "notes": notes, "error": fit.error}
    sessions = []
    for index, s in enumerate(fit.sessions):
        start = s.get("start_time")
        if not isinstance(start, datetime):
            notes.append(f"session {index + 1} has no absolute start time (a device-relative "
                         "timestamp): skipped")
            continue
        sessions.append(_session(s, index, fit))
    strength = [x for x in sessions if x["kind"] == "strength"]
    for x in strength:
        x["sets"] = _sets(fit, x, alone=len(strength) == 1)
    if not sessions:
        error = notes.pop() if notes else "no session with a start time"
        return {"v": FORMAT, "sessions": [], "notes": notes, "error": error}
    return {"v": FORMAT, "sessions": sessions, "notes": notes, "error": None}


def _num(value: Any) -> float | None:
    """A number, or None: a corrupt definition can make any field an array or a string."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(
        value, bool) else None


def _session(s: dict[str, Any], index: int, fit: FitSummary) -> dict[str, Any]:
    sport, sub = str(s.get("sport") or ""), str(s.get("sub_sport") or "")
    if sport == "running":
        kind = "run"
    elif sub == "strength_training" or (sport == "training" and sub in ("generic", "")):
        kind = "strength"
    else:
        kind = "other"
    elapsed = _num(s.get("total_elapsed_time")) or _num(s.get("total_timer_time")) or 0.0
    moving = _num(s.get("total_moving_time")) or _num(s.get("total_timer_time")) or elapsed
    ident = s.get("message_index") if isinstance(s.get("message_index"), int) else index
    zone_msg = next((z for z in fit.zones if z.get("reference_mesg") == "session"
                     and z.get("reference_index") == ident), None) or {}
    zones = _five_zones(zone_msg.get("time_in_hr_zone") or s.get("time_in_hr_zone"))
    return {"kind": kind, "start": s["start_time"].astimezone(UTC).isoformat(),
            "seconds": elapsed, "moving": moving, "distance": _num(s.get("total_distance")),
            "speed": _num(s.get("enhanced_avg_speed")) or _num(s.get("avg_speed")),
            "sport": sport, "sub_sport": sub,
            "type_key": TYPE_KEYS.get(sub, "running") if kind == "run" else sport,
            "hr": _num(s.get("avg_heart_rate")),
            "max_hr": _num(fit.max_heart_rate) or _num(zone_msg.get("max_heart_rate")),
            "zones": zones, "te": _num(s.get("total_training_effect")),
            "anaerobic_te": _num(s.get("total_anaerobic_training_effect"))}


def _sets(fit: FitSummary, session: dict[str, Any], alone: bool) -> list[dict[str, Any]]:
    """The ``set`` messages of a strength session (all of them when it is the file's only
    one), as the state keeps sets. FIT has no probabilities: the category and exercise a set
    message names are the watch's (or the runner's corrected) pick, so they count as sure."""
    begin = datetime.fromisoformat(session["start"])
    stop = begin + timedelta(seconds=session["seconds"] + 60)
    out = []
    for row in fit.sets:
        when = row.get("start_time") or row.get("timestamp")
        when = when if isinstance(when, datetime) else None
        if not alone and (when is None or not begin <= when <= stop):
            continue
        reps, weight, step = (_num(row.get(k)) for k in ("repetitions", "weight",
                                                          "wkt_step_index"))
        category = row.get("category")
        guesses = (ExerciseGuess(category, row.get("category_subtype") or "", 100.0),) \
            if isinstance(category, str) else ()
        out.append(LiftedSet(row.get("set_type") == 1, int(reps) if reps is not None else None,
                             weight or None, int(step) if step is not None else None,
                             when, guesses))
    return to_rows(tuple(out))


def _strength(ident: str, start: datetime, end: datetime, r: dict[str, Any]
              ) -> StrengthActivity:
    return StrengthActivity(ident, FitFolderSource.name, start, end, "Strength (FIT)",
                            from_rows(r.get("sets")))


def stored_strength(state: State, since: datetime) -> list[StrengthActivity]:
    """The strength sessions (with their sets) of the FIT files read so far, from the state
    only: no folder is scanned (``syncd status`` reads a read-only state)."""
    lifts = []
    for path, raw in state.db.execute("SELECT path, result FROM fit_files"):
        try:
            result = json.loads(raw)
        except ValueError:
            continue
        ok = isinstance(result, dict) and result.get("v") == FORMAT
        for r in result.get("sessions", ()) if ok else ():
            try:
                start = datetime.fromisoformat(r["start"])
                end = start + timedelta(seconds=max(60.0, float(r["seconds"])))
            except (KeyError, TypeError, ValueError):
                continue  # not what ``summarise`` wrote: skipped, as a bad file is
            if r.get("kind") == "strength" and start >= since:
                lifts.append(_strength(f"fit:{Path(path).name}:{r['start']}", start, end, r))
    return merge_strength(lifts)


def _five_zones(times: Any) -> list[float]:
    """FIT counts time below zone 1 first (and above zone 5 last); Garmin's five zones
    fold those into zones 1 and 5."""
    if not isinstance(times, tuple) or len(times) < 5 or any(_num(t) is None for t in times):
        return []
    t = [float(x) for x in times]
    if len(t) == 5:
        return t
    return [t[0] + t[1], t[2], t[3], t[4], sum(t[5:])]


def _walk(folder: Path, problems: list[str]) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    yield from _walk(Path(entry.path), problems)
                elif entry.name.lower().endswith(".fit"):
                    yield entry
    except OSError as exc:
        problems.append(f"cannot read FIT folder {folder}: {exc.strerror} "
                        "(sources.fit.folders)")


def file_problems(found: dict[str, dict[str, Any]], named: int = 3) -> list[str]:
    """Skipped or partly read files as warnings: a few by name, then a count."""
    bad = sorted((p, r["error"] or r["notes"][0]) for p, r in found.items()
                 if r["error"] or r["notes"])
    out = [f"FIT file {p}: {why}" for p, why in bad[:named]]
    if len(bad) > named:
        out.append(f"… and {len(bad) - named} more FIT files skipped or partly read "
                   "(`syncd -v run --once` names them when they are read)")
    return out


def _version(entry: os.DirEntry[str]) -> tuple[int, int, str | None]:
    """Size and mtime of the file, or of the link itself (size -1) when it points nowhere."""
    try:
        st = entry.stat()
        return st.st_size, st.st_mtime_ns, None
    except OSError as exc:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return -1, 0, f"cannot read it ({exc.strerror})"
        if entry.is_symlink():
            return -1, st.st_mtime_ns, (f"a link to {os.readlink(entry.path)}, which is not "
                                        "there (is the watch or disk connected?)")
        return -1, st.st_mtime_ns, f"cannot read it ({exc.strerror})"


class FitFolderSource:
    name = "fit"

    def __init__(self, folders: tuple[Path, ...], state: State) -> None:
        self.folders = folders
        self.state = state
        self.parsed = 0
        # What is wrong now, said every cycle until its cause is gone (issue 23): a folder
        # that cannot be read, files skipped or only partly read (until they change).
        self.problems: list[str] = []

    def scan(self) -> dict[str, dict[str, Any]]:
        """Every FIT file under the folders with what it holds; only new or changed ones are
        read, and what is read is committed every few hundred files."""
        known = {r[0]: (r[1], r[2], r[3]) for r in self.state.db.execute(
            "SELECT path, size, mtime_ns, result FROM fit_files")}
        found: dict[str, dict[str, Any]] = {}
        todo: list[tuple[str, int, int, str | None]] = []
        self.problems = []
        for folder in self.folders:
            for entry in _walk(folder, self.problems):
                size, mtime, problem = _version(entry)
                old = known.get(entry.path)
                if old is not None and old[0] == size and old[1] == mtime:
                    result = json.loads(old[2])
                    if result.get("v") == FORMAT:
                        found[entry.path] = result
                        continue
                todo.append((entry.path, size, mtime, problem))
        if todo:
            self._read(todo, found, len(found))
        self.problems += file_problems(found)
        return found

    def _read(self, todo: list[tuple[str, int, int, str | None]],
              found: dict[str, dict[str, Any]], unchanged: int) -> None:
        started = time.monotonic()
        bar = progress_for("reading FIT files", len(todo))
        batch: list[tuple[str, int, int, str]] = []
        last_commit = started
        counts = {"run": 0, "strength": 0, "skipped": 0}
        try:
            for n, (path, size, mtime, problem) in enumerate(todo, 1):
                if problem is not None:
                    result = {"v": FORMAT, "sessions": [], "notes": [], "error": problem}
                else:
                    result = read_fit(Path(path))
                    self.parsed += 1
                self._report(path, result, counts)
                found[path] = result
                batch.append((path, size, mtime, json.dumps(result)))
                if len(batch) >= BATCH_FILES or time.monotonic() - last_commit > BATCH_SECONDS:
                    self._commit(batch)
                    batch, last_commit = [], time.monotonic()
                bar.step(n, len(todo))
        finally:
            self._commit(batch)
            bar.close()
        log.info("FIT folder: read %d new or changed files in %.1f s (%d runs, %d strength, "
                 "%d skipped); %d unchanged", len(todo), time.monotonic() - started,
                 counts["run"], counts["strength"], counts["skipped"], unchanged)

    @staticmethod
    def _report(path: str, result: dict[str, Any], counts: dict[str, int]) -> None:
        if result["error"] is not None:
            counts["skipped"] += 1
            log.info("skipped FIT file %s: %s", path, result["error"])
            return
        for note in result["notes"]:
            log.info("FIT file %s: %s", path, note)
        for s in result["sessions"]:
            if s["kind"] in counts:
                counts[s["kind"]] += 1

    def _commit(self, batch: list[tuple[str, int, int, str]]) -> None:
        if batch:
            with self.state.transaction():
                self.state.db.executemany(
                    "INSERT OR REPLACE INTO fit_files (path, size, mtime_ns, result) "
                    "VALUES (?,?,?,?)", batch)

    def fetch(self, window: FetchWindow) -> Observations:
        records = sorted(((p, s) for p, r in self.scan().items() for s in r["sessions"]
                          if s["kind"] in ("run", "strength")), key=lambda ps: ps[1]["start"])
        runs: list[Run] = []
        lifts: list[StrengthActivity] = []
        for path, r in records:
            start = datetime.fromisoformat(r["start"])
            end = start + timedelta(seconds=max(60.0, r["seconds"]))
            ident = f"fit:{Path(path).name}:{r['start']}"
            if r["kind"] == "strength":
                lifts.append(_strength(ident, start, end, r))
                continue
            add_run(runs, self._run(ident, start, end, r, runs))
        return Observations(completed_runs=tuple(r for r in runs if r.start >= window.start),
                            strength=tuple(s for s in merge_strength(lifts)
                                           if s.start >= window.start),
                            notes=tuple(self.problems))

    def _run(self, ident: str, start: datetime, end: datetime, r: dict[str, Any],
             earlier: list[Run]) -> Run:
        recent = []
        for x in reversed(earlier):  # oldest first: only the last four weeks are looked at
            if x.start < start - timedelta(days=28):
                break
            if x.start < start:
                recent.append(x)
        history = History(
            durations_s=tuple(x.duration.total_seconds() for x in recent),
            easy_speeds=tuple(x.distance_m / x.duration.total_seconds() for x in recent
                              if x.kind is RunKind.EASY and x.distance_m))
        dist = r.get("distance")
        speed = r.get("speed") or (dist / r["moving"] if dist and r["moving"] else None)
        evidence = Evidence(title="", type_key=r["type_key"], duration_s=r["moving"],
                            distance_m=dist, avg_speed=speed, anaerobic_te=r["anaerobic_te"],
                            hr_zone_s=tuple(r["zones"]), avg_hr=r["hr"], max_hr=r["max_hr"])
        kind, reason = classify(evidence, history)
        title = r["type_key"].replace("_", " ")
        return Run(ident, self.name, start, end, kind, RunStatus.COMPLETED,
                   title=f"{title} (FIT)", reason=reason, distance_m=dist,
                   detail=evidence.richness, moving_s=r["moving"] or None)
