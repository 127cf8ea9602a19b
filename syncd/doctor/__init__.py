"""`syncd doctor`: what is wrong, one line per check, before a self-hoster reads any log.

Each check says ``ok``, ``FAIL`` (with what to do) or ``skip`` (not configured); the exit
code is 0 only when nothing failed. Checks run in the order a problem blocks the next one:
the config, the state dir, each calendar and the server's clock, Garmin, the feed. Nothing
here prints a secret: passwords never, the feed's token masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from syncd.errors import ExitCode

if TYPE_CHECKING:
    from syncd.context import Context


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not configured, nothing to check
    detail: str

    def line(self) -> str:
        mark = "ok" if self.ok else ("skip" if self.ok is None else "FAIL")
        return f"{mark:<4}  {self.name}: {self.detail}"


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str) -> Check:
    return Check(name, False, detail)


def skipped(name: str, detail: str) -> Check:
    return Check(name, None, detail)


def all_checks(obj: Context, *, write_probe: bool, garmin_workouts: bool = False
               ) -> Iterator[Check]:
    from syncd.context import state_dir_for
    from syncd.doctor.local import (
        check_config,
        check_sinks,
        check_state_db,
        check_state_dir,
        check_state_space,
    )
    from syncd.state import resolve_state_dir

    directory = resolve_state_dir(obj.state_dir)
    config_check, config = check_config(obj)
    yield config_check
    yield from check_state_dir(directory)
    yield check_state_space(directory)
    # The state file itself is where commands keep it (the built-in demo's beneath).
    yield check_state_db(state_dir_for(config, obj.state_dir) if config else directory)
    if config is None:
        return
    yield check_sinks(config)
    if config.caldav is not None:
        from syncd.doctor.calendars import check_calendars

        yield from check_calendars(config, write_probe=write_probe)
    else:
        yield skipped("calendar", "no [calendar] url set")
    from syncd.doctor.feed import check_feed
    from syncd.doctor.garmin import check_garmin

    yield from check_garmin(config, directory)
    if garmin_workouts:
        from syncd.doctor.garmin_probe import check_garmin_workouts

        yield from check_garmin_workouts(config, directory)
    yield from check_feed(config, directory)


def run_doctor(obj: Context, echo: Callable[..., Any], *, write_probe: bool = True,
               garmin_workouts: bool = False) -> ExitCode:
    failures = 0
    for check in all_checks(obj, write_probe=write_probe, garmin_workouts=garmin_workouts):
        echo(check.line())
        failures += check.ok is False
    if failures:
        echo(f"{failures} check{'s' if failures != 1 else ''} failed")
        return ExitCode.FAILURE
    echo("all checks passed")
    return ExitCode.OK
