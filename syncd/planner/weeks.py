"""How long the athlete has been running consistently (R7).

A week counts when it has at least two completed runs. Counting goes back from the current
week (which counts only once it has two runs, since it is still under way) and stops at the
first two weeks in a row without: one week off for illness or travel does not make an
experienced runner a beginner again.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from syncd.model import Run

MAX_WEEKS = 104


def running_weeks(completed: tuple[Run, ...], running_since: date | None, today: date,
                  tz: ZoneInfo) -> int | None:
    """Weeks of consistent running, or None when nothing says (an established runner)."""
    if not completed:
        if running_since is None:
            return None
        return max(0, (today - running_since).days // 7)
    monday = today - timedelta(days=today.weekday())
    per_week: dict[date, int] = {}
    for run in completed:
        d = run.start.astimezone(tz).date()
        key = d - timedelta(days=d.weekday())
        per_week[key] = per_week.get(key, 0) + 1
    count = 1 if per_week.get(monday, 0) >= 2 else 0
    misses = 0
    week = monday
    for _ in range(MAX_WEEKS):
        week -= timedelta(days=7)
        if per_week.get(week, 0) >= 2:
            count += 1
            misses = 0
        else:
            misses += 1
            if misses >= 2:
                break
    return count
