"""Secrets in the config: plain text, a command's first line, an environment variable or a
systemd credential, each wrapped in ``Secret`` so that printing a config never shows it.

Every problem is one ``ConfigError`` naming the file and the key, like the rest of the loader.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from syncd.errors import ConfigError

COMMAND_TIMEOUT = 30.0  # seconds a password_command may take
OUTPUT_MAX = 65536  # bytes of its output read; a secret's first line is far shorter


class Secret:
    """A secret; its repr never shows the value.

    A ``password_command`` is run only when the value is first asked for (by the cycle
    that connects), never at load: `plan` and `status` need no password, and a SIGHUP
    reload with a command that hangs must not hold up the daemon."""

    def __init__(self, value: str | None, origin: str, *,
                 fetch: Callable[[], str] | None = None) -> None:
        self._value = value
        self._fetch = fetch
        self.origin = origin

    @property
    def value(self) -> str:
        if self._value is None:
            assert self._fetch is not None
            self._value = self._fetch()
        return self._value

    @property
    def resolved(self) -> bool:
        return self._value is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.origin == other.origin and (
            (self._fetch is None and other._fetch is None and self._value == other._value)
            or (self._fetch is not None and other._fetch is not None))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Secret(<{self.origin}>)"

    __str__ = __repr__


def resolve_secret(section: dict[str, Any], key: str, where: str, origin: str,
                   env: dict[str, str]) -> Secret | None:
    """Resolve ``key`` from plain text, ``key_command``, ``key_env`` or ``key_credential``."""
    given = [k for k in (key, f"{key}_command", f"{key}_env", f"{key}_credential")
             if section.get(k)]
    if len(given) > 1:
        raise ConfigError(f"expected one way to give the secret, got {', '.join(given)}",
                          source=origin, key=f"{where}.{given[1]}")
    if not given:
        return None
    name = given[0]
    path = f"{where}.{name}"
    value = section[name]
    if name == key:
        return Secret(value, "plain text")
    if name.endswith("_env"):
        if value not in env:
            raise ConfigError(f"expected environment variable {value} to be set, it is not",
                              source=origin, key=path)
        return Secret(env[value], f"env {value}")
    if name.endswith("_credential"):
        cred_dir = env.get("CREDENTIALS_DIRECTORY")
        if not cred_dir:
            raise ConfigError("expected $CREDENTIALS_DIRECTORY (set by systemd LoadCredential=), "
                              "it is not set", source=origin, key=path)
        try:
            text = (Path(cred_dir) / value).read_text(encoding="utf-8")
        except OSError:
            raise ConfigError(f"expected a credential named {value!r} in $CREDENTIALS_DIRECTORY, "
                              "none found", source=origin, key=path) from None
        return Secret(text.rstrip("\r\n"), f"credential {value}")
    env = dict(env)
    return Secret(None, "command",
                  fetch=lambda: run_secret_command(value, origin, path, env))


def run_secret_command(command: str, origin: str, path: str, env: dict[str, str],
                       timeout: float = COMMAND_TIMEOUT) -> str:
    """The first line the command prints. Its stderr is never read (a script that echoes
    the secret there must not put it into an error line or the journal), and on a timeout
    its whole process group is killed, so no shell or child is left running under PID 1."""
    shown = command if len(command) <= 80 else command[:77] + "..."
    proc = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    assert proc.stdout is not None
    try:
        out = _read_bounded(proc.stdout, time.monotonic() + timeout)
        if len(out) >= OUTPUT_MAX:  # it says more than any secret: its first line is enough
            _kill_group(proc)
            code = 0
        else:
            code = proc.wait(max(0.1, timeout))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ConfigError(f"expected the command {shown!r} to finish, it ran for "
                          f"{timeout:g} s and was stopped", source=origin, key=path) from None
    finally:
        proc.stdout.close()
    if code != 0:
        raise ConfigError(f"the command {shown!r} failed with exit code {code}; run it in a "
                          "shell to see why (its error output is not shown: it may hold "
                          "the secret)", source=origin, key=path)
    first = (out.decode("utf-8", errors="replace").splitlines() or [""])[0]
    if not first:
        raise ConfigError(f"expected the command {shown!r} to print the secret, "
                          "it printed nothing", source=origin, key=path)
    return first


def _read_bounded(stream: IO[bytes], deadline: float) -> bytes:
    """Up to ``OUTPUT_MAX`` bytes until EOF; TimeoutExpired past ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        while size < OUTPUT_MAX:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise subprocess.TimeoutExpired("password_command", 0)
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
