"""Find, parse and validate the config file; turn it into typed settings.

Every problem becomes one ``ConfigError`` line naming the file and the key, so the CLI can
print it and exit 2. Secrets are resolved here (commands, environment, systemd credentials)
and wrapped in ``Secret`` so that printing a config never shows them.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from syncd.config.schema import describe_invalid, validate
from syncd.config.secrets import Secret, resolve_secret
from syncd.config.size import READ_MAX, check_size
from syncd.config.types import Invalid, split_host_port
from syncd.errors import ConfigError
from syncd.model import (
    WEEKDAYS,
    Athlete,
    Phase,
    Race,
    RacePriority,
    RuleSettings,
    RunKind,
    TimeWindow,
)

EMBEDDED = "<embedded default>"

# The configuration used when no file exists anywhere: the demo runner, written to an .ics
# file in the current folder. It goes through the same validation as a user's file.
EMBEDDED_DEFAULT = """
[athlete]
rest_days = ["mon"]
core_per_week = 2
[sources]
demo = true
[ics]
path = "syncd-demo.ics"
name = "Strength (syncd demo)"
"""


@dataclass(frozen=True)
class TemplateRun:
    day: int
    kind: RunKind
    time: time | None
    duration_min: int
    title: str


@dataclass(frozen=True)
class IcsSettings:
    path: Path
    name: str
    alarm_minutes: int | None


@dataclass(frozen=True)
class FeedSettings:
    host: str
    port: int
    public_url: str | None
    name: str
    busy_name: str
    refresh_minutes: int
    alarm_minutes: int | None


@dataclass(frozen=True)
class CalDavSettings:
    url: str
    username: str | None
    password: Secret | None
    name: str
    calendar_url: str | None
    busy_calendars: tuple[str, ...]
    alarm_minutes: int | None


@dataclass(frozen=True)
class RunningCalendar:
    ics_url: str | None
    ics_path: Path | None
    caldav_calendar: str | None
    keywords: dict[RunKind, tuple[str, ...]]
    skip_keywords: tuple[str, ...] | None


@dataclass(frozen=True)
class GarminConfig:
    api_url: str | None
    history_days: int
    readiness: bool


@dataclass(frozen=True)
class MqttSettings:
    host: str
    port: int
    tls: bool
    ca_file: Path | None
    username: str | None
    password: Secret | None
    discovery_prefix: str
    base_topic: str


@dataclass(frozen=True)
class GarminWorkoutsConfig:
    api_url: str | None
    days: int


@dataclass(frozen=True)
class Config:
    origin: str
    athlete: Athlete
    rules: RuleSettings
    horizon_days: int
    races: tuple[Race, ...]
    week_plan: tuple[TemplateRun, ...]
    demo: bool
    ics: IcsSettings | None
    caldav: CalDavSettings | None
    interval_minutes: float
    values: dict[str, Any]
    running_calendar: RunningCalendar | None = None
    garmin: GarminConfig | None = None
    fit_folders: tuple[Path, ...] = ()
    feed: FeedSettings | None = None
    mqtt: MqttSettings | None = None
    garmin_workouts: GarminWorkoutsConfig | None = None


def find_config(explicit: str | None, env: dict[str, str] | None = None) -> Path | None:
    """The config file to read, by the documented lookup order; None means embedded default.

    An explicitly named file (``--config`` or ``$SYNCD_CONFIG``) must exist.
    """
    env = dict(os.environ) if env is None else env
    named = explicit or env.get("SYNCD_CONFIG")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(
                "config file not found; create it (see config/syncd.example.toml) or fix the path",
                source=str(path))
        return path
    candidates = []
    if env.get("CONFIGURATION_DIRECTORY"):
        candidates.append(Path(env["CONFIGURATION_DIRECTORY"].split(":")[0]) / "config.toml")
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    candidates += [Path(xdg) / "syncd" / "config.toml", Path("/etc/syncd/config.toml")]
    return next((c for c in candidates if c.is_file()), None)


def load_config(explicit: str | None = None, env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ) if env is None else env
    path = find_config(explicit, env)
    if path is None:
        return parse_config(EMBEDDED_DEFAULT, EMBEDDED, base_dir=Path.cwd(), env=env)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            text = fh.read(READ_MAX).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc.__class__.__name__}: {exc}",
                          source=str(path)) from None
    check_size(text, str(path), size)
    return parse_config(text, str(path), base_dir=path.parent, env=env)


_TOML_POS = re.compile(
    r"^(?P<msg>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$")


def parse_config(text: str, origin: str, *, base_dir: Path,
                 env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ) if env is None else env
    check_size(text, origin)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.match(msg)
        if m is None:
            where, detail = "", msg
        elif m["line"]:
            where, detail = f" at line {m['line']}, column {m['col']}", m["msg"]
        else:
            where, detail = " at the end of the file", m["msg"]
        raise ConfigError(f"invalid TOML{where}: {detail[:1].lower()}{detail[1:]}",
                          source=origin) from None
    try:
        values = validate(doc)
    except Invalid as exc:
        raise ConfigError(describe_invalid(exc), source=origin, key=exc.path) from None
    return _build(values, origin, base_dir, env)


def _build(v: dict[str, Any], origin: str, base_dir: Path, env: dict[str, str]) -> Config:
    a, r = v["athlete"], v["rules"]
    if a["max_sessions_per_week"] < a["sessions_per_week"]:
        raise ConfigError(
            f"expected at least sessions_per_week ({a['sessions_per_week']}), "
            f"got {a['max_sessions_per_week']}", source=origin,
            key="athlete.max_sessions_per_week")
    avail = v["athlete"]["availability"]
    athlete = Athlete(
        timezone=a["timezone"] or detect_local_timezone(env),
        sessions_per_week=a["sessions_per_week"],
        max_sessions_per_week=a["max_sessions_per_week"],
        core_per_week=a["core_per_week"],
        rest_days=frozenset(a["rest_days"]),
        availability=tuple(join_windows(avail[d]) for d in WEEKDAYS),
        preferred_time=a["preferred_time"],
        session_minutes=a["session_minutes"],
        birth_year=a["birth_year"],
        supervised=a["supervised"],
        running_since=a["running_since"],
        one_rep_max=tuple(sorted(a["one_rep_max"].items())),
        equipment=tuple(dict.fromkeys(a["equipment"])),
    )
    rules = RuleSettings(
        heavy_to_quality_hours=r["heavy_to_quality_hours"],
        run_to_lift_gap_hours=r["run_to_lift_gap_hours"],
        taper_days=r["taper_days"],
        min_running_weeks=r["min_running_weeks"],
        readiness_low_score=r["readiness_low_score"],
        phase=None if r["phase"] == "auto" else Phase(r["phase"]),
    )
    races = tuple(sorted(
        (Race(x["date"], x["name"], RacePriority(x["priority"])) for x in v["races"]),
        key=lambda race: race.day))
    week = tuple(TemplateRun(x["day"], RunKind(x["kind"]), x["time"], x["duration_min"],
                             x["title"]) for x in v["plan"]["week"])
    ics = None
    if v["ics"]["path"]:
        ics = IcsSettings(_resolve_path(v["ics"]["path"], base_dir), v["ics"]["name"],
                          v["ics"]["alarm_minutes"])
    caldav = None
    c = v["calendar"]
    if c["url"] or c["calendar_url"]:
        caldav = CalDavSettings(
            url=c["url"] or c["calendar_url"], username=c["username"],
            password=resolve_secret(c, "password", "calendar", origin, env),
            name=c["name"], calendar_url=c["calendar_url"],
            busy_calendars=tuple(c["busy_calendars"]), alarm_minutes=c["alarm_minutes"])
    elif any(c[k] for k in ("username", "password", "password_command", "busy_calendars")):
        raise ConfigError("expected a CalDAV URL: the [calendar] section is set but has no url",
                          source=origin, key="calendar.url")
    rc = v["sources"]["calendar"]
    running = None
    if rc["ics_url"] or rc["ics_path"] or rc["caldav_calendar"]:
        if rc["caldav_calendar"] and caldav is None:
            raise ConfigError("expected a [calendar] server to read this calendar from",
                              source=origin, key="sources.calendar.caldav_calendar")
        running = RunningCalendar(
            ics_url=rc["ics_url"],
            ics_path=_resolve_path(rc["ics_path"], base_dir) if rc["ics_path"] else None,
            caldav_calendar=rc["caldav_calendar"],
            keywords={RunKind(k): tuple(w.lower() for w in rc[f"{k}_keywords"])
                      for k in ("quality", "long", "race", "easy")},
            skip_keywords=tuple(w.lower() for w in rc["skip_keywords"])
            if rc["skip_keywords"] is not None else None)
    return Config(origin=origin, athlete=athlete, rules=rules, horizon_days=r["horizon_days"],
                  races=races, week_plan=week, demo=v["sources"]["demo"], ics=ics,
                  caldav=caldav, interval_minutes=v["daemon"]["interval_minutes"], values=v,
                  running_calendar=running, garmin=_garmin(v["sources"]["garmin"]),
                  fit_folders=tuple(_resolve_path(f, base_dir)
                                    for f in v["sources"]["fit"]["folders"]),
                  feed=_feed(v["feed"]),
                  mqtt=_mqtt(v["mqtt"], origin, base_dir, env),
                  garmin_workouts=GarminWorkoutsConfig(v["sources"]["garmin"]["api_url"],
                                                       v["garmin_workouts"]["days"])
                  if v["garmin_workouts"]["enabled"] else None)


def join_windows(windows: list[tuple[time, time]]) -> tuple[TimeWindow, ...]:
    """A day's windows in order, those that touch or overlap joined into one:
    "17:00-17:30" and "17:30-17:50" are the 50 minutes the user means, not two short ones."""
    joined: list[tuple[time, time]] = []
    for start, end in sorted(windows):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return tuple(TimeWindow(s, e) for s, e in joined)


def _feed(f: dict[str, Any]) -> FeedSettings | None:
    if not f["listen"]:
        return None
    host, port = split_host_port(f["listen"])
    return FeedSettings(host, port, f["public_url"], f["name"], f["busy_name"],
                        f["refresh_minutes"], f["alarm_minutes"])


def _garmin(g: dict[str, Any]) -> GarminConfig | None:
    if not g["enabled"]:
        return None
    return GarminConfig(g["api_url"], g["history_days"], g["readiness"])


def _mqtt(m: dict[str, Any], origin: str, base_dir: Path, env: dict[str, str]
          ) -> MqttSettings | None:
    if not m["host"]:
        if any(m[k] for k in ("port", "username", "password", "password_command",
                              "password_env", "password_credential", "ca_file")):
            raise ConfigError("expected the broker's host: the [mqtt] section is set but has "
                              "no host", source=origin, key="mqtt.host")
        return None
    for key in ("discovery_prefix", "base_topic"):
        topic = m[key]
        if any(c in topic for c in "+#\0") or topic.startswith("/") or topic.endswith("/"):
            raise ConfigError(f"expected an MQTT topic without '+', '#' or a leading or "
                              f"trailing '/', got {topic!r}", source=origin, key=f"mqtt.{key}")
    return MqttSettings(
        host=m["host"], port=m["port"] or (8883 if m["tls"] else 1883), tls=m["tls"],
        ca_file=_resolve_path(m["ca_file"], base_dir) if m["ca_file"] else None,
        username=m["username"], password=resolve_secret(m, "password", "mqtt", origin, env),
        discovery_prefix=m["discovery_prefix"], base_topic=m["base_topic"])


def _resolve_path(raw: str, base_dir: Path) -> Path:
    path = Path(os.path.expandvars(raw)).expanduser()
    return path if path.is_absolute() else base_dir / path


def detect_local_timezone(env: dict[str, str]) -> str:
    """The machine's IANA zone (TZ, /etc/timezone, /etc/localtime link), else UTC."""
    from zoneinfo import ZoneInfo

    candidates = [env.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name and not name.startswith("/"):
            try:
                ZoneInfo(name)
                return name
            except (ValueError, KeyError, OSError):
                continue
    return "UTC"
