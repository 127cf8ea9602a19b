"""The one config schema: it validates a file, documents every key and generates the sample.

A ``Table`` lists its ``Key``s in the order the sample shows them. ``validate`` walks a parsed
TOML document against it, rejects unknown keys and wrong types with the dotted path of the
offending value, and fills in defaults, so the rest of syncd reads a complete plain dict.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from syncd.config.types import (
    Bool,
    Choice,
    Date,
    Float,
    HostPort,
    Int,
    Invalid,
    ListOf,
    MapOf,
    PreferredTime,
    Str,
    TimeOfDay,
    TimeRange,
    TimeZone,
    Title,
    Url,
    ValueType,
    Weekday,
    show,
)
from syncd.model import EQUIPMENT, GYM_EQUIPMENT, WEEKDAYS

REQUIRED = object()
MAX_WINDOWS = 48  # availability windows a day: one every half hour is already absurd
MAX_PLAN_ROWS = 100  # [[plan.week]] rows: a run a day is 7, doubles and triples 21


class UnknownKey(Invalid):
    """A key the schema does not know; ``expected`` holds the did-you-mean hint."""


@dataclass(frozen=True)
class Key:
    name: str
    type: ValueType
    doc: str
    default: Any = None
    example: Any = None
    secret: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    items: tuple[Key | Table, ...] = ()
    array: bool = False
    max_rows: int = 100
    example_rows: tuple[dict[str, Any], ...] = field(default=())

    def item(self, name: str) -> Key | Table | None:
        return next((i for i in self.items if i.name == name), None)


def _secret(prefix: str, what: str) -> tuple[Key, ...]:
    """The four ways to give a secret; none is required, plain text is allowed."""
    return (
        Key(f"{prefix}", Str(), f"{what} in plain text (allowed, but prefer one of the next keys).",
            secret=True),
        Key(f"{prefix}_command", Str(nonempty=True),
            f"A command whose first line of output is the {what}, e.g. \"pass show caldav\"."),
        Key(f"{prefix}_env", Str(nonempty=True),
            f"The name of an environment variable that holds the {what}."),
        Key(f"{prefix}_credential", Str(nonempty=True),
            f"The name of a systemd credential (LoadCredential=) that holds the {what}; "
            "read from $CREDENTIALS_DIRECTORY."),
    )


AVAILABILITY = Table(
    "availability",
    "When you can train, per weekday, as \"HH:MM-HH:MM\" windows in your time zone (R10). "
    "A day with an empty list has no time to train; windows that touch or overlap are one "
    f"window; at most {MAX_WINDOWS} a day.",
    tuple(Key(d, ListOf(TimeRange(), max_items=MAX_WINDOWS), f"Windows on {d}.",
              default=["06:00-21:00"],
              example=["06:30-08:00", "17:00-21:00"] if d in ("mon", "tue", "wed", "thu", "fri")
              else ["08:00-19:00"])
          for d in WEEKDAYS),
)

SCHEMA = Table("", "syncd configuration", (
    Table("athlete", "Who you are and how you like to train.", (
        Key("name", Title(nonempty=True),
            "Your name, shown on the Home Assistant device (\"syncd (Alex)\").",
            example="Alex"),
        Key("timezone", TimeZone(), "Your IANA time zone; sessions are placed in it.",
            default=None, example="Europe/Berlin"),
        Key("sessions_per_week", Int(0, 7),
            "Target lifting sessions (heavy, light, foundation) a week (G1); the phase may "
            "lower it.", default=2),
        Key("max_sessions_per_week", Int(0, 7),
            "Never more lifting sessions than this in an ISO week (R9).", default=3),
        Key("core_per_week", Int(0, 7), "Core sessions a week, on easy days (G5).", default=1),
        Key("rest_days", ListOf(Weekday()), "Days with no session at all (R5).",
            default=[], example=["mon"]),
        Key("preferred_time", PreferredTime(),
            "When you prefer to lift: morning, midday, evening or \"HH:MM\" (G6).",
            default="evening"),
        Key("session_minutes", Int(30, 120),
            "Length of a heavy session in minutes, warm-up included (at most a third); the "
            "session's content is fitted to it.", default=45),
        Key("birth_year", Int(1900, 2100),
            "Used for R8: athletes under 18 get foundation and core only, no loaded lifting, "
            "unless supervised.", example=1990),
        Key("supervised", Bool(), "A coach supervises your lifting (lifts R8).", default=False),
        Key("running_since", Date(),
            "When you started running regularly; R7 counts the longer of this and the longest "
            "stretch of consistent running your sources know.",
            example="2024-03-01"),
        Key("one_rep_max", MapOf(Float(1, 1000)),
            "Optional one-rep maxes in kg, so sessions show loads (rounded to 2.5 kg).",
            default={}, example={"back_squat": 100, "deadlift": 120}),
        Key("equipment", ListOf(Choice(EQUIPMENT)),
            "What you lift with. Sessions pick exercises of the same pattern that this allows "
            "(a goblet squat for a back squat); without a barbell the dose is an effort (reps "
            "in reserve), not a load from a barbell one-rep max. [\"none\"]: bodyweight only.",
            default=list(GYM_EQUIPMENT), example=["dumbbells", "bands"]),
        AVAILABILITY,
    )),
    Table("rules", "Recovery rule settings (see docs: recovery rules R1-R13).", (
        Key("heavy_to_quality_hours", Float(24, 72),
            "Hours from the end of a heavy session to the next quality, long or race run (R2).",
            default=36.0),
        Key("run_to_lift_gap_hours", Float(0, 12),
            "Hours from the end of a run to a heavy session the same day (R3).", default=3.0),
        Key("taper_days", Int(10, 14), "Days before an A race without heavy lifting (R6).",
            default=10),
        Key("min_running_weeks", Int(0, 52),
            "Weeks of consistent running (2+ runs a week) before any lifting with load (R7).",
            default=6),
        Key("readiness_low_score", Int(0, 100),
            "A morning readiness score below this turns that day's heavy session light.",
            default=33),
        Key("phase", Choice(("auto", "base", "build", "peak", "taper", "race-week", "recovery",
                              "maintenance")),
            "The training phase; 'auto' derives it from the races below.", default="auto"),
        Key("horizon_days", Int(1, 84), "How many days ahead sessions are planned.", default=14),
    )),
    Table("races", "Races ahead; A races drive the phases and the taper (R6).", (
        Key("date", Date(), "Race day.", default=REQUIRED),
        Key("name", Title(nonempty=True), "What it is called.", default=REQUIRED),
        Key("priority", Choice(("A", "B", "C")), "A = goal race (taper), B/C = tune-up.",
            default="A"),
    ), array=True,
        example_rows=({"date": "2027-04-25", "name": "City Marathon", "priority": "A"},)),
    Table("plan", "Your running plan as a weekly template (used when no calendar gives it).", (
        Table("week", "One planned run a row.", (
            Key("day", Weekday(), "Weekday of the run.", default=REQUIRED),
            Key("kind", Choice(("easy", "long", "quality", "race")), "How hard it is.",
                default=REQUIRED),
            Key("time", TimeOfDay(), "Start time \"HH:MM\"; leave out if it varies.",
                example="07:00"),
            Key("duration_min", Int(5, 600), "Planned duration in minutes.", default=60),
            Key("title", Title(), "What the run is, e.g. \"Threshold 3x10'\".", default=""),
        ), array=True, max_rows=MAX_PLAN_ROWS, example_rows=(
            {"day": "tue", "kind": "quality", "time": "07:00", "duration_min": 60,
             "title": "Hill repeats"},
            {"day": "sun", "kind": "long", "time": "08:00", "duration_min": 110,
             "title": "Progression long run"},
        )),
    )),
    Table("sources", "Where syncd learns what you ran.", (
        Key("demo", Bool(), "Use the bundled demo runner (no account needed).", default=False),
        Table("garmin", "Garmin Connect: your runs, strength workouts and morning readiness. "
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
        )),
        Table("fit", "Folders of FIT files (a watch mounted over USB, a Gadgetbridge export).", (
            Key("folders", ListOf(Str(nonempty=True)), "Folders scanned for .fit files "
                "(subfolders too).", default=[], example=["/media/GARMIN/Garmin/Activity"]),
        )),
        Table("calendar", "Your running plan from a calendar (Runna, TrainingPeaks, "
              "intervals.icu, Garmin): each event is classified easy/long/quality/race.", (
            Key("ics_url", Url(), "An ICS feed URL.", example="https://example.org/plan.ics"),
            Key("ics_path", Str(nonempty=True), "An .ics file.", example="~/plan.ics"),
            Key("caldav_calendar", Str(nonempty=True),
                "The name of a calendar on the [calendar] server.", example="Running"),
            Key("quality_keywords", ListOf(Str(nonempty=True)),
                "Extra title words that mean a quality run.", default=[],
                example=["vo2", "kenyans"]),
            Key("long_keywords", ListOf(Str(nonempty=True)),
                "Extra title words that mean a long run.", default=[]),
            Key("race_keywords", ListOf(Str(nonempty=True)),
                "Extra title words that mean a race.", default=[]),
            Key("easy_keywords", ListOf(Str(nonempty=True)),
                "Extra title words that mean an easy run.", default=[]),
            Key("skip_keywords", ListOf(Str(nonempty=True)),
                "Title words of events that are not runs (replaces the built-in list: rest, "
                "gym, yoga, swim, bike, ...).", example=["rest", "swim"]),
        )),
    )),
    Table("ics", "Write the sessions to an .ics file (subscribe to it or import it).", (
        Key("path", Str(nonempty=True), "Where to write the file; leave out for none.",
            example="~/strength.ics"),
        Key("name", Title(nonempty=True), "Calendar name shown by apps.", default="Strength"),
        Key("alarm_minutes", Int(0, 1440), "Add a reminder this many minutes before.",
            example=30),
    )),
    Table("calendar", "Write the sessions into a CalDAV calendar (Nextcloud, Radicale, ...).", (
        Key("url", Url(), "The server's CalDAV URL.",
            example="https://cloud.example.org/remote.php/dav"),
        Key("username", Str(nonempty=True), "Login name.", example="runner"),
        *_secret("password", "password"),
        Key("name", Str(nonempty=True), "Calendar to write to (created if missing).",
            default="Strength"),
        Key("calendar_url", Url(), "Or the calendar's own URL (overrides name).",
            example="https://cloud.example.org/remote.php/dav/calendars/runner/strength/"),
        Key("busy_calendars", ListOf(Str(nonempty=True)),
            "Names of calendars whose events block time (R10).", default=[],
            example=["Personal", "Work"]),
        Key("alarm_minutes", Int(0, 1440), "Add a reminder this many minutes before.",
            example=30),
    )),
    Table("feed", "Serve the sessions as a live ICS feed that Google, Apple, Outlook and Home "
          "Assistant subscribe to (`syncd status` shows its secret URL). Served by `syncd "
          "run`; a subscriber only reads, so for edits that syncd sees use [calendar].", (
        Key("listen", HostPort(), "Address the daemon serves the feed on; leave out for none. "
            "Keep it on 127.0.0.1 and put a TLS reverse proxy in front to reach it from "
            "outside.", example="127.0.0.1:8787"),
        Key("public_url", Url(), "The feed's address as subscribers reach it through your "
            "reverse proxy (shown by `syncd status`, checked by `syncd doctor`).",
            example="https://home.example.org/syncd"),
        Key("name", Title(nonempty=True), "Calendar name shown by apps.", default="Strength"),
        Key("busy_name", Title(nonempty=True),
            "Name of the second, busy-only feed (every session as \"Busy\", no details), "
            "for a work calendar.", default="Busy"),
        Key("refresh_minutes", Int(5, 1440),
            "How often subscribers are asked to poll (REFRESH-INTERVAL, X-PUBLISHED-TTL); "
            "Google polls on its own schedule whatever this says.", default=60),
        Key("alarm_minutes", Int(0, 1440), "Add a reminder this many minutes before "
            "(full feed only).", example=30),
    )),
    Table("mqtt", "Show syncd in Home Assistant: sensors and a \"sync now\" button through "
          "MQTT discovery, on the broker Home Assistant uses (Mosquitto, ...). Used by "
          "`syncd run`.", (
        Key("host", Str(nonempty=True), "The broker's host name or address; leave out for no "
            "MQTT.", example="homeassistant.local"),
        Key("port", Int(1, 65535), "The broker's port (default: 1883, or 8883 with tls).",
            example=1883),
        Key("tls", Bool(), "Connect with TLS, checking the broker's certificate.",
            default=False),
        Key("ca_file", Str(nonempty=True), "A CA certificate (PEM) to check the broker's "
            "certificate with, instead of the system's.", example="/etc/syncd/broker-ca.pem"),
        Key("username", Str(nonempty=True), "Login name, if the broker asks for one.",
            example="syncd"),
        *_secret("password", "broker password"),
        Key("discovery_prefix", Str(nonempty=True), "Home Assistant's discovery prefix "
            "(Settings → MQTT → discovery prefix).", default="homeassistant"),
        Key("base_topic", Str(nonempty=True), "The topic syncd's states live under; give each "
            "syncd on one broker its own.", default="syncd"),
    )),
    Table("garmin_workouts", "Put each planned session on your Garmin watch as a strength "
          "workout (warm-up, every exercise as sets with reps or time, loads and rests), "
          "scheduled on its day. Uses the login of `syncd login` and "
          "[sources.garmin] api_url.", (
        Key("enabled", Bool(), "Send the sessions of the next days to Garmin Connect.",
            default=False),
        Key("days", Int(1, 14), "How many days ahead are on the watch (a watch holds about "
            "30 scheduled workouts).", default=14),
    )),
    Table("daemon", "How `syncd run` behaves as a service.", (
        Key("interval_minutes", Float(0.0166, 1440),
            "Minutes between sync cycles (fractions allowed: 0.5 is 30 s).", default=15.0),
    )),
))


def validate(doc: dict[str, Any], table: Table = SCHEMA, path: str = "") -> dict[str, Any]:
    """Check ``doc`` against ``table`` and return it with defaults filled in.

    Raises ``Invalid`` whose ``path`` is the dotted key of the first problem found.
    """
    out: dict[str, Any] = {}
    for key in doc:
        if table.item(key) is None:
            known = [i.name for i in table.items]
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else (
                f"; known keys here: {', '.join(known)}" if known else "")
            raise UnknownKey(hint, key, _join(path, key))
    for item in table.items:
        where = _join(path, item.name)
        present = item.name in doc
        value = doc.get(item.name)
        if isinstance(item, Table):
            if item.array:
                rows = value if present else []
                if not isinstance(rows, list) or any(not isinstance(r, dict) for r in rows):
                    raise Invalid(f"a list of tables ([[{where}]])", value, where)
                if len(rows) > item.max_rows:
                    raise Invalid(f"at most {item.max_rows} [[{where}]] rows", len(rows), where)
                out[item.name] = [validate(r, item, f"{where}[{i}]") for i, r in enumerate(rows)]
            else:
                sub = value if present else {}
                if not isinstance(sub, dict):
                    raise Invalid(f"a table ([{where}])", value, where)
                out[item.name] = validate(sub, item, where)
            continue
        if not present:
            if item.required:
                raise Invalid("a value: this key is required", "nothing", where)
            default = item.default
            out[item.name] = item.type.check(default) if default is not None else None
            continue
        try:
            out[item.name] = item.type.check(value)
        except Invalid as exc:
            exc.path = where + exc.path
            raise
    return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe_invalid(exc: Invalid) -> str:
    """The text after "at 'path': " for an error found by ``validate``."""
    if isinstance(exc, UnknownKey):
        return f"unknown key {show(exc.got)}{exc.expected}"
    if exc.got == "nothing":
        return "missing: this key is required"
    return exc.message()


def secret_keys(table: Table = SCHEMA, path: str = "") -> list[str]:
    keys = []
    for item in table.items:
        where = _join(path, item.name)
        if isinstance(item, Table):
            keys += secret_keys(item, where)
        elif item.secret:
            keys.append(where)
    return keys
