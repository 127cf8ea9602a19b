"""Exit codes and the few exception types that cross module boundaries.

The CLI maps each exception to exactly one exit code and one line of text; nothing else
should need to know how errors are shown.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    TRANSIENT = 3
    BUSY = 4  # another syncd writes to this state dir (or runs as its daemon)
    STATE = 5  # syncd's own state cannot be used: damaged, unreadable, or its disk is full


class SyncdError(Exception):
    """Base class: an error with a message meant for the user, never a traceback."""

    exit_code = ExitCode.FAILURE


class ConfigError(SyncdError):
    """The configuration is wrong; the message names the file and the key."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, source: str = "", key: str = "") -> None:
        self.source = source
        self.key = key
        where = f"{source}: " if source else ""
        at = f"at '{key}': " if key else ""
        super().__init__(f"{where}{at}{message}")


class TransientError(SyncdError):
    """A network fault or a server that did not answer: worth retrying later.

    ``retry_after``: seconds the server asked us to wait (429/503 Retry-After), if it did."""

    exit_code = ExitCode.TRANSIENT
    retry_after: float | None = None


class AuthError(SyncdError):
    """A service refused our credentials; retrying will not help until the user acts."""

    exit_code = ExitCode.FAILURE


class StateBusyError(SyncdError):
    """Another syncd holds the state dir's writer (or daemon) lock; the message names it."""

    exit_code = ExitCode.BUSY


class StateUnusableError(SyncdError):
    """The state file is damaged, unreadable or on a full disk; the message names the file
    and the fix. Nothing the user can retry away without acting."""

    exit_code = ExitCode.STATE
