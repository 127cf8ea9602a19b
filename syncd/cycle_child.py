"""One daemon cycle in a fresh interpreter: ``python -m syncd.cycle_child PARENT_PID OUT_FD``.

The daemon's resident process has threads (the feed server's, MQTT's network loop). A plain
``fork`` copies every lock those threads hold at that instant (a module's import lock, a
logging lock) into the child, where no thread will ever release it: the child of the first
cycle once hung importing the codec paho's thread was importing. So the daemon starts each
cycle with fork+exec (``subprocess``, which runs no Python between the two): the child
starts clean, with one thread, and imports what it needs itself.

Internal entry, not a command: the parent writes the job (config, state dir, dry run,
verbosity) pickled to our stdin (it is the parent's own object, trusted), we run one cycle
and write a JSON summary to ``OUT_FD``. We die with the parent (PR_SET_PDEATHSIG) and on
SIGTERM finish the write in progress, then stop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import signal
import sqlite3
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncd.errors import StateBusyError, SyncdError

if TYPE_CHECKING:
    from syncd.config.loader import Config

log = logging.getLogger(__name__)
LOCK_WAIT_S = 60.0  # a cycle waits this long for a `run --once` that writes the same state


def main(argv: list[str]) -> int:
    parent, out = int(argv[0]), int(argv[1])
    _die_with_parent(parent)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda s, f: stop.set())
    signal.signal(signal.SIGINT, lambda s, f: stop.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    job = pickle.load(sys.stdin.buffer)
    from syncd.logs import setup_logging

    setup_logging(job["verbosity"])
    try:
        summary = run_cycle_job(job["config"], Path(job["state_dir"]), job["dry_run"],
                                stop.is_set)
    except BaseException:
        log.exception("cycle failed with an unexpected error")
        return 1
    os.write(out, json.dumps(summary).encode())
    return 0


def _die_with_parent(parent: int) -> None:
    """A child whose daemon was killed (kill -9) dies too, instead of writing on alone.
    Set after exec (the parent runs no code between fork and exec), then checked: a parent
    that died before the prctl took hold has left us to init already."""
    import ctypes

    # CDLL(None): the C library this interpreter is linked with, found without the
    # `ldconfig -p` that ctypes.util.find_library would run on every cycle.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def run_cycle_job(config: Config, state_dir: Path, dry_run: bool,
                  stop: Any) -> dict[str, Any]:
    """One cycle under the state's writer lock; a state that is busy or unusable is a
    summary the parent logs once (``state``), not a traceback."""
    from syncd.cycle import run_cycle
    from syncd.state import DB_NAME, State
    from syncd.state_health import unusable

    try:
        state = (State(state_dir, scratch=True) if dry_run else
                 State(state_dir, wait=LOCK_WAIT_S, command="run (a daemon's cycle)"))
    except SyncdError as exc:  # busy past the wait, unusable, from a newer syncd
        return {"ok": False, "errors": {}, "next": None, "state": str(exc),
                "busy": isinstance(exc, StateBusyError)}
    try:
        now = datetime.now(config.athlete.tz)
        try:
            result = run_cycle(config, state, now, dry_run=dry_run, honour_backoff=True,
                               stop=stop)
        except SyncdError as exc:
            log.error("cycle failed: %s", exc)
            return {"ok": False, "errors": {"cycle": str(exc)}, "next": None}
        except sqlite3.DatabaseError as exc:  # a damaged page met mid-cycle, a full disk
            return {"ok": False, "errors": {}, "next": None,
                    "state": str(unusable(state_dir / DB_NAME, exc))}
    finally:
        state.close()
    for line in result.changes:
        log.info("%s", line)
    for line in result.warnings:
        log.warning("%s", line)
    for name, err in result.errors.items():  # said when it started, by the cycle
        log.debug("%s: %s", name, err)
    upcoming = result.next_session
    nxt = (f"{upcoming.title} {upcoming.start.astimezone(config.athlete.tz):%a %H:%M}"
           if upcoming else None)
    return {"ok": not result.errors, "errors": result.errors, "next": nxt,
            "changes": len(result.changes), "phase": result.plan.phase.value}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
