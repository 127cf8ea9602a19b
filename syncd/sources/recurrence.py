"""Repeating events expanded inside a window only, with a bounded amount of work.

A calendar someone else writes may hold ``RRULE:FREQ=SECONDLY;COUNT=1000000000`` or a
``FREQ=MINUTELY`` rule started years ago. Expanding such rules from their start, as general
libraries do (and caching every instance), takes minutes and gigabytes. Here a rule is
fast-forwarded to the window by whole periods where that keeps the same instances, at most
``cap`` instances inside the window are kept, and at most ``BUDGET`` instances are stepped
through in all; whatever is cut is reported so the caller can name the event.

Times are wall-clock times in the event's own zone (naive datetimes), as RFC 5545 defines
repetition; the caller attaches the zone afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

BUDGET = 100_000  # instances one rule may step through before the window ends
PERIODS = {"SECONDLY": timedelta(seconds=1), "MINUTELY": timedelta(minutes=1),
           "HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1),
           "WEEKLY": timedelta(weeks=1)}


class BadRule(ValueError):
    """A repeat rule that cannot be read."""


@dataclass
class Expansion:
    starts: list[datetime] = field(default_factory=list)
    capped: bool = False  # more than ``cap`` instances fell inside the window
    exhausted: bool = False  # the budget ran out before the window did


def rule_parts(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in text.strip().split(";"):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadRule(f"'{item}' is not KEY=VALUE")
        parts[key.strip().upper()] = value.strip()
    if "FREQ" not in parts:
        raise BadRule("no FREQ")
    return parts


def expand_rule(parts: dict[str, str], dtstart: datetime, until: datetime | None,
                lo: datetime, hi: datetime, cap: int,
                inside: Callable[[datetime], bool] | None = None) -> Expansion:
    """The starts in [lo, hi] of one rule beginning at ``dtstart`` (all naive wall time).

    [lo, hi] may be loose (wall time is not monotonic across a DST change); ``inside``
    then tells exactly which starts are kept and count toward ``cap``."""
    from dateutil.rrule import rrulestr

    freq = parts["FREQ"].upper()
    try:
        interval = max(1, int(parts.get("INTERVAL", "1")))
        count = int(parts["COUNT"]) if "COUNT" in parts else None
    except ValueError as exc:
        raise BadRule(str(exc)) from None
    if count is not None and count <= 0:
        count = None  # a negative or zero COUNT is read as no limit, as other clients do
    simple = not any(k.startswith("BY") for k in parts)
    start = dtstart
    period = PERIODS.get(freq)
    if period is not None and dtstart < lo:
        skip = (lo - dtstart) // (period * interval)
        # Whole periods keep the same instances; with COUNT, only a rule with one instance
        # per period tells how many were used up before the window.
        if skip > 0 and (count is None or simple):
            start = dtstart + skip * interval * period
            if count is not None:
                count -= skip
                if count <= 0:
                    return Expansion()
    text = ";".join(f"{k}={v}" for k, v in parts.items() if k not in ("UNTIL", "COUNT"))
    try:
        rule = rrulestr(text, dtstart=start, cache=False)
        if count is not None:
            rule = rule.replace(count=count)
        elif until is not None:
            rule = rule.replace(until=until)
    except (ValueError, TypeError) as exc:
        raise BadRule(str(exc)) from None
    out = Expansion()
    for stepped, when in enumerate(rule, 1):
        if when > hi:
            break
        if stepped > BUDGET:
            out.exhausted = True
            break
        if when >= lo and (inside is None or inside(when)):
            if len(out.starts) >= cap:
                out.capped = True
                break
            out.starts.append(when)
    return out


def wall(value: date | datetime) -> datetime:
    """A date as its midnight; a datetime without its zone (already in the event's zone)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time(0))
