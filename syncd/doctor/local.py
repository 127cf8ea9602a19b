"""Checks on this machine: the config, which calendars it writes to, the state dir and DB."""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from syncd.doctor import Check, failed, passed, skipped
from syncd.errors import SyncdError
from syncd.state_health import free_space, nearly_full, unusable

if TYPE_CHECKING:
    from syncd.config.loader import Config
    from syncd.context import Context

# Files that hold tokens, history or calendar URLs: only their owner may read them.
PRIVATE_FILES = ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm",
                 "garmin_tokens.json", "feed_token", "feed/strength.ics", "feed/busy.ics")


def check_config(obj: Context) -> tuple[Check, Config | None]:
    try:
        config = obj.config
    except SyncdError as exc:
        return failed("config", str(exc)), None
    return passed("config", f"{config.origin} is valid"), config


def check_sinks(config: Config) -> Check:
    targets = []
    if config.ics is not None:
        if not config.ics.path.parent.parent.is_dir():  # the writer makes one folder at most
            return failed("calendars", f"at 'ics.path': the folder "
                          f"{config.ics.path.parent.parent} does not exist; fix the path")
        targets.append(f"file {config.ics.path}")
    if config.caldav is not None:
        targets.append(f"CalDAV calendar '{config.caldav.name}'")
    if config.feed is not None:
        targets.append("the live feed")
    if not targets:
        return failed("calendars", "nothing to write the sessions to: set [ics] path, "
                      "[calendar] url or [feed] listen")
    return passed("calendars", "writes to " + ", ".join(targets))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_state_dir(directory: Path) -> Iterator[Check]:
    name = "state dir"
    if not directory.exists():
        parent = next((p for p in directory.parents if p.exists()), Path("/"))
        if os.access(parent, os.W_OK | os.X_OK):
            yield passed(name, f"{directory} does not exist yet; the first run creates it "
                         "(0700)")
        else:
            yield failed(name, f"{directory} does not exist and {parent} is not writable; "
                         "choose another with --state-dir or $SYNCD_STATE_DIR")
        return
    if not directory.is_dir():
        yield failed(name, f"{directory} is not a folder; choose another with --state-dir")
        return
    mode = _mode(directory)
    problems = []
    if directory.stat().st_uid != os.geteuid():
        problems.append(f"owned by uid {directory.stat().st_uid}, not by you "
                        f"(uid {os.geteuid()}): chown it to the user syncd runs as")
    if mode & 0o077:
        problems.append(f"mode {mode:04o}, expected 0700: chmod 700 {directory}")
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-"):
            pass
    except OSError as exc:
        problems.append(f"not writable ({exc.strerror}): fix its owner or mode")
    if problems:
        yield failed(name, f"{directory}: " + "; ".join(problems))
    else:
        yield passed(name, f"{directory}: writable, mode 0700")
    present = [f for f in PRIVATE_FILES if (directory / f).is_file()]
    loose = [f for f in present if _mode(directory / f) & 0o077]
    if loose:
        modes = ", ".join(f"{f} is {_mode(directory / f):04o}" for f in loose)
        yield failed("state files", f"{modes}, expected 0600: chmod 600 "
                     + " ".join(str(directory / f) for f in loose))
    elif present:
        yield passed("state files", f"{', '.join(present)}: 0600")
    else:
        yield skipped("state files", "none yet")


def check_state_db(directory: Path) -> Check:
    """The file opens, is a syncd state and every page reads (``quick_check``): the same
    check every command makes before it trusts the file, so doctor fails where they would."""
    from syncd.state import DB_NAME, SCHEMA_VERSION, State

    path = directory / DB_NAME
    if not path.exists():
        return skipped("state db", "none yet; `syncd run --once` creates it")
    old = os.umask(0o077)  # a reader may have to make the -shm file: it stays private
    try:
        state = State(directory, readonly=True)
        try:
            version = state.db.execute("PRAGMA user_version").fetchone()[0]
        finally:
            state.close()
    except SyncdError as exc:
        return failed("state db", str(exc))
    except (sqlite3.Error, OSError) as exc:
        return failed("state db", str(unusable(path, exc)))
    finally:
        os.umask(old)
    if version > SCHEMA_VERSION:
        return failed("state db", f"schema {version} was written by a newer syncd "
                      f"(this one knows {SCHEMA_VERSION}): upgrade syncd")
    return passed("state db", f"schema {version}, intact")


def check_state_space(directory: Path) -> Check:
    """A full state volume fails every write of the state (and of the ICS file and tokens
    if they live there): say so before a cycle meets it."""
    space = free_space(directory)
    if space is None:
        return skipped("state disk", f"cannot ask how full the volume of {directory} is")
    full = nearly_full(directory)
    if full:
        return failed("state disk", f"the volume holding {directory} is full or nearly "
                      f"({full}): free space there")
    free, total = space
    return passed("state disk", f"{free // (1024 * 1024)} MiB free of "
                  f"{total // (1024 * 1024)} MiB")
