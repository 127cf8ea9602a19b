"""The command line: a thin layer over the controllers in ``syncd.cycle`` and friends.

Heavy libraries (caldav, icalendar, garminconnect) are imported inside the commands that
need them, so ``syncd --help`` starts fast. Every ``SyncdError`` becomes one line on stderr
and its exit code; a traceback is shown only with ``-vv``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from syncd.context import Context
from syncd.errors import ConfigError, ExitCode, SyncdError
from syncd.logs import setup_logging

log = logging.getLogger("syncd")
# `run --once` waits this long for another writer of its state (the daemon's cycle, a timer's
# run): a quiet cycle takes a second or two, a first sync of a slow server may take minutes.
# Long enough that a timer's run and a manual one both get done, short enough to say why.
DEFAULT_WAIT_S = 60.0


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        obj = ctx.find_object(Context)
        verbosity = obj.verbosity if obj is not None else 0
        try:
            return fn(*args, **kwargs)
        except SyncdError as exc:
            click.echo(f"syncd: {exc}", err=True)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            ctx.exit(130)
        except BrokenPipeError:
            # `syncd plan | head`: the reader left; say nothing more to it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except (click.Abort, EOFError):
            # A prompt that met the end of its input (a pipe, a unit without a terminal).
            click.echo("syncd: no answer at the prompt (input closed); run this command in a "
                       "terminal", err=True)
            ctx.exit(int(ExitCode.USAGE))
        except Exception as exc:
            if verbosity >= 2:
                raise
            own = _own_state_fault(obj, exc)
            if own is not None:
                click.echo(f"syncd: {own}", err=True)
                ctx.exit(int(own.exit_code))
            click.echo(f"syncd: internal error: {exc.__class__.__name__}: {exc} "
                       "(run with -vv for details and report it)", err=True)
            ctx.exit(int(ExitCode.FAILURE))

    return wrapper


def _own_state_fault(obj: Context | None, exc: Exception) -> SyncdError | None:
    """A fault of syncd's own state file met mid-command (a page SQLite finds damaged, a
    disk that filled up): the one line ``state_health`` words for it, not "internal error"."""
    import errno
    import sqlite3

    if not isinstance(exc, sqlite3.DatabaseError) and not (
            isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return None
    from pathlib import Path

    from syncd.state import DB_NAME
    from syncd.state_health import unusable

    if isinstance(exc, OSError) and exc.filename:  # a file other than the state: name it
        where = Path(str(exc.filename))
        return unusable(where, exc) if where.name == DB_NAME else SyncdError(
            f"{where}: no space left on the disk holding it: free space there and run again")
    try:
        directory = obj.state_path() if obj is not None else None
    except SyncdError:
        directory = None
    if directory is None:
        return None
    return unusable(directory / DB_NAME, exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", metavar="FILE",
              help="Config file (default: $SYNCD_CONFIG, $XDG_CONFIG_HOME/syncd/config.toml, "
                   "/etc/syncd/config.toml; none: the built-in demo).")
@click.option("--state-dir", metavar="DIR",
              help="Where syncd keeps its state (default: $SYNCD_STATE_DIR, $STATE_DIRECTORY, "
                   "~/.local/state/syncd).")
@click.option("--now", metavar="ISO-8601", help="Act as if it were this moment (replay).")
@click.option("-v", "--verbose", count=True, help="More logging (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--dry-run", is_flag=True,
              help="Show what any command would write; write nothing (state included).")
@click.version_option(package_name="syncd")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, state_dir: str | None, now: str | None,
         verbose: int, quiet: bool, dry_run: bool) -> None:
    """Plan strength sessions around your runs and write them into your calendar."""
    verbosity = -1 if quiet else verbose
    setup_logging(verbosity)
    ctx.obj = Context(config_path, state_dir, now, verbosity, dry_run=dry_run)


@main.command()
@click.option("--once", is_flag=True, help="Run one cycle and exit (default: keep running).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True,
              help="With --once: call every source and calendar now, even one backing off.")
@click.option("--wait", "wait", default=DEFAULT_WAIT_S, show_default=True, metavar="SECONDS",
              type=click.FloatRange(0, 3600),
              help="With --once: how long to wait while another syncd writes the same state "
                   "(then exit 4); 0: exit at once.")
@click.pass_obj
@handle_errors
def run(obj: Context, once: bool, dry_run: bool, force: bool, wait: float) -> None:
    """Sync: read runs, re-plan, write the sessions to the calendars."""
    dry_run = dry_run or obj.dry_run
    if not once:
        if obj.now_text:
            raise ConfigError("--now replays one moment: use it with `syncd run --once` or "
                              "`syncd plan`; the daemon always runs at the real time")
        from syncd.daemon import run_daemon

        sys.exit(run_daemon(obj.config_path, obj.state_dir, obj.verbosity, dry_run=dry_run))
    from syncd.commands import run_once

    def waiting(holder: str) -> None:
        if obj.verbosity >= 0:
            click.echo(f"syncd: waiting up to {wait:g} s for another syncd writing the same "
                       f"state to finish: {holder}", err=True)

    # A dry run works on a copy of the state: it writes nothing, not even a new state file,
    # and so takes no lock: it runs beside a daemon.
    state = obj.state(scratch=dry_run, wait=wait, command="run --once", on_wait=waiting)
    try:
        code = run_once(obj.config, state, obj.now(), dry_run=dry_run,
                        echo=click.echo, quiet=obj.verbosity < 0, verbose=obj.verbosity > 0,
                        force=force)
    finally:
        state.close()
    sys.exit(int(code))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--explain", "explain", metavar="DATE",
              help="Show the full reasoning for one day (YYYY-MM-DD).")
@click.option("--days", default=None, type=click.IntRange(1, 84),
              help="Days to show (default: the configured horizon).")
@click.option("--html", "html", metavar="FILE", default=None,
              help="Also write the plan, the season and the status as one HTML page.")
@click.pass_obj
@handle_errors
def plan(obj: Context, as_json: bool, explain: str | None, days: int | None,
         html: str | None) -> None:
    """Show the plan for the coming days (writes nothing but --html's page)."""
    from syncd.commands import show_plan

    sys.exit(int(show_plan(obj.config, obj.state(scratch=True), obj.now(), as_json=as_json,
                           explain=explain, days=days, echo=click.echo, html=html)))


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
@click.pass_obj
@handle_errors
def config_check(obj: Context) -> None:
    """Validate the config and print the effective values (secrets masked)."""
    from syncd.commands import check_config

    click.echo(check_config(obj.config))


@config.command("sample")
def config_sample() -> None:
    """Print a sample config documenting every key."""
    from syncd.config.sample import render_sample

    click.echo(render_sample(), nl=False)


@main.command()
@click.option("--email", help="Your Garmin Connect email (asked if not given).")
@click.pass_obj
@handle_errors
def login(obj: Context, email: str | None) -> None:
    """Log in to Garmin Connect once; only the tokens are saved (0600), never the password."""
    from syncd.commands import garmin_login

    sys.exit(int(garmin_login(obj, email, echo=click.echo)))


@main.command()
@click.pass_obj
@handle_errors
def status(obj: Context) -> None:
    """Show the last cycle, each source and calendar, and the next sessions."""
    from syncd.commands import show_status

    sys.exit(int(show_status(obj, echo=click.echo)))


@main.group()
def feed() -> None:
    """The live ICS feed that calendar apps subscribe to."""


@feed.command("rotate-token")
@click.pass_obj
@handle_errors
def feed_rotate_token(obj: Context) -> None:
    """Make a new secret for the feed URL; the old URL stops working at once."""
    from syncd.feed.control import rotate_token
    from syncd.state import resolve_state_dir

    for line in rotate_token(obj.config, resolve_state_dir(obj.state_dir)):
        click.echo(line)


@main.command()
@click.option("--no-write", is_flag=True,
              help="Do not create and delete a probe event in the calendar (then write "
                   "permission is asked, ETags and time zones are not tested).")
@click.option("--garmin-workouts", is_flag=True,
              help="Also upload a small probe workout to Garmin, read it back, name every "
                   "field Garmin changed or dropped, and delete it.")
@click.pass_obj
@handle_errors
def doctor(obj: Context, no_write: bool, garmin_workouts: bool) -> None:
    """Check the config, state, calendars, clock, Garmin login and feed; one line each."""
    from syncd.doctor import run_doctor

    sys.exit(int(run_doctor(obj, click.echo, write_probe=not no_write,
                            garmin_workouts=garmin_workouts)))
