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
WRITES = ("create", "update", "delete")  # the Op values that send something


def run_once(config: Config, state: State, now: datetime, *, dry_run: bool, echo: Echo,
             quiet: bool = False, verbose: bool = False, force: bool = False,
             config_path: str | None = None) -> ExitCode:
    """One cycle. It honours the backoff the last runs left (a 429's Retry-After, a refused
    login's pause) like the daemon does, so a timer cannot hammer a server; ``force``
    calls everything now."""
    from syncd.cycle import run_cycle
    from syncd.render import plan_table

    demo = config.origin == EMBEDDED and not quiet
    if demo:
        from syncd.first_steps import demo_intro

        echo(demo_intro(config_path, str(config.ics.path if config.ics else "nowhere")))
    before = {c.name: c for c in state.components()}
    with _said_below():
        result = run_cycle(config, state, now, dry_run=dry_run, honour_backoff=not force)
    if not quiet:
        for line in change_report(config, result, dry_run=dry_run, verbose=verbose):
            echo(line)
        echo("")
        echo(plan_table(result.plan, config.horizon_days))
    if not writes_somewhere(config):
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
    if demo:
        from syncd.first_steps import demo_next_step

        echo("")
        for line in demo_next_step(config_path):
            echo(line)
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
    elif any(a.op == "update" for r in result.reports for a in r.actions):
        # Same sessions at the same times, but what they say changed (a config edit such as
        # preferred_time, a new catalogue): not "did not change" and then eight updates.
        lines.append("No session moved; the text of the sessions changed (their explanation "
                     "or content, e.g. after a config edit), so the calendar gets it:")
    else:
        lines.append("The plan did not change.")
    verb = "would write" if dry_run else "wrote"
    tz = config.athlete.timezone
    for report in result.reports:
        # A session the user moved or deleted is read, not written (pin, decline): counted
        # as a write it made "caldav: wrote 1 event" when nothing was sent (issue 23).
        acts = [a for a in report.actions if a.op in WRITES]
        seen = [a for a in report.actions if a.op not in WRITES]
        if not report.actions and not report.changes and not report.warnings:
            continue
        target = f" → {config.ics.path}" if report.name == "ics" and config.ics else ""
        noun = "workout" if report.name == "garmin_workouts" else "event"
        if seen:
            lines.append(f"{report.name}{target}: read {len(seen)} change"
                         f"{'s' if len(seen) != 1 else ''} you made (nothing written for "
                         f"{'them' if len(seen) != 1 else 'it'})")
            lines += [f"  {a.describe(tz)}" for a in seen]
        if acts:
            lines.append(f"{report.name}{target}: {verb} {len(acts)} "
                         f"{noun}{'s' if len(acts) != 1 else ''}")
            if verbose or not result.changes:
                lines += [f"  {a.describe(tz)}" for a in acts]
            lines += [f"  {line}" for line in report.details]  # a dry run's workouts
        elif report.warnings and not seen:
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
    if explain == "today":
        day = now.astimezone(config.athlete.tz).date()
    elif explain:
        try:
            day = date.fromisoformat(explain)
        except ValueError:
            raise ConfigError(
                f"--explain: expected a date as YYYY-MM-DD, got {explain!r}") from None
    result = make_plan(config, state, now)
    if day is not None and result.plan.report(day) is None:
        # A usage error, not an answer: a script must not take it for an explanation.
        raise ConfigError(f"--explain: {explain_day(result.plan, day)}")
    if day is not None:
        echo(explain_day(result.plan, day))
    elif as_json:
        echo(plan_json(result.plan))
    else:
        echo(plan_table(result.plan, days or config.horizon_days))
        if days and days > config.horizon_days:
            echo(f"Days {config.horizon_days + 1}–{days} are past the planning horizon "
                 f"(rules.horizon_days = {config.horizon_days}): no session is planned there "
                 "yet.")
    if html is not None and result.inputs is not None:
        write_page(config, state, result.inputs, result.plan, result.warnings, Path(html))
        echo(f"Wrote the page to {html}", err=True)
    for line in result.warnings:
        echo(f"syncd: WARNING: {line}", err=True)
    for name, err in result.errors.items():
        echo(f"syncd: {name}: {err} (planned with the last data it gave)", err=True)
    return ExitCode.OK


def writes_somewhere(config: Config) -> bool:
    return not (config.ics is None and config.caldav is None and config.feed is None
                and config.garmin_workouts is None and config.intervals_icu_sink is None)


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
    """The effective config, every key with its value, secrets masked; valid but writing
    nowhere (the unedited sample) is said, or "config OK" reads as "ready"."""
    from syncd.config.sample import render_values

    lines = [f"# config OK: {config.origin}",
             f"# time zone in use: {config.athlete.timezone}"]
    if not writes_somewhere(config):
        lines.append("# nothing will be written: no output is set; set [ics] path, "
                     "[calendar] url or [feed] listen")
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
