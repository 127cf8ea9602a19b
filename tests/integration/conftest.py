from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


class Cli:
    """Runs the real `syncd` in a clean environment: its own HOME, no config anywhere."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.cwd = home / "work"
        self.cwd.mkdir()
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SYNCD_", "XDG_", "JOURNAL_STREAM", "CREDENTIALS_",
                                         "STATE_DIRECTORY", "CONFIGURATION_DIRECTORY"))}
        self.env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                        XDG_STATE_HOME=str(home / ".state"), TZ="Europe/Berlin")

    def __call__(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "syncd", *args], cwd=self.cwd,
                              env={**self.env, **(env or {})}, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


from tests.integration.fake_garmin import fake_garmin  # noqa: E402,F401  (fixture)
from tests.integration.fake_strava import fake_strava  # noqa: E402,F401  (fixture)
from tests.integration.servers import (  # noqa: E402,F401  (fixtures)
    caldav_server,
    cyrus_server,
    pip_caldav_server,
    radicale_server,
    sabre_server,
)
