"""Controllers behind the CLI commands: they do the work and return an exit code.

Kept apart from ``cli.py`` so tests and the daemon call the same code without click.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from syncd.config.loader import EMBEDDED, Config
from syncd.errors import ConfigError, ExitCode
from syncd.state import State

if TYPE_CHECKING:
    from syncd.context import Context

Echo = Callable[..., Any]


def run_once(config: Config, state: State, now: datetime, *, dry_run: bool, echo: Echo,
             quiet: bool = False) -> ExitCode:
    from syncd.cycle import run_cycle
    from syncd.render import plan_table

    if config.origin == EMBEDDED and not quiet:
        target = config.ics.path if config.ics else "nowhere"
        echo(f"No config file found: using the built-in demo runner and writing {target}.\n"
             "Create ~/.config/syncd/config.toml (see `syncd config sample`) for your own.\n")
    result = run_cycle(config, state, now, dry_run=dry_run)
    if not quiet:
        head = "Would change (dry run):" if dry_run else "Changes:"
        if result.unwritten and not dry_run:
            # The plan changed, but not every calendar: never list moves as done.
            head = (f"Planned, not yet written to {', '.join(result.unwritten)} (see the "
                    "error below; syncd writes them on the next run):")
        echo(head if result.changes else "No session changed.")
        for line in result.changes:
            echo(f"  {line}")
        for report in result.reports:
            acts = report.actions
            if not acts and not report.changes:
                continue
            target = ""
            if report.name == "ics" and config.ics is not None:
                target = f" → {config.ics.path}"
            verb = "would" if dry_run else "did"
            echo(f"{report.name}{target}: {verb} {len(acts)} "
                 f"write{'s' if len(acts) != 1 else ''}")
            for a in acts:
                echo(f"  {a.describe(config.athlete.timezone)}")
            for w in report.warnings:
                echo(f"  warning: {w}")
        echo("")
        echo(plan_table(result.plan, config.horizon_days))
    for name, err in result.errors.items():
        echo(f"syncd: {name}: {err}", err=True)
    if result.errors:
        return ExitCode.TRANSIENT if result.transient else ExitCode.FAILURE
    return ExitCode.OK


def show_plan(config: Config, state: State, now: datetime, *, as_json: bool,
              explain: str | None, days: int | None, echo: Echo) -> ExitCode:
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
    for name, err in result.errors.items():
        echo(f"syncd: {name}: {err} (planned with the last data it gave)", err=True)
    return ExitCode.OK


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

    directory = resolve_state_dir(obj.state_dir)
    ensure_private_dir(directory)
    api_url = obj.config.garmin.api_url if obj.config.garmin else None
    address = email or click.prompt("Garmin Connect email")
    password = click.prompt("Password (not stored)", hide_input=True)
    name = interactive_login(api_url, token_path(directory), address, password,
                             lambda: str(click.prompt("Code from Garmin (MFA)")))
    echo(f"Logged in as {name}. Tokens saved to {token_path(directory)} (0600); "
         "the password was not stored.")
    if obj.config.garmin is None:
        echo("Now set `[sources.garmin] enabled = true` in your config.")
    return ExitCode.OK
