"""The lines of one VEVENT as syncd reads them: unfolded, split into name, parameters and
value, text unescaped (RFC 5545 §3.1, §3.3.11). Only the properties syncd uses are kept.

Kept apart from ``calendar_events`` (which decides what to read) so this small parser can
be tested on its own against the odd lines real calendars hold: quoted parameters with
colons, folded long lines, lower-case names, nested alarms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from syncd.text import clean_title

UNFOLD = re.compile(r"\r?\n[ \t]")
LINE_END = re.compile(r"\r?\n|\r")
UNESCAPE = re.compile(r"\\([\\;,nN])")
WANTED = {"UID", "SUMMARY", "DESCRIPTION", "DTSTART", "DTEND", "DURATION", "TRANSP", "RRULE",
          "RDATE", "EXDATE", "RECURRENCE-ID"}


@dataclass(frozen=True)
class Prop:
    params: dict[str, str]
    value: str


@dataclass
class Event:
    """One VEVENT's properties that syncd reads, as raw text."""

    props: dict[str, list[Prop]] = field(default_factory=dict)

    def first(self, name: str) -> Prop | None:
        found = self.props.get(name)
        return found[0] if found else None

    def text(self, name: str) -> str:
        p = self.first(name)
        return "" if p is None else UNESCAPE.sub(_unescape, p.value)

    def label(self) -> str:
        # Said in warnings on the terminal and in the journal: one clean, short line.
        uid = clean_title(self.text("UID"), 80) or "(no UID)"
        return f"event {uid} '{clean_title(self.text('SUMMARY'), 80)}'"


def _unescape(m: re.Match[str]) -> str:
    c = m.group(1)
    return "\n" if c in "nN" else c


def split_property(line: str) -> tuple[str, dict[str, str], str]:
    colon = line.find(":")
    semi = line.find(";")
    if colon < 0:
        raise ValueError("no ':'")
    if semi < 0 or semi > colon:
        return line[:colon].upper(), {}, line[colon + 1:]
    name, params, i, quoted = line[:semi].upper(), {}, semi + 1, False
    start = i
    while i < len(line):
        c = line[i]
        if c == '"':
            quoted = not quoted
        elif not quoted and c in ";:":
            key, _, val = line[start:i].partition("=")
            params[key.strip().upper()] = val.strip().strip('"')
            start = i + 1
            if c == ":":
                return name, params, line[i + 1:]
        i += 1
    raise ValueError("no ':' after the parameters")


def parse_block(body: str) -> Event:
    ev, depth = Event(), 0
    # Lines end at CR LF or LF only (RFC 5545 §3.1): str.splitlines() would also split at
    # a form feed, \x1c-\x1e, NEL or U+2028 inside a title and lose the rest of it.
    for line in LINE_END.split(UNFOLD.sub("", body)):
        if not line:
            continue
        upper = line[:6].upper()
        if upper.startswith("BEGIN:"):
            depth += 1
            continue
        if upper.startswith("END:"):
            depth -= 1
            continue
        if depth:
            continue  # a VALARM and the like
        try:
            name, params, value = split_property(line)
        except ValueError:
            continue
        if name in WANTED:
            ev.props.setdefault(name, []).append(Prop(params, value))
    return ev
