"""`syncd run`: the long-running service loop.

The resident process stays small: it holds the config, answers signals, talks to systemd
and sleeps. Each cycle runs in a child (``syncd.cycle_child``, started by fork+exec so that
none of the resident process's threads or their locks is copied) that imports the heavy
libraries (caldav, garminconnect, icalendar), does the work, reports a summary through a
pipe and exits. So the idle footprint is the parent's alone, a leak or a library that hangs
cannot build up over months, and a cycle that outlives its time limit is killed, not waited
for. One daemon per state dir (``daemon.lock``, held for its life); each cycle takes the
state's writer lock like any writing command, and they run one at a time.

A cycle every ``daemon.interval_minutes`` (±10 % jitter), sleeping on a wake-up event rather
than polling. A failing component backs off on its own (``cycle.Component``) while the
others go on. SIGTERM/SIGINT: the child finishes the write in progress, then both exit 0.
SIGHUP reloads the config and keeps the old one if the new one is bad. Under systemd it
speaks the notify protocol: READY=1, STATUS=, WATCHDOG=1 (also while a cycle runs),
STOPPING=1. ``kill -USR1`` prints the stacks of the process it is sent to.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from syncd import problems
from syncd.companions import companions_for, run_all
from syncd.errors import ExitCode, StateBusyError, StateUnusableError, SyncdError
from syncd.notify import Notifier

if TYPE_CHECKING:
    from syncd.config.loader import Config

log = logging.getLogger(__name__)
STOP_GRACE = 8.0  # seconds a child gets to finish its write after SIGTERM
STATE_WAIT_S = 30.0  # the resident process's own short writes wait this long for the lock
MIN_CYCLE_LIMIT = 600.0
MAX_CYCLE_LIMIT = 1800.0


@dataclass
class Flags:
    """What the signal handlers ask of the loop; ``wake`` ends a sleep early."""

    stop: bool = False
    reload: bool = False
    force: bool = False  # the next cycle retries every failing component (reload, sync now)
    wake: threading.Event = field(default_factory=threading.Event)

    def sync_now(self) -> None:
        """A companion's "sync now": a cycle at once that ignores the backoff."""
        self.force = True
        self.wake.set()


def install_handlers(flags: Flags) -> None:
    def on_stop(signum: int, frame: FrameType | None) -> None:
        flags.stop = True
        flags.wake.set()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        flags.reload = True
        flags.sync_now()  # a fixed config is tried at once, whatever the backoff

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    faulthandler.register(signal.SIGUSR1, all_threads=True)


class StateReport:
    """Says a state that cannot be used (damaged, full disk, another writer) once per change,
    not every cycle: the journal gets one line when it starts, one when it clears."""

    def __init__(self) -> None:
        self.said: str | None = None

    def __call__(self, problem: str | None, *, busy: bool = False) -> None:
        if problem == self.said:
            return
        if problem is not None:
            (log.warning if busy else log.error)("%s", problem)
        elif self.said is not None:
            log.info("the state is usable again")
        self.said = problem


def run_daemon(config_path: str | None, state_dir: str | None, verbosity: int, *,
               dry_run: bool = False) -> int:
    from syncd.config.loader import load_config
    from syncd.context import state_dir_for
    from syncd.lock import daemon_lock
    from syncd.state import ensure_private_dir

    flags = Flags()
    install_handlers(flags)
    notifier = Notifier()
    report = StateReport()
    try:
        config = load_config(config_path)
        directory = state_dir_for(config, state_dir)
        ensure_private_dir(directory)
        lock = daemon_lock(directory)
        lock.acquire(wait=0, command="run (the daemon)")
    except SyncdError as exc:
        print(f"syncd: {exc}", flush=True, file=sys.stderr)
        return int(exc.exit_code)
    try:
        _mark_running(directory)  # also creates and migrates it, before any child runs
    except (StateUnusableError, StateBusyError) as exc:
        report(str(exc), busy=isinstance(exc, StateBusyError))  # said once; cycles retry
    except SyncdError as exc:  # a state from a newer syncd: nothing to run on
        print(f"syncd: {exc}", flush=True, file=sys.stderr)
        return int(exc.exit_code)
    log.info("syncd started: config %s, state %s, every %g min%s", config.origin, directory,
             config.interval_minutes, " (dry run)" if dry_run else "")
    notifier.ready("starting first cycle")
    rng = random.Random()
    companions = companions_for(config, directory)
    run_all(companions, "start", flags.sync_now)
    try:
        while not flags.stop:
            if flags.reload:
                config = _reload(config, config_path, notifier)
                flags.reload = False
            if flags.force:
                flags.force = False
                # Read and cleared by the cycle (cycle.FORCE), like `run --once --force`.
                _with_state(directory, lambda st: st.put("cycle", "force", "1"))
            summary = run_child_cycle(config, directory, dry_run, flags, notifier,
                                      verbosity=verbosity)
            log.debug("cycle finished: %s", json.dumps(summary))
            if summary is not None:
                report(summary.get("state"), busy=bool(summary.get("busy")))
            notifier.status(_status_line(config, summary))
            run_all(companions, "after_cycle", summary)
            if flags.stop:
                break
            _sleep(config.interval_minutes * 60 * rng.uniform(0.9, 1.1), flags, notifier)
    finally:
        notifier.stopping()
        run_all(companions, "stop")
        if report.said is None:
            _with_state(directory, lambda st: st.put(  # within systemd's stop timeout
                "daemon", "running", f"stopped {datetime.now().astimezone().isoformat()}"),
                wait=STOP_GRACE / 2)
        lock.release()
        log.info("syncd stopped")
    return int(ExitCode.OK)


def _reload(config: Config, config_path: str | None, notifier: Notifier) -> Config:
    from syncd.config.loader import load_config

    notifier.reloading()
    try:
        new = load_config(config_path)
    except SyncdError as exc:
        log.error("reload refused, keeping the running config: %s", exc)
        notifier.ready("reload refused: config error")
        return config
    log.info("config reloaded from %s", new.origin)
    notifier.ready("config reloaded")
    return new


def cycle_limit(interval_minutes: float) -> float:
    """A cycle's deadline: four intervals, at least 10 minutes (a first sync of a slow
    server) and at most 30 (a daily interval must not let a hung cycle hold for days)."""
    return max(MIN_CYCLE_LIMIT, min(4 * interval_minutes * 60, MAX_CYCLE_LIMIT))


def run_child_cycle(config: Config, state_dir: Path, dry_run: bool, flags: Flags,
                    notifier: Notifier, *, verbosity: int = 0) -> dict[str, Any] | None:
    """Start a cycle child (fork+exec), return its summary (None if it failed)."""
    read_end, write_end = os.pipe()
    try:
        proc = _start_child(config, state_dir, dry_run, verbosity, write_end)
    finally:
        os.close(write_end)
    pid = proc.pid
    limit = cycle_limit(config.interval_minutes)
    started = time.monotonic()
    step = min(1.0, notifier.watchdog_s / 2) if notifier.watchdog_s else 1.0
    data = b""
    stop_sent: float | None = None
    killed = False
    try:
        while True:
            ready, _, _ = select.select([read_end], [], [], step)
            if ready:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break
                data += chunk
            notifier.watchdog()
            now = time.monotonic()
            if flags.stop and stop_sent is None:
                os.kill(pid, signal.SIGTERM)  # finish the write in progress, then exit
                stop_sent = now
            late = stop_sent is not None and now - stop_sent > STOP_GRACE
            if not killed and (late or now - started > limit):
                if not late:
                    log.error("a cycle ran for over %.0f s and was stopped", limit)
                os.kill(pid, signal.SIGKILL)
                killed = True
    finally:
        os.close(read_end)
        code = proc.wait()
    if code != 0 or not data:
        if not flags.stop:
            log.error("the cycle failed (exit %s); the next one retries", code)
            why = (f"a cycle ran for over {limit:.0f} s and was stopped" if killed else
                   f"a cycle failed (exit {code}); see the journal")
            _with_state(state_dir, lambda st: problems.record(
                st, "cycle", datetime.now().astimezone(), why))
        return None
    summary: dict[str, Any] = json.loads(data)
    return summary


def _start_child(config: Config, state_dir: Path, dry_run: bool, verbosity: int,
                 out: int) -> subprocess.Popen[bytes]:
    """``python -m syncd.cycle_child``: subprocess forks and execs with no Python run in
    between, so no thread of ours (nor a lock one holds) reaches the child. The job goes
    pickled through its stdin; the summary comes back on ``out``."""
    import pickle

    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[1])  # this very syncd, wherever it came from
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen([sys.executable, "-m", "syncd.cycle_child", str(os.getpid()),
                             str(out)], stdin=subprocess.PIPE, pass_fds=(out,), env=env)
    job = {"config": config, "state_dir": str(state_dir), "dry_run": dry_run,
           "verbosity": verbosity}
    assert proc.stdin is not None
    try:
        proc.stdin.write(pickle.dumps(job))
        proc.stdin.close()
    except BrokenPipeError:  # it died at once; its exit code tells
        pass
    return proc


def _with_state(state_dir: Path, what: Callable[[Any], None],
                wait: float = STATE_WAIT_S) -> None:
    """A short write from the resident process, under the writer lock like any other; a
    state it cannot open (busy past the wait, damaged) is only logged."""
    from syncd.state import State

    try:
        state = State(state_dir, wait=wait, command="run (the daemon)")
    except (SyncdError, sqlite3.Error) as exc:
        log.warning("cannot record in the state: %s", exc)
        return
    try:
        what(state)
    except sqlite3.Error as exc:
        log.error("cannot record in the state: %s", exc)
    finally:
        state.close()


def _mark_running(state_dir: Path) -> None:
    """Remember that a daemon runs; one still marked at start was killed or crashed."""

    def mark(st: Any) -> None:
        now = datetime.now().astimezone()
        before = st.get("daemon", "running")
        if before is not None and before.startswith("running"):
            problems.record(st, "daemon", now, "the daemon before this one did not stop "
                            "cleanly (killed or crashed); any write it had in flight is "
                            "resolved by the next cycle")
        st.put("daemon", "running", f"running {os.getpid()} {now.isoformat()}")

    from syncd.state import State

    state = State(state_dir, wait=STATE_WAIT_S, command="run (the daemon)")  # raises the
    try:  # SyncdError the caller reports: unusable, or busy past the wait
        with state.transaction():
            mark(state)
    finally:
        state.close()


def _sleep(seconds: float, flags: Flags, notifier: Notifier) -> None:
    """Sleep until the next cycle or a signal, waking only to feed the watchdog."""
    step = max(0.5, notifier.watchdog_s / 2) if notifier.watchdog_s else seconds
    remaining = seconds
    while remaining > 0 and not (flags.stop or flags.reload):
        notifier.watchdog()
        chunk = min(step, remaining)
        if flags.wake.wait(chunk):
            break
        remaining -= chunk
    # Cleared here, not on entry: a wake that came during the cycle ("sync now") ends this
    # sleep at once instead of being lost.
    flags.wake.clear()
    notifier.watchdog()


def _status_line(config: Config, summary: dict[str, Any] | None) -> str:
    from zoneinfo import ZoneInfo

    when = datetime.now(ZoneInfo(config.athlete.timezone))
    if summary is None:
        return f"last cycle {when:%H:%M} failed; see the journal"
    if summary.get("state"):
        return f"last cycle {when:%H:%M} could not use the state; see the journal"
    errors = summary.get("errors") or {}
    state = "ok" if not errors else f"{len(errors)} component(s) failing"
    nxt = f"next: {summary['next']}" if summary.get("next") else "no session planned"
    return f"last cycle {when:%H:%M} {state}; {nxt}"
