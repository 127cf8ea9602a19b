"""`syncd run`: the long-running service loop.

A cycle every ``daemon.interval_minutes`` (±10 % jitter so many installs do not hit a server
at once), sleeping on an event between cycles rather than polling. A failing component backs
off on its own (see ``cycle.Component``) while the others go on; an unexpected error in a
cycle is logged and the loop continues. SIGTERM/SIGINT finish the write in progress and
exit 0; SIGHUP reloads the config and keeps the old one if the new one is bad. Under
systemd it speaks the notify protocol: READY=1, STATUS=, WATCHDOG=1 and STOPPING=1.
"""

from __future__ import annotations

import faulthandler
import logging
import random
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING

from syncd.errors import ExitCode, SyncdError
from syncd.notify import Notifier

if TYPE_CHECKING:
    from syncd.config.loader import Config
    from syncd.cycle import CycleResult
    from syncd.sinks.base import Sink
    from syncd.sources.base import Source
    from syncd.state import State

log = logging.getLogger(__name__)


@dataclass
class Flags:
    """What the signal handlers ask of the loop; ``wake`` ends a sleep early."""

    stop: bool = False
    reload: bool = False
    wake: threading.Event = field(default_factory=threading.Event)


def install_handlers(flags: Flags) -> None:
    def on_stop(signum: int, frame: FrameType | None) -> None:
        flags.stop = True
        flags.wake.set()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        flags.reload = True
        flags.wake.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    # `kill -USR1` prints every thread's stack to the journal: how to see where a stuck
    # daemon is, without stopping it.
    faulthandler.register(signal.SIGUSR1, all_threads=True)


def run_daemon(config_path: str | None, state_dir: str | None, verbosity: int, *,
               dry_run: bool = False) -> int:
    from syncd.config.loader import load_config
    from syncd.state import State, resolve_state_dir

    flags = Flags()
    install_handlers(flags)
    notifier = Notifier()
    try:
        config = load_config(config_path)
        state = State(resolve_state_dir(state_dir))
    except SyncdError as exc:
        print(f"syncd: {exc}", flush=True, file=sys.stderr)
        return int(exc.exit_code)
    log.info("syncd started: config %s, state %s, every %g min%s", config.origin,
             state.directory, config.interval_minutes, " (dry run)" if dry_run else "")
    notifier.ready("starting first cycle")
    rng = random.Random()
    parts = _parts(config, state)
    try:
        while not flags.stop:
            if flags.reload:
                new = _reload(config, config_path, notifier)
                if new is not config:
                    config, parts = new, _parts(new, state)
                flags.reload = False
            result = _cycle(config, state, dry_run, flags, parts)
            notifier.status(_status_line(config, result))
            if flags.stop:
                break
            interval = config.interval_minutes * 60 * rng.uniform(0.9, 1.1)
            _sleep(interval, flags, notifier)
    finally:
        notifier.stopping()
        state.close()
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


def _parts(config: Config, state: State) -> tuple[list[Source], list[Sink]]:
    """Sources and sinks live across cycles: logins and discovery happen once, not per cycle."""
    from syncd.cycle import build_sinks, build_sources

    return build_sources(config, state), build_sinks(config, state)


def _cycle(config: Config, state: State, dry_run: bool, flags: Flags,
           parts: tuple[list[Source], list[Sink]]) -> CycleResult | None:
    from syncd.cycle import run_cycle

    now = datetime.now(config.athlete.tz)
    try:
        result = run_cycle(config, state, now, dry_run=dry_run, honour_backoff=True,
                           stop=lambda: flags.stop, sources=parts[0], sinks=parts[1])
    except SyncdError as exc:
        log.error("cycle failed: %s", exc)
        return None
    except Exception:
        # A bug must not kill a service that runs for months: log it whole and go on.
        log.exception("cycle failed with an unexpected error")
        return None
    for line in result.changes:
        log.info("%s", line)
    for name, err in result.errors.items():
        log.warning("%s: %s", name, err)
    return result


def _sleep(seconds: float, flags: Flags, notifier: Notifier) -> None:
    """Sleep until the next cycle or a signal, waking only to feed the watchdog."""
    step = seconds
    if notifier.watchdog_s:
        step = max(0.5, notifier.watchdog_s / 2)
    flags.wake.clear()
    remaining = seconds
    while remaining > 0 and not (flags.stop or flags.reload):
        notifier.watchdog()
        chunk = min(step, remaining)
        if flags.wake.wait(chunk):
            break
        remaining -= chunk
    notifier.watchdog()


def _status_line(config: Config, result: CycleResult | None) -> str:
    from zoneinfo import ZoneInfo

    when = datetime.now(ZoneInfo(config.athlete.timezone))
    if result is None:
        return f"last cycle {when:%H:%M} failed; see the journal"
    state = "ok" if not result.errors else f"{len(result.errors)} component(s) failing"
    upcoming = next((s for s in result.plan.sessions if s.start > result.plan.now), None)
    nxt = (f"next: {upcoming.title} {upcoming.start.astimezone(when.tzinfo):%a %H:%M}"
           if upcoming else "no session planned")
    return f"last cycle {when:%H:%M} {state}; {nxt}"
