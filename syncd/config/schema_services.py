"""The config tables of the online services syncd reads from or writes to (Garmin Connect,
intervals.icu, Strava), apart from the core schema so each file stays small. Each is one
table, placed into ``SCHEMA`` by ``syncd.config.schema``."""

from __future__ import annotations

from syncd.config.schema_parts import Key, Table, secret_keys_of
from syncd.config.types import Bool, Int, Str, Url

GARMIN_SOURCE = Table(
    "garmin",
    "Garmin Connect: your runs, strength workouts and morning readiness. "
    "Log in once with `syncd login`; only the tokens are kept.", (
    Key("enabled", Bool(), "Read activities from Garmin Connect.", default=False),
    Key("history_days", Int(14, 730),
        "How far back the first sync reads (later syncs read only what is new).",
        default=112),
    Key("readiness", Bool(),
        "Read morning training readiness and HRV status (low turns heavy into light).",
        default=True),
    Key("api_url", Url(), "For testing and proxies only: another base URL for "
        "Garmin's API.", example="http://127.0.0.1:8080"),
))

INTERVALS_ICU_SOURCE = Table(
    "intervals_icu",
    "intervals.icu: your runs (from any watch it imports), "
    "morning wellness and the runs planned on its calendar. Needs the athlete id "
    "and an API key (intervals.icu → Settings → Developer Settings).", (
    Key("enabled", Bool(), "Read activities, wellness and planned runs.",
        default=False),
    Key("athlete_id", Str(nonempty=True, max_len=32), "Your athlete id, shown under "
        "Settings → Developer Settings (\"i12345\"); \"0\" means the key's owner.",
        example="i12345"),
    *secret_keys_of("api_key", "intervals.icu API key"),
    Key("history_days", Int(14, 730),
        "How far back the first sync reads (later syncs read only what is new).",
        default=112),
    Key("readiness", Bool(), "Read wellness (readiness score, HRV against your 28-day "
        "baseline): low turns heavy into light.", default=True),
    Key("planned_runs", Bool(), "Read the runs planned on your intervals.icu calendar "
        "(WORKOUT events of runs).", default=True),
    Key("api_url", Url(), "For testing and proxies only: another base URL for "
        "intervals.icu.", example="http://127.0.0.1:8080"),
))

STRAVA_SOURCE = Table(
    "strava",
    "Strava: your runs, from any watch that uploads there. Create your own "
    "API application at https://www.strava.com/settings/api (Authorization Callback "
    "Domain: 127.0.0.1), put its Client ID and Secret here, then run `syncd login "
    "strava` once.", (
    Key("enabled", Bool(), "Read activities from Strava.", default=False),
    Key("client_id", Str(nonempty=True), "Your Strava API application's Client ID.",
        example="123456"),
    *secret_keys_of("client_secret", "Strava API application's Client Secret"),
    Key("history_days", Int(14, 730),
        "How far back the first sync reads (later syncs read only what is new).",
        default=112),
    Key("redirect_port", Int(0, 65535),
        "The port on 127.0.0.1 that `syncd login strava` listens on for Strava's "
        "answer; 0: any free port.", default=0),
    Key("api_url", Url(), "For testing and proxies only: another base URL for Strava "
        "(its /oauth and /api/v3).", example="http://127.0.0.1:8080"),
))

INTERVALS_ICU_SINK = Table(
    "intervals_icu",
    "Put each planned session on your intervals.icu calendar as a "
    "WeightTraining workout; uses the account of [sources.intervals_icu]. syncd touches "
    "only the events it made; one you move or delete there is yours.", (
    Key("enabled", Bool(), "Write the sessions of the next days to intervals.icu.",
        default=False),
    Key("days", Int(1, 28), "How many days ahead are written.", default=14),
))
