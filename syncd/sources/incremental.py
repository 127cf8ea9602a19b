"""How far back a source that caches its activities in the state reads in this cycle.

Garmin Connect and intervals.icu page through activities newest first. Most cycles read
only from the newest cached start, less an overlap for late uploads. Once per ``deep_every``,
and on the first read, they read the whole history window again, which catches uploads
older than the overlap and deletions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncd.state import State


def read_since(state: State, source: str, scope: str, now: datetime, history_days: int,
               overlap: timedelta, deep_every: timedelta) -> tuple[datetime, bool]:
    """The instant to read back to, and whether this is the deep re-read."""
    floor = now - timedelta(days=history_days)
    row = state.db.execute("SELECT max(start) FROM activities WHERE source=?",
                           (source,)).fetchone()
    deep_at = state.get(scope, "deep_read_at")
    if row[0] is None or deep_at is None or (
            now - datetime.fromisoformat(deep_at) >= deep_every):
        return floor, True
    return max(floor, datetime.fromisoformat(row[0]) - overlap), False
