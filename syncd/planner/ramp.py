"""Return to lifting (R7): who is a new runner, and the ramp after a break.

R7 keeps a new runner on foundation and core until they have run consistently (2+ runs a
week) for ``rules.min_running_weeks``. Experience is the longest of what is known: the weeks
since ``athlete.running_since`` and the longest consistent stretch in the completed runs
(one week off does not end a stretch). A break does not make an established runner new
again: after 7 or more days without a run, the first days back are a ramp of reduced load
(light instead of heavy) as long as the break was, 7 to 14 days (000: figure out what your
body can handle before increasing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from syncd.model import Run

MIN_BREAK_DAYS = 7
MAX_RAMP_DAYS = 14


@dataclass(frozen=True)
class Break:
    """Days without a run: ``last`` is the last day with a run before, ``back`` the first
    day with one after (today while the break goes on)."""

    last: date
    back: date
    ongoing: bool

    @property
    def days_off(self) -> int:
        return (self.back - self.last).days - 1

    @property
    def ramp_days(self) -> int:
        return min(self.days_off, MAX_RAMP_DAYS)

    @property
    def ramp_end(self) -> date:
        """The first day at full load again."""
        return self.back + timedelta(days=self.ramp_days)

    def covers(self, d: date) -> bool:
        return self.back <= d < self.ramp_end


def run_days(completed: tuple[Run, ...], tz: ZoneInfo, today: date) -> list[date]:
    """The local day of each completed run up to today, in order (a day with two runs
    appears twice: R7 counts runs): what R7 looks at, computed once."""
    return sorted(d for d in (r.start.astimezone(tz).date() for r in completed) if d <= today)


def longest_consistent_weeks(days: list[date]) -> int:
    """The longest stretch of weeks with 2+ runs; a single week without ends nothing."""
    per_week: dict[date, int] = {}
    for d in days:
        monday = d - timedelta(days=d.weekday())
        per_week[monday] = per_week.get(monday, 0) + 1
    if not per_week:
        return 0
    week, last = min(per_week), max(per_week)
    best = count = misses = 0
    while week <= last:
        if per_week.get(week, 0) >= 2:
            count += 1
            misses = 0
        else:
            misses += 1
            if misses >= 2:
                count = 0
        best = max(best, count)
        week += timedelta(days=7)
    return best


def experience_weeks(days: list[date], running_since: date | None, today: date) -> int | None:
    """Weeks of consistent running that R7 counts, or None when nothing says (established).
    ``days``: the days with a completed run (``run_days``)."""
    known = []
    if running_since is not None:
        known.append(max(0, (today - running_since).days // 7))
    if days:
        known.append(longest_consistent_weeks(days))
    return max(known) if known else None


def last_break(days: list[date], today: date) -> Break | None:
    """The latest break of 7+ days without a run, still going on or ended."""
    if not days:
        return None
    if (today - days[-1]).days - 1 >= MIN_BREAK_DAYS:
        return Break(days[-1], today, ongoing=True)
    for before, after in zip(reversed(days[:-1]), reversed(days[1:]), strict=True):
        if (after - before).days - 1 >= MIN_BREAK_DAYS:
            return Break(before, after, ongoing=False)
    return None
