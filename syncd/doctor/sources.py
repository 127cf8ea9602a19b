"""Checks on each source of runs: a FIT folder that is there and readable, a running-plan
calendar that can be read now. A source that fails is said here, not only in the one run
that met it (issue 23); the Garmin login has its own checks (``syncd.doctor.garmin``).

Nothing here writes the state: a FIT folder is listed, not read into the cache, and the
calendar is read through the real source on a scratch copy of the state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from syncd.config.loader import Config
from syncd.doctor import Check, failed, passed, skipped
from syncd.errors import SyncdError

# Enough to say "there are files"; a folder of 10,000 files is counted, not read.
MAX_LISTED = 100_000


def check_sources(config: Config, directory: Path, now: datetime) -> Iterator[Check]:
    if config.demo:
        yield passed("source demo", "the built-in demo runner")
    if config.week_plan:
        yield passed("source plan.week", f"{len(config.week_plan)} runs a week from the "
                     "weekly template")
    for folder in config.fit_folders:
        yield check_fit_folder(folder)
    if config.running_calendar is not None:
        yield check_running_calendar(config, directory, now)
    if not (config.demo or config.week_plan or config.fit_folders
            or config.running_calendar is not None or config.garmin is not None):
        yield skipped("sources", "no source of runs: set [sources.fit] folders, "
                      "[sources.calendar] or [sources.garmin] enabled")


def check_fit_folder(folder: Path) -> Check:
    name = f"source fit {folder}"
    if not folder.exists():
        why = "a link to a folder that is not there" if folder.is_symlink() else "not there"
        return failed(name, f"{why} (is the watch or disk connected?); fix "
                      "sources.fit.folders")
    if not folder.is_dir():
        return failed(name, "not a folder; sources.fit.folders lists folders")
    if not os.access(folder, os.R_OK | os.X_OK):
        return failed(name, f"not readable by this user (uid {os.getuid()}); give it read "
                      "access")
    count, unreadable = _count_fit(folder)
    if unreadable:
        return failed(name, f"{len(unreadable)} subfolder(s) cannot be read, e.g. "
                      f"{unreadable[0]}; give this user read access")
    shown = f"{count:,}" + ("+" if count >= MAX_LISTED else "")
    return passed(name, f"readable, {shown} .fit file{'s' if count != 1 else ''}"
                  + ("" if count else " yet"))


def _count_fit(folder: Path) -> tuple[int, list[str]]:
    count, unreadable, todo = 0, [], [folder]
    while todo and count < MAX_LISTED:
        here = todo.pop()
        try:
            with os.scandir(here) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(Path(entry.path))
                    elif entry.name.lower().endswith(".fit"):
                        count += 1
        except OSError:
            unreadable.append(str(here))
    return count, unreadable


def check_running_calendar(config: Config, directory: Path, now: datetime) -> Check:
    from syncd.cycle import fetch_window
    from syncd.sources.running_calendar import RunningCalendarSource
    from syncd.state import State

    settings = config.running_calendar
    assert settings is not None
    # A feed URL often holds its secret in the path: only its host is shown.
    url = settings.ics_url and f"{urlsplit(settings.ics_url).scheme}://" \
        f"{urlsplit(settings.ics_url).hostname}/…"
    parts = [f"{k} {v}" for k, v in (("ics_path", settings.ics_path), ("ics_url", url),
                                     ("caldav_calendar", settings.caldav_calendar)) if v]
    name = "source calendar " + ", ".join(parts)
    state = State(directory, scratch=True)
    try:
        got = RunningCalendarSource(settings, state, config.caldav).fetch(
            fetch_window(config, now))
    except SyncdError as exc:
        return failed(name, str(exc))
    finally:
        state.close()
    n = len(got.planned_runs)
    detail = (f"read: {n} planned run{'s' if n != 1 else ''} in the planning window" if n
              else "read, but no planned run in the planning window: is this your running "
              "plan?")
    if got.notes:
        detail += f"; {len(got.notes)} warning(s), e.g. {got.notes[0]}"
    return passed(name, detail)
