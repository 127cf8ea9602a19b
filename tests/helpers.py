"""Builders for test inputs: runs, sessions and athletes with little noise."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncd.model import Athlete, Run, RunKind, RunStatus, Session, SessionKind, SessionStatus

TZ = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 23, tzinfo=TZ)  # an ordinary Monday, far from DST changes


def at(day: int, hhmm: str, base: datetime = MONDAY) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return (base + timedelta(days=day)).replace(hour=h, minute=m)


def run(day: int, hhmm: str, minutes: int, kind: RunKind, title: str = "",
        status: RunStatus = RunStatus.PLANNED, base: datetime = MONDAY,
        time_known: bool = True, ident: str | None = None) -> Run:
    start = at(day, hhmm, base)
    return Run(id=ident or f"{status.value}:{start.isoformat()}", source="test", start=start,
               end=start + timedelta(minutes=minutes), kind=kind, status=status,
               title=title or f"{kind.value} run", time_known=time_known)


def session(uid: str, day: int, hhmm: str, kind: SessionKind = SessionKind.HEAVY,
            status: SessionStatus = SessionStatus.PLANNED, minutes: int = 45,
            base: datetime = MONDAY) -> Session:
    start = at(day, hhmm, base)
    return Session(uid=uid, kind=kind, start=start, end=start + timedelta(minutes=minutes),
                   status=status, title=f"{kind.value} · {minutes} min")


def athlete(**kw: object) -> Athlete:
    base: dict[str, object] = {"timezone": "Europe/Berlin"}
    base.update(kw)
    return Athlete(**base)  # type: ignore[arg-type]


# The example week of the rules contract (from seed 002): Mon rest, Tue hills, Wed easy,
# Thu threshold, Fri easy trail, Sat short easy, Sun progression long run.
def example_week(base: datetime = MONDAY, weeks: int = 3) -> list[Run]:
    rows = [(1, "07:00", 60, RunKind.QUALITY, "Hill repeats"),
            (2, "07:00", 45, RunKind.EASY, "Easy run"),
            (3, "07:00", 60, RunKind.QUALITY, "Threshold"),
            (4, "07:00", 50, RunKind.EASY, "Easy trail run"),
            (5, "08:00", 30, RunKind.EASY, "Short easy run"),
            (6, "08:00", 100, RunKind.LONG, "Progression long run")]
    return [run(d + 7 * w, t, m, k, title, base=base) for w in range(weeks)
            for d, t, m, k, title in rows]
