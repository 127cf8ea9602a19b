"""`syncd status`: what the last cycles did, read from the state without disturbing a daemon.

The state is opened read-only (SQLite WAL lets a reader in while the daemon writes).
With several athletes on one host (systemd/syncd@.service), the first line names the
instance: ``$SYNCD_INSTANCE``, which the template unit sets to its ``%i``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from syncd import problems
from syncd.errors import ExitCode
from syncd.model import SessionStatus
from syncd.state_health import unusable
from syncd.status_lifted import lifted_lines, recorded

if TYPE_CHECKING:
    from syncd.context import Context

MAX_WARNINGS = 10
MAX_PROBLEMS = 20
MAX_INSTANCE = 64


def instance_line() -> str | None:
    """``instance: NAME`` from $SYNCD_INSTANCE, bounded and printable, or None when unset."""
    raw = os.environ.get("SYNCD_INSTANCE", "").strip()
    if not raw:
        return None
    name = "".join(c if c.isprintable() else "?" for c in raw[:MAX_INSTANCE])
    return f"instance: {name}"


def _when(text: str | None, tz_name: str) -> str:
    if not text:
        return "never"
    return f"{datetime.fromisoformat(text).astimezone(ZoneInfo(tz_name)):%a %d %b %H:%M}"


def status_text(obj: Context) -> tuple[str, ExitCode]:
    from syncd.state import State

    directory = obj.state_path()
    tz = obj.config.athlete.timezone
    try:
        state = State(directory, readonly=True)
    except FileNotFoundError:
        return (f"No state in {directory} yet: run `syncd run --once` first.", ExitCode.FAILURE)
    try:
        comps = state.components()
        warnings = json.loads(state.get("cycle", "warnings") or "[]")
        recent = problems.recent(state)
        now = obj.now()
        sessions = state.sessions()
        upcoming = [s for s in sessions if s.start > now
                    and s.status in (SessionStatus.PLANNED, SessionStatus.PINNED)][:5]
        lifted = lifted_lines(recorded(state, now, ZoneInfo(tz)), sessions, ZoneInfo(tz))
    except sqlite3.DatabaseError as exc:  # a page found damaged only now
        raise unusable(state.path, exc) from None
    finally:
        state.close()
    named = instance_line()
    lines = ([named] if named else []) + [f"state: {directory}"]
    cycle = next((c for c in comps if c.name == "cycle"), None)
    if cycle is None:
        lines.append("last cycle: never")
    else:
        result = "ok" if not cycle.last_error else f"with errors: {cycle.last_error}"
        lines.append(f"last cycle: {_when(cycle.last_run, tz)} ({result})")
    if warnings:
        # The last cycle's: each is said again by every cycle until its cause is gone.
        lines.append("warnings (until their cause is gone):")
    lines += [f"WARNING: {w}" for w in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f"WARNING: … and {len(warnings) - MAX_WARNINGS} more (see the log)")
    for c in comps:
        if c.name == "cycle":
            continue
        if c.last_error:
            retry = f"; next try {_when(c.next_try, tz)}" if c.next_try else ""
            health = (f"FAILING ({c.failures}×) since last ok {_when(c.last_ok, tz)}: "
                      f"{c.last_error}{retry}")
        else:
            health = "ok" + (f" ({c.detail})" if c.detail else "")
        lines.append(f"  {c.name:<22} last run {_when(c.last_run, tz):<16} {health}")
    from syncd.feed.control import status_lines

    lines += status_lines(obj.config, directory)
    if recent:
        lines.append("recent problems (newest first):")
    for pr in reversed(recent[-MAX_PROBLEMS:]):
        again = f" ({pr.count}×, first {_when(pr.first, tz)})" if pr.count > 1 else ""
        lines.append(f"  {_when(pr.last, tz)} {pr.component}{again}: {pr.message}")
    lines.append("next sessions:")
    for s in upcoming:
        pin = " (pinned by you)" if s.status is SessionStatus.PINNED else ""
        lines.append(f"  {_when(s.start.isoformat(), tz)}  {s.title}{pin}")
    if not upcoming:
        lines.append("  none planned")
    lines += lifted
    errors = [c for c in comps if c.last_error]
    if errors:
        last = max(errors, key=lambda c: c.last_run or "")
        lines.append(f"last error: {last.name}: {last.last_error}")
    return "\n".join(lines), ExitCode.FAILURE if errors else ExitCode.OK
