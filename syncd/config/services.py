"""The config of the online services syncd reads from or writes to (Garmin Connect,
intervals.icu, Strava): their settings and how each is built from the validated tables,
apart from the loader so each file stays small. ``syncd.config.loader`` re-exports them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncd.config.secrets import Secret, resolve_secret
from syncd.errors import ConfigError


@dataclass(frozen=True)
class GarminConfig:
    api_url: str | None
    history_days: int
    readiness: bool


@dataclass(frozen=True)
class StravaConfig:
    client_id: str
    client_secret: Secret
    base_url: str | None
    history_days: int
    redirect_port: int


@dataclass(frozen=True)
class GarminWorkoutsConfig:
    api_url: str | None
    days: int


@dataclass(frozen=True)
class IntervalsIcuConfig:
    athlete_id: str
    api_key: Secret | None
    api_url: str | None
    history_days: int
    readiness: bool
    planned_runs: bool
    days: int  # how far ahead the sink writes


def garmin_config(g: dict[str, Any]) -> GarminConfig | None:
    if not g["enabled"]:
        return None
    return GarminConfig(g["api_url"], g["history_days"], g["readiness"])


def intervals_configs(v: dict[str, Any], origin: str, env: dict[str, str]
               ) -> dict[str, IntervalsIcuConfig | None]:
    """The source and the sink share one account; either one asks for it."""
    s, sink = v["sources"]["intervals_icu"], v["intervals_icu"]
    if not (s["enabled"] or sink["enabled"]):
        return {}
    where = "sources.intervals_icu"
    ident = s["athlete_id"]
    if not ident:
        raise ConfigError("expected your intervals.icu athlete id (\"i12345\")",
                          source=origin, key=f"{where}.athlete_id")
    if not ident.isascii() or not ident.isalnum():
        raise ConfigError(f"expected an athlete id of letters and digits, got {ident!r}",
                          source=origin, key=f"{where}.athlete_id")
    key = resolve_secret(s, "api_key", where, origin, env)
    if key is None:
        raise ConfigError("expected the API key (or api_key_command, api_key_env, "
                          "api_key_credential)", source=origin, key=f"{where}.api_key")
    cfg = IntervalsIcuConfig(ident, key, s["api_url"], s["history_days"], s["readiness"],
                             s["planned_runs"], sink["days"])
    return {"intervals_icu": cfg if s["enabled"] else None,
            "intervals_icu_sink": cfg if sink["enabled"] else None}


def strava_config(s: dict[str, Any], origin: str, env: dict[str, str]) -> StravaConfig | None:
    if not s["enabled"]:
        return None
    if not s["client_id"]:
        raise ConfigError("expected your Strava API application's Client ID "
                          "(https://www.strava.com/settings/api)", source=origin,
                          key="sources.strava.client_id")
    secret = resolve_secret(s, "client_secret", "sources.strava", origin, env)
    if secret is None:
        raise ConfigError("expected your Strava API application's Client Secret (or "
                          "client_secret_command, _env, _credential)", source=origin,
                          key="sources.strava.client_secret")
    return StravaConfig(s["client_id"], secret, s["api_url"], s["history_days"],
                        s["redirect_port"])
