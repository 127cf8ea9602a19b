"""Controllers behind the CLI commands: they do the work and return an exit code.

Kept apart from ``cli.py`` so tests and the daemon call the same code without click.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncd.config.loader import EMBEDDED, Config
from syncd.errors import ConfigError, ExitCode
from syncd.state import State

if TYPE_CHECKING:
    from syncd.context import Context
    from syncd.cycle import CycleResult

Echo = Callable[..., Any]


def run_once(config: Config, state: State, now: datetime, *, dry_run: bool, echo: Echo,
             quiet: bool = False, verbose: bool = False, force: bool = False) -> ExitCode:
    """One cycle. It honours the backoff the last runs left (a 429's Retry-After, a refused
    login's pause) like the daemon does, so a timer cannot hammer a server; ``force``
    calls everything now."""
    from syncd.cycle import run_cycle
    from syncd.render import plan_table

    if config.origin == EMBEDDED and not quiet:
        target = config.ics.path if config.ics else "nowhere"
        echo(f"No config file found: using the built-in demo runner and writing {target}.\n"
             "Create ~/.config/syncd/config.toml (see `syncd config sample`) for your own.\n")
    before = {c.name: c for c in state.components()}
    with _said_below():
        result = run_cycle(config, state, now, dry_run=dry_run, honour_backoff=not force)
    if not quiet:
        for line in change_report(config, result, dry_run=dry_run, verbose=verbose):
            echo(line)
        echo("")
        echo(plan_table(result.plan, config.horizon_days))
    if config.ics is None and config.caldav is None and config.feed is None \
            and config.garmin_workouts is None:
        echo(f"syncd: {config.origin}: no calendar to write to, so nothing was written; set "
             "[ics] path, [calendar] url or [feed] listen (see `syncd config sample`)",
             err=True)
    for line in result.warnings:
        echo(f"syncd: WARNING: {line}", err=True)
    for name, err in result.errors.items():
        # -q (the timer's unit, every few minutes): a failure is said when it starts or
        # changes, not again on every run it lasts.
        if not quiet or _is_new(before, name, err):
            echo(f"syncd: {name}: {err}", err=True)
    if result.errors:
        return ExitCode.TRANSIENT if result.transient else ExitCode.FAILURE
    return ExitCode.OK


@contextmanager
def _said_below() -> Iterator[None]:
    """`run --once` says each failing source or calendar once, as its "syncd: NAME: ..."
    line: the cycle's own log line of the same failure (the journal's, for the daemon) is
    held back meanwhile, or every error showed twice."""

    class SaidBelow(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            args = record.args if isinstance(record.args, tuple) else ()
            return not (record.name == "syncd.cycle" and record.levelno >= logging.WARNING
                        and record.msg == "%s: %s" and args
                        and str(args[0]).startswith(("calendar ", "source ")))

    flt = SaidBelow()
    handlers = logging.getLogger().handlers
    for h in handlers:
        h.addFilter(flt)
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(flt)


def _is_new(before: dict[str, Any], name: str, error: str) -> bool:
    """Not the failure the last run already had (itself, or a backoff that names it)."""
    old = before.get(f"source:{name}") or before.get(f"sink:{name}")
    return old is None or not old.failures or not old.last_error or old.last_error not in error


def change_report(config: Config, result: CycleResult, *, dry_run: bool,
                  verbose: bool) -> list[str]:
    """What changed in the plan, then what each calendar got: each change said once.

    A calendar's writes are listed one by one only when the plan's changes do not already
    tell them (a repair of an edited file, a first write of an unchanged plan) or with -v;
    a calendar that could not be reached is said, so "no change" never hides it."""
    lines: list[str] = []
    if result.changes:
        lines.append("Would change (dry run):" if dry_run else "Changes:")
        lines += [f"  {line}" for line in result.changes]
    else:
        lines.append("The plan did not change.")
    verb = "would write" if dry_run else "wrote"
    for report in result.reports:
        acts = report.actions
        if not acts and not report.changes and not report.warnings:
            continue
        target = f" → {config.ics.path}" if report.name == "ics" and config.ics else ""
        if acts:
            noun = "workout" if report.name == "garmin_workouts" else "event"
            lines.append(f"{report.name}{target}: {verb} {len(acts)} "
                         f"{noun}{'s' if len(acts) != 1 else ''}")
            if verbose or not result.changes:
                lines += [f"  {a.describe(config.athlete.timezone)}" for a in acts]
            lines += [f"  {line}" for line in report.details]  # a dry run's workouts
        elif report.warnings:
            lines.append(f"{report.name}{target}:")
        lines += [f"  warning: {w}" for w in report.warnings]
    for name in result.failed_sinks:
        lines.append(f"{name}: not reached (the error is below); it gets the changes once "
                     "it can be reached")
    return lines


def show_plan(config: Config, state: State, now: datetime, *, as_json: bool,
              explain: str | None, days: int | None, echo: Echo,
              html: str | None = None) -> ExitCode:
    from syncd.cycle import make_plan
    from syncd.render import explain_day, plan_json, plan_table

    day = None
    if explain:
        try:
            day = date.fromisoformat(explain)
        except ValueError:
            raise ConfigError(
                f"--explain: expected a date as YYYY-MM-DD, got {explain!r}") from None
    result = make_plan(config, state, now)
    if day is not None:
        echo(explain_day(result.plan, day))
    elif as_json:
        echo(plan_json(result.plan))
    else:
        echo(plan_table(result.plan, days or config.horizon_days))
    if html is not None and result.inputs is not None:
        write_page(config, state, result.inputs, result.plan, result.warnings, Path(html))
        echo(f"Wrote the page to {html}", err=True)
    for line in result.warnings:
        echo(f"syncd: WARNING: {line}", err=True)
    for name, err in result.errors.items():
        echo(f"syncd: {name}: {err} (planned with the last data it gave)", err=True)
    return ExitCode.OK


def write_page(config: Config, state: State, inputs: Any, p: Any, warnings: list[str],
               path: Path) -> None:
    """`plan --html FILE`: the daemon's page as one self-contained file. Its folder must
    exist; an existing file keeps its mode, a new one follows the umask."""
    import os

    from syncd.atomic import atomic_write
    from syncd.sinks.page import page_bytes

    path = path.expanduser()
    if not path.parent.is_dir():
        raise ConfigError(f"--html: the folder {path.parent} does not exist; create it or "
                          "name a file in an existing folder")
    if path.is_dir():
        raise ConfigError(f"--html: {path} is a folder; name a file, e.g. {path}/plan.html")
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        atomic_write(path, page_bytes(config, state, inputs, p, warnings, None), mode)
    except OSError as exc:
        raise ConfigError(f"--html: cannot write {path}: {exc.strerror}") from None


def check_config(config: Config) -> str:
    """The effective config, every key with its value, secrets masked."""
    from syncd.config.sample import render_values

    lines = [f"# config OK: {config.origin}",
             f"# time zone in use: {config.athlete.timezone}"]
    if config.caldav is not None and config.caldav.password is not None:
        lines.append(f"# calendar password: resolved from {config.caldav.password.origin}")
    return "\n".join(lines) + "\n" + render_values(config.values)


def show_status(obj: Context, echo: Echo) -> ExitCode:
    from syncd.status import status_text

    text, code = status_text(obj)
    echo(text)
    return code


def garmin_login(obj: Context, email: str | None, echo: Echo) -> ExitCode:
    import click

    from syncd.sources.garmin_client import interactive_login, token_path
    from syncd.state import ensure_private_dir, resolve_state_dir

    # Not obj.state_path(): a login made before the config exists is for the real one.
    directory = resolve_state_dir(obj.state_dir)
    ensure_private_dir(directory)
    api_url = obj.config.values["sources"]["garmin"]["api_url"]
    address = email or click.prompt("Garmin Connect email")
    password = click.prompt("Password (not stored)", hide_input=True)
    name = interactive_login(api_url, token_path(directory), address, password,
                             lambda: str(click.prompt("Code from Garmin (MFA)")),
                             now=obj.now())
    echo(f"Logged in as {name}. Tokens saved to {token_path(directory)} (0600); "
         "the password was not stored.")
    if obj.config.garmin is None:
        echo("Now set `[sources.garmin] enabled = true` in your config.")
    return ExitCode.OK
