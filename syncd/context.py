"""What every command shares: the global options, the config loaded once, the moment to act at.

Kept apart from ``syncd.cli`` so the controllers (``commands``, ``status``) can take it
without importing the command line that imports them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from syncd.errors import ConfigError

NOW_YEARS = (1971, 9000)  # what --now accepts

if TYPE_CHECKING:
    from collections.abc import Callable

    from syncd.config.loader import Config
    from syncd.state import State


def state_dir_for(config: Config, explicit: str | None) -> Path:
    """The state folder; the built-in demo keeps its own beneath it, so a first real run
    does not take the demo's sessions for its own to move or remove."""
    from syncd.config.loader import EMBEDDED
    from syncd.state import resolve_state_dir

    base = resolve_state_dir(explicit)
    return base / "demo" if config.origin == EMBEDDED else base


class Context:
    def __init__(self, config_path: str | None, state_dir: str | None, now: str | None,
                 verbosity: int, dry_run: bool = False) -> None:
        self.config_path = config_path
        self.dry_run = dry_run
        self.state_dir = state_dir
        self.now_text = now
        self.verbosity = verbosity
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from syncd.config.loader import load_config

            self._config = load_config(self.config_path)
        return self._config

    def now(self) -> datetime:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(self.config.athlete.timezone)
        if not self.now_text:
            return datetime.now(tz)
        try:
            value = datetime.fromisoformat(self.now_text)
        except ValueError:
            raise ConfigError(f"--now: expected an ISO 8601 time such as 2026-11-24T07:30 or "
                              f"2026-11-24T07:30+01:00, got {self.now_text!r}") from None
        if not NOW_YEARS[0] <= value.year <= NOW_YEARS[1]:
            # Days of history and weeks ahead are added to it: year 1 or 9999 would overflow.
            raise ConfigError(f"--now: expected a moment between the years {NOW_YEARS[0]} and "
                              f"{NOW_YEARS[1]}, got {self.now_text!r}")
        return value if value.tzinfo else value.replace(tzinfo=tz)

    def state_path(self) -> Path:
        return state_dir_for(self.config, self.state_dir)

    def state(self, *, readonly: bool = False, scratch: bool = False, wait: float = 0.0,
              command: str | None = None, on_wait: Callable[[str], None] | None = None) -> State:
        """Opened for writing, the state takes the writer lock (waiting up to ``wait`` s)."""
        from syncd.state import State

        return State(self.state_path(), readonly=readonly, scratch=scratch, wait=wait,
                     command=command, on_wait=on_wait)
