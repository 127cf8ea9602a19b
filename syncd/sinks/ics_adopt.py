"""syncd's own events read back from a calendar it published, for a state that lost them.

A file or feed syncd writes is read only by its subscribers, so what it holds is exactly
what syncd last published. When the state has no record of it (moved away, deleted, rebuilt
by ``syncd doctor``'s advice), the events are adopted from it rather than forgotten: without
this the past sessions vanish from the file (11 → 7 events in issue 19) and every unchanged
session is re-stamped.

An event is syncd's only when all of these hold, so that anything else in the file (a file
the user pointed ``ics.path`` at by mistake, an event pasted in) is never taken for syncd's:

- the calendar's PRODID is syncd's (``-//syncd//``);
- its UID has syncd's shape (``syncd-…@syncd``, ``syncd.planner.uids``);
- it carries syncd's marker property ``X-SYNCD-KIND``;
- its start and end are zoned date-times (what ``syncd.sinks.events.to_event`` writes).

The file is bounded like any input: at most ``MAX_BYTES`` read, ``MAX_EVENTS`` adopted.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import cast

from icalendar import Calendar, Event

from syncd.planner.uids import is_syncd_uid
from syncd.sinks.events import event_hash

log = logging.getLogger(__name__)
MAX_BYTES = 16 * 2**20
MAX_EVENTS = 2000
PRODID_PREFIX = "-//syncd//"
MARKER = "X-SYNCD-KIND"


def is_syncd_event(ev: Event) -> bool:
    return is_syncd_uid(str(ev.get("UID", ""))) and MARKER in ev


def adopt_published(path: Path, warnings: list[str]
                    ) -> dict[str, tuple[str, str, int, str]]:
    """uid → (body, hash, sequence, dtstamp) of syncd's events in the file at ``path``;
    empty when there is no such file, or it is not syncd's, or it cannot be read."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        warnings.append(f"{path}: cannot read it to recover syncd's events ({exc.strerror})")
        return {}
    if len(data) > MAX_BYTES:
        warnings.append(f"{path} is larger than {MAX_BYTES // 2**20} MiB: not syncd's; its "
                        "events were not adopted")
        return {}
    try:
        cal = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        warnings.append(f"{path} is not a readable calendar ({exc}); its events were not "
                        "adopted")
        return {}
    if not str(cal.get("PRODID", "")).startswith(PRODID_PREFIX):
        log.info("%s was not written by syncd (PRODID %r): nothing adopted", path,
                 str(cal.get("PRODID", ""))[:80])
        return {}
    out: dict[str, tuple[str, str, int, str]] = {}
    for comp in cal.walk("VEVENT"):
        ev = cast(Event, comp)
        if not is_syncd_event(ev):
            continue
        h = event_hash(ev)
        stamp = ev.decoded("DTSTAMP") if "DTSTAMP" in ev else None
        if h is None or not isinstance(stamp, datetime):
            continue
        try:
            sequence = int(ev.get("SEQUENCE", 0))
        except (TypeError, ValueError):
            continue
        out[str(ev["UID"])] = (ev.to_ical().decode(), h, sequence, stamp.isoformat())
        if len(out) >= MAX_EVENTS:
            warnings.append(f"{path}: more than {MAX_EVENTS} of syncd's events; only the "
                            f"first {MAX_EVENTS} were adopted")
            break
    return out
