"""Value types of the config schema: each checks one TOML value and says what it expected.

A type's ``check`` returns the converted value or raises ``Invalid`` with the text that goes
after "expected" in the one-line error, so every message has the same shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from syncd.model import WEEKDAYS
from syncd.text import TITLE_MAX, clean_title, printable

SHOW_MAX = 60  # characters of a wrong value quoted in an error line
TEXT_MAX = 1000  # characters of any string in the config (a path, a URL, a keyword)
LIST_MAX = 100  # items of any list in the config


class Invalid(Exception):
    """A value did not match; ``path`` is filled in by the caller that knows where it was."""

    def __init__(self, expected: str, got: Any, path: str = "") -> None:
        self.expected = expected
        self.got = got
        self.path = path
        super().__init__(expected)

    def message(self) -> str:
        return f"expected {self.expected}, got {show(self.got)}"


def show(value: Any) -> str:
    if isinstance(value, str):
        if len(value) > SHOW_MAX:  # a megabyte value is named, not printed
            return repr(value[:SHOW_MAX]) + f"... ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


class ValueType:
    expected = "a value"
    toml_hint = ""

    def check(self, value: Any) -> Any:
        raise NotImplementedError

    def sample(self, value: Any) -> str:
        """Render a value as TOML for the generated sample config."""
        return toml_literal(value)


def toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # TOML escapes for control characters, so `config check` never prints one raw.
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + _TOML_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_literal(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


_TOML_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


@dataclass(frozen=True)
class Str(ValueType):
    nonempty: bool = False
    max_len: int = TEXT_MAX

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "a non-empty string" if self.nonempty else "a string"

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or (self.nonempty and not value.strip()):
            raise Invalid(self.expected, value)
        if len(value) > self.max_len:
            raise Invalid(f"at most {self.max_len:,} characters", value)
        return value


@dataclass(frozen=True)
class Title(Str):
    """A name shown in calendars and on the terminal: one line, no control or bidi
    characters (they are dropped), at most ``TITLE_MAX`` characters."""

    max_len: int = TITLE_MAX

    def check(self, value: Any) -> str:
        if isinstance(value, str) and len(value) > self.max_len:
            raise Invalid(f"at most {self.max_len:,} characters", value)
        text = super().check(value)
        cleaned = clean_title(text, self.max_len)
        if self.nonempty and not cleaned:
            raise Invalid(self.expected, printable(text))
        return cleaned


@dataclass(frozen=True)
class Bool(ValueType):
    expected = "true or false"

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid(self.expected, value)
        return value


@dataclass(frozen=True)
class Int(ValueType):
    lo: int
    hi: int

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a whole number from {self.lo} to {self.hi}"

    def check(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            raise Invalid(self.expected, value)
        return value


@dataclass(frozen=True)
class Float(ValueType):
    lo: float
    hi: float

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a number from {self.lo:g} to {self.hi:g}"

    def check(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(self.expected, value)
        if not self.lo <= value <= self.hi:
            raise Invalid(self.expected, value)
        return float(value)


@dataclass(frozen=True)
class Choice(ValueType):
    values: tuple[str, ...]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(v) for v in self.values)

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.values:
            raise Invalid(self.expected, value)
        return value


@dataclass(frozen=True)
class Weekday(ValueType):
    expected = "a weekday (mon..sun)"

    def check(self, value: Any) -> int:
        if isinstance(value, str) and value.strip().lower()[:3] in WEEKDAYS:
            name = value.strip().lower()
            full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            if name in WEEKDAYS or name in full:
                return WEEKDAYS.index(name[:3])
        raise Invalid(self.expected, value)

    def sample(self, value: Any) -> str:
        return toml_literal(WEEKDAYS[value] if isinstance(value, int) else value)


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> time | None:
    m = _TIME.match(value.strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class TimeOfDay(ValueType):
    expected = "a time of day as \"HH:MM\""

    def sample(self, value: Any) -> str:
        return toml_literal(f"{value:%H:%M}" if isinstance(value, time) else value)

    def check(self, value: Any) -> time:
        if isinstance(value, time):
            return value.replace(second=0, microsecond=0)
        if isinstance(value, str) and (t := parse_hhmm(value)) is not None:
            return t
        raise Invalid(self.expected, value)


@dataclass(frozen=True)
class TimeRange(ValueType):
    expected = "a time window as \"HH:MM-HH:MM\" with the end after the start"

    def sample(self, value: Any) -> str:
        if isinstance(value, tuple):
            return toml_literal(f"{value[0]:%H:%M}-{value[1]:%H:%M}")
        return toml_literal(value)

    def check(self, value: Any) -> tuple[time, time]:
        if isinstance(value, str) and value.count("-") == 1:
            a, b = (parse_hhmm(p) for p in value.split("-"))
            end_of_day = value.split("-")[1].strip() == "24:00"
            if end_of_day:
                b = time(23, 59)
            if a is not None and b is not None and a < b:
                return (a, b)
        raise Invalid(self.expected, value)


@dataclass(frozen=True)
class PreferredTime(ValueType):
    expected = "'morning', 'midday', 'evening' or a time \"HH:MM\""

    def check(self, value: Any) -> str:
        named = ("morning", "midday", "evening")
        if isinstance(value, str) and (value in named or parse_hhmm(value)):
            return value
        raise Invalid(self.expected, value)


@dataclass(frozen=True)
class Date(ValueType):
    expected = "a date as YYYY-MM-DD"

    def check(self, value: Any) -> date:
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise Invalid(self.expected, value)


@dataclass(frozen=True)
class TimeZone(ValueType):
    expected = "an IANA time zone such as 'Europe/Berlin'"

    def check(self, value: Any) -> str:
        # The longest IANA name is 32 characters; a path component longer than the file
        # system allows (OSError) is as wrong as an unknown name.
        if (isinstance(value, str) and value and len(value) <= 64
                and not value.startswith(("/", "."))):
            try:
                ZoneInfo(value)
                return value
            except (ZoneInfoNotFoundError, ValueError, OSError):
                pass
        hint = self.expected
        if isinstance(value, str):
            close = [z for z in available_timezones() if z.lower() == value.lower()]
            if close:
                hint += f" (did you mean '{close[0]}'?)"
        raise Invalid(hint, value)


@dataclass(frozen=True)
class Url(ValueType):
    schemes: tuple[str, ...] = ("http", "https")

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "a URL starting with " + " or ".join(f"{s}://" for s in self.schemes)

    def check(self, value: Any) -> str:
        if isinstance(value, str):
            parts = urlsplit(value)
            if parts.scheme in self.schemes and (parts.netloc or parts.scheme == "file"):
                return value
        raise Invalid(self.expected, value)


@dataclass(frozen=True)
class ListOf(ValueType):
    item: ValueType
    max_items: int = LIST_MAX

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a list of {self.item.expected.removeprefix('a ').removeprefix('an ')}s"

    def check(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise Invalid(self.expected, value)
        if len(value) > self.max_items:
            raise Invalid(f"at most {self.max_items} items", len(value))
        out = []
        for i, v in enumerate(value):
            try:
                out.append(self.item.check(v))
            except Invalid as exc:
                exc.path = f"[{i}]{exc.path}"
                raise
        return out

    def sample(self, value: Any) -> str:
        return "[" + ", ".join(self.item.sample(v) for v in value) + "]"


@dataclass(frozen=True)
class MapOf(ValueType):
    """A table whose keys the user chooses (e.g. exercise names) and whose values share a type."""

    item: ValueType
    key_pattern: str = r"^[a-z][a-z0-9_]*$"

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a table of {self.item.expected}"

    def sample(self, value: Any) -> str:
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k} = {self.item.sample(v)}" for k, v in value.items()) + " }"

    def check(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(self.expected, value)
        if len(value) > LIST_MAX:
            raise Invalid(f"at most {LIST_MAX} entries", len(value))
        out = {}
        for k, v in value.items():
            if not re.match(self.key_pattern, k):
                raise Invalid("a lowercase name with letters, digits and _", k, f".{k}")
            try:
                out[k] = self.item.check(v)
            except Invalid as exc:
                exc.path = f".{k}{exc.path}"
                raise
        return out


@dataclass(frozen=True)
class HostPort(ValueType):
    """An address to listen on, "HOST:PORT" ("[::1]:8787" for IPv6); returns (host, port)."""

    expected = 'an address as "HOST:PORT", e.g. "127.0.0.1:8787"'

    def check(self, value: Any) -> str:
        if isinstance(value, str):
            host, sep, port = value.rpartition(":")
            host = host.removeprefix("[").removesuffix("]")
            if sep and host and port.isdigit() and 1 <= int(port) <= 65535:
                return value
        raise Invalid(self.expected, value)


def split_host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)
