"""Secrets in the config: plain text, a command's first line, an environment variable or a
systemd credential, each wrapped in ``Secret`` so that printing a config never shows it.

Every problem is one ``ConfigError`` naming the file and the key, like the rest of the loader.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncd.errors import ConfigError


@dataclass(frozen=True)
class Secret:
    """A resolved secret; its repr never shows the value."""

    value: str
    origin: str

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
    return Secret(_run_secret_command(value, origin, path, env), "command")


def _run_secret_command(command: str, origin: str, path: str, env: dict[str, str]) -> str:
    try:
        proc = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True,
                              timeout=30, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ConfigError(f"expected the command {command!r} to finish, it ran for 30 s",
                          source=origin, key=path) from None
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or [""])[-1][:200]
        detail = f": {err}" if err else ""
        raise ConfigError(f"the command {command!r} failed with exit code {proc.returncode}"
                          f"{detail}; check it runs in a shell", source=origin, key=path)
    first = (proc.stdout.splitlines() or [""])[0]
    if not first:
        raise ConfigError(f"expected the command {command!r} to print the secret, "
                          "it printed nothing", source=origin, key=path)
    return first
