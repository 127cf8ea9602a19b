"""Weeks with a daylight-saving change: every gap and length is real elapsed time.

The cases of issue 10, as a new user met them: Berlin's March week (R2's 36 h and R9's 48 h
came out an hour short) and New York's November night (a "45 min" heavy session lasting 105
real minutes). Expectations are computed here in UTC, not with the planner's helpers.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncd.model import (
    Athlete,
    RuleSettings,
    Run,
    RunKind,
    RunStatus,
    SessionKind,
    TimeWindow,
)
from syncd.planner import PlanInputs, plan
from syncd.planner.rules import World
from syncd.planner.slots import candidates
from tests.unit.planner.checker import check_plan

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def u(text: str) -> datetime:
    """An instant written with its UTC offset, as a user types it for --now."""
    return datetime.fromisoformat(text).astimezone(UTC)


def template(tz: ZoneInfo, monday: date, rows: list[tuple[int, RunKind, str, int]],
             weeks: int = 3) -> tuple[Run, ...]:
    """Planned runs as the weekly template source builds them (local wall-clock rows)."""
    out = []
    for w in range(weeks):
        for day, kind, hhmm, minutes in rows:
            d = monday + timedelta(days=7 * w + day)
            start = datetime.combine(d, time.fromisoformat(hhmm), tz)
            out.append(Run(f"t{d}-{day}", "template", start,
                           (start.astimezone(UTC) + timedelta(minutes=minutes)),
                           kind, RunStatus.PLANNED, f"{kind.value} run"))
    return tuple(out)


def windows(weekday: str, weekend: str) -> tuple[tuple[TimeWindow, ...], ...]:
    def w(text: str) -> tuple[TimeWindow, ...]:
        a, b = text.split("-")
        return (TimeWindow(time.fromisoformat(a), time.fromisoformat(b)),)
    return tuple(w(weekday) for _ in range(5)) + tuple(w(weekend) for _ in range(2))


def berlin_inputs(rows: list[tuple[int, RunKind, str, int]], **rules: float) -> PlanInputs:
    athlete = Athlete(timezone="Europe/Berlin", rest_days=frozenset({0}),
                      availability=windows("17:00-21:00", "08:00-20:00"))
    return PlanInputs(athlete=athlete, rules=RuleSettings(**rules),  # type: ignore[arg-type]
                      planned_runs=template(BERLIN, date(2026, 3, 23), rows))


def real_hours(a: datetime, b: datetime) -> float:
    return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds() / 3600


ISSUE_WEEK = [(1, RunKind.QUALITY, "07:00", 60), (4, RunKind.QUALITY, "07:00", 60),
              (6, RunKind.LONG, "07:00", 120)]
NOW_MARCH = u("2026-03-23T06:00+01:00")


def test_r2_counts_real_hours_across_the_march_change():
    inputs = berlin_inputs(ISSUE_WEEK)
    result = plan(inputs, NOW_MARCH)
    assert check_plan(inputs, NOW_MARCH, result) == []
    hard = sorted((r for r in inputs.planned_runs if r.kind.is_hard), key=lambda r: r.start)
    heavy = [s for s in result.sessions if s.kind is SessionKind.HEAVY]
    assert heavy, "the week still holds heavy sessions"
    for s in heavy:
        nxt = next(r for r in hard if r.start.astimezone(UTC) > s.start.astimezone(UTC))
        assert real_hours(s.end, nxt.start) >= 36, f"R2: {s.start} → {nxt.start}"
    fri = next(s for s in heavy if s.start.astimezone(BERLIN).date() == date(2026, 3, 27))
    # Sun 29 Mar 07:00 CEST is 05:00 UTC; 36 real hours before it is Fri 18:00 CET.
    assert fri.end.astimezone(UTC) <= datetime(2026, 3, 27, 17, 0, tzinfo=UTC)


def test_explanations_state_real_hours():
    inputs = berlin_inputs(ISSUE_WEEK)
    result = plan(inputs, NOW_MARCH)
    hard = sorted((r for r in inputs.planned_runs if r.kind.is_hard), key=lambda r: r.start)
    for s in result.sessions:
        m = re.search(r", (\d+) h after this session ends", s.explanation)
        if s.kind is not SessionKind.HEAVY:
            continue
        assert m, s.explanation
        nxt = next(r for r in hard if r.start.astimezone(UTC) > s.start.astimezone(UTC))
        assert int(m.group(1)) == round(real_hours(s.end, nxt.start)), s.explanation


def test_r9_counts_real_hours_across_the_march_change():
    # Quality runs on Fri and Sun only, R2 at 24 h: heavy Fri 18:00 and Sun 18:00 read 48 h
    # apart on the wall clock but are 47 real hours apart.
    inputs = berlin_inputs([(4, RunKind.QUALITY, "07:00", 60), (6, RunKind.QUALITY, "07:00", 60)],
                           heavy_to_quality_hours=24)
    result = plan(inputs, NOW_MARCH)
    assert check_plan(inputs, NOW_MARCH, result) == []
    heavy = sorted((s for s in result.sessions if s.kind is SessionKind.HEAVY),
                   key=lambda s: s.start.astimezone(UTC))
    assert len(heavy) >= 2
    for a, b in itertools.pairwise(heavy):
        assert real_hours(a.start, b.start) >= 48, f"R9: {a.start} and {b.start}"
    week = [s for s in heavy if s.start.astimezone(BERLIN).date() <= date(2026, 3, 29)]
    assert len(week) == 2, "both hard days of the week still hold a heavy session"


def new_york_inputs() -> PlanInputs:
    avail = (*tuple(() for _ in range(6)), (TimeWindow(time(0, 30), time(3, 30)),))
    athlete = Athlete(timezone="America/New_York", preferred_time="01:30", availability=avail,
                      core_per_week=0)
    return PlanInputs(athlete=athlete)


NOW_NOVEMBER = u("2026-10-26T06:00-04:00")


def test_a_45_minute_session_lasts_45_real_minutes_on_the_november_night():
    inputs = new_york_inputs()
    result = plan(inputs, NOW_NOVEMBER)
    assert check_plan(inputs, NOW_NOVEMBER, result) == []
    nov1 = [s for s in result.sessions if s.start.astimezone(NEW_YORK).date() == date(2026, 11, 1)]
    assert len(nov1) == 1
    s = nov1[0]
    assert s.end.astimezone(UTC) - s.start.astimezone(UTC) == timedelta(minutes=45)
    assert "45 min" in s.title
    # 01:00-01:59 happens twice that night: no session starts or ends in it.
    for t in (s.start, s.end):
        local = t.astimezone(NEW_YORK)
        assert local.hour != 1, f"{local} is read twice on the clock"


def test_candidates_really_normalise_through_utc():
    day = date(2026, 3, 29)
    athlete = Athlete(timezone="Europe/Berlin",
                      availability=tuple((TimeWindow(time(1, 0), time(5, 0)),)
                                         for _ in range(7)))
    world = World(athlete, RuleSettings(), (), (), (), (), u("2026-03-20T12:00+01:00"))
    starts = sorted(candidates(world, day, SessionKind.CORE, None).starts)
    assert starts
    readings = [s.astimezone(BERLIN) for s in starts]
    assert all(r.hour != 2 for r in readings), "02:00-02:59 does not exist that night"
    for a, b in itertools.pairwise(starts):
        assert b.astimezone(UTC) - a.astimezone(UTC) == timedelta(minutes=15)
    # The window 01:00-05:00 that night is three real hours; a 20-minute core session fits
    # on the 15-minute grid from 01:00 CET (00:00 UTC) to 04:30 CEST (02:30 UTC).
    assert starts[0].astimezone(UTC) == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert starts[-1].astimezone(UTC) == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    assert len(starts) == 11


def test_candidates_avoid_the_repeated_hour():
    day = date(2026, 11, 1)
    athlete = Athlete(timezone="America/New_York",
                      availability=tuple((TimeWindow(time(0, 0), time(4, 0)),)
                                         for _ in range(7)))
    world = World(athlete, RuleSettings(), (), (), (), (), u("2026-10-26T06:00-04:00"))
    starts = candidates(world, day, SessionKind.CORE, None).starts
    assert starts
    for s in starts:
        for t in (s.astimezone(UTC), s.astimezone(UTC) + timedelta(minutes=20)):
            assert t.astimezone(NEW_YORK).hour != 1, t.astimezone(NEW_YORK)
    # 00:00 EDT to 04:00 EST is five real hours: the last 20-minute start on the grid is
    # 03:30 EST (08:30 UTC); 00:00-00:30 EDT end before the repeated hour, 02:00 EST on.
    starts = sorted(s.astimezone(UTC) for s in starts)
    assert starts[-1] == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert starts[:4] == [datetime(2026, 11, 1, 4, m, tzinfo=UTC) for m in (0, 15, 30)] + [
        datetime(2026, 11, 1, 7, 0, tzinfo=UTC)]


def test_lord_howe_half_hour_fall_back():
    # 5 Apr 2026: at 02:00 (+11:00) the clock goes back to 01:30 (+10:30), so 01:30-01:59
    # happens twice. A 20-minute core session in 00:00-03:00 avoids it and lasts 20 minutes.
    tz = ZoneInfo("Australia/Lord_Howe")
    athlete = Athlete(timezone="Australia/Lord_Howe",
                      availability=tuple((TimeWindow(time(0, 0), time(3, 0)),)
                                         for _ in range(7)))
    world = World(athlete, RuleSettings(), (), (), (), (), u("2026-04-01T12:00+11:00"))
    starts = sorted(s.astimezone(UTC) for s in
                    candidates(world, date(2026, 4, 5), SessionKind.CORE, None).starts)
    readings = [(s.astimezone(tz).strftime("%H:%M"),
                 (s + timedelta(minutes=20)).astimezone(tz).strftime("%H:%M")) for s in starts]
    # 00:00 (+11) is 13:00 UTC; 03:00 (+10:30) is 16:30 UTC: three and a half real hours.
    assert readings == [("00:00", "00:20"), ("00:15", "00:35"), ("00:30", "00:50"),
                        ("00:45", "01:05"), ("01:00", "01:20"),
                        ("02:00", "02:20"), ("02:15", "02:35"), ("02:30", "02:50")]
