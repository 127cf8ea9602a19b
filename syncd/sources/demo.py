"""A bundled demo runner, so syncd shows its whole job with no account and no server.

Fourteen weeks of history (easy runs, intervals, tempo, long runs, a parkrun, two lifting
sessions most weeks, one week off sick), a weekly plan ahead, an A half marathon nine weeks
out and a B 10K in the second week (so R6 shows), one busy evening (R10) and this morning's
readiness. Dates are relative to the Monday of ``now``'s week and the variation comes from a
fixed seed, so the same week always gives the same data. The completed activities are in
Garmin's activity-list shape and go through the same classifier as real ones.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from syncd.model import BusyInterval, Race, RacePriority, Readiness, Run, RunKind, RunStatus
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.garmin_shapes import records_from_activities

HISTORY_WEEKS = 14
SICK_WEEK = 9  # weeks ago: no runs, as happens

# (weekday, kind, hh:mm, minutes, title, typeKey, trainingEffectLabel)
WEEK = (
    (1, "quality", "07:00", 60, "Hill repeats 8x60s", "running", "VO2MAX"),
    (2, "easy", "07:00", 45, "Easy run", "running", "RECOVERY"),
    (3, "quality", "07:00", 60, "Threshold 3x10min", "running", "LACTATE_THRESHOLD"),
    (4, "easy", "12:15", 40, "Easy trail run", "trail_running", "AEROBIC_BASE"),
    (5, "easy", "08:00", 30, "Short easy run", "running", "AEROBIC_BASE"),
    (6, "long", "08:00", 105, "Progression long run", "running", "TEMPO"),
)


class DemoSource:
    name = "demo"

    def fetch(self, window: FetchWindow) -> Observations:
        return demo_observations(window.now, window)


def _monday(now: datetime, window: FetchWindow) -> date:
    today = now.astimezone(window.tz).date()
    return today - timedelta(days=today.weekday())


def demo_observations(now: datetime, window: FetchWindow) -> Observations:
    tz = window.tz
    monday = _monday(now, window)
    rng = random.Random(20240601)
    acts: list[dict[str, Any]] = []
    for weeks_ago in range(HISTORY_WEEKS, -1, -1):
        week_start = monday - timedelta(days=7 * weeks_ago)
        for day, _kind, hhmm, minutes, title, type_key, label in WEEK:
            start = datetime.combine(week_start + timedelta(days=day),
                                     time.fromisoformat(hhmm), tz)
            start += timedelta(minutes=rng.randint(-20, 25))
            dur = minutes + rng.randint(-5, 8)
            if weeks_ago == SICK_WEEK or start + timedelta(minutes=dur) > now:
                continue
            if weeks_ago == 3 and day == 5:
                title, type_key, label, dur = "parkrun", "running", "VO2MAX", 21
            acts.append(_activity(start, dur, title, type_key, label, rng, len(acts)))
        for day in (1, 3):
            if weeks_ago == SICK_WEEK or (weeks_ago % 4 == 2 and day == 3):
                continue
            start = datetime.combine(week_start + timedelta(days=day), time(18, 0), tz)
            if start + timedelta(minutes=50) <= now:
                acts.append(_strength(start, len(acts)))
    runs, lifts, _ = records_from_activities(acts, tz)
    planned = _planned(monday, window)
    race_day = monday + timedelta(days=7 * 9 - 1)
    tune_up = monday + timedelta(days=7 + 5)
    busy_day = monday + timedelta(days=7 + 1)
    return Observations(
        completed_runs=tuple(runs),
        planned_runs=tuple(planned),
        strength=tuple(lifts),
        races=(Race(race_day, "Demo Half Marathon", RacePriority.A),
               Race(tune_up, "Demo 10K", RacePriority.B)),
        busy=(BusyInterval(datetime.combine(busy_day, time(17, 0), tz),
                           datetime.combine(busy_day, time(20, 30), tz), "Team dinner"),),
        readiness=(Readiness(now.astimezone(tz).date(), 58, "BALANCED", "demo"),),
    )


def _planned(monday: date, window: FetchWindow) -> list[Run]:
    tz = window.tz
    last = window.end.astimezone(tz).date()
    out = []
    week = monday
    while week <= last:
        for day, kind, hhmm, minutes, title, _type, _label in WEEK:
            d = week + timedelta(days=day)
            if d > last:
                continue
            start = datetime.combine(d, time.fromisoformat(hhmm), tz)
            out.append(Run(id=f"demo-plan:{d.isoformat()}:{day}", source="demo", start=start,
                           end=start + timedelta(minutes=minutes), kind=RunKind(kind),
                           status=RunStatus.PLANNED, title=title,
                           reason=f"demo plan says {kind}"))
        week += timedelta(days=7)
    return out


def _activity(start: datetime, minutes: int, title: str, type_key: str, label: str,
              rng: random.Random, n: int) -> dict[str, Any]:
    """One run in the shape of Garmin's activity list."""
    hard = label in ("VO2MAX", "LACTATE_THRESHOLD", "ANAEROBIC_CAPACITY")
    speed = (3.6 if hard else 2.9) + rng.uniform(-0.1, 0.1)
    secs = minutes * 60.0
    zones = [0.1, 0.5, 0.3, 0.08, 0.02] if not hard else [0.05, 0.2, 0.25, 0.35, 0.15]
    return {
        "activityId": 17_000_000_000 + n,
        "activityName": title,
        "startTimeGMT": start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "startTimeLocal": start.strftime("%Y-%m-%d %H:%M:%S"),
        "activityType": {"typeId": 1, "typeKey": type_key, "parentTypeId": 17},
        "distance": round(speed * secs, 1),
        "duration": secs,
        "movingDuration": secs - 30,
        "averageSpeed": round(speed, 3),
        "averageHR": 165.0 if hard else 138.0,
        "maxHR": 182.0 if hard else 151.0,
        "aerobicTrainingEffect": 3.6 if hard else 2.4,
        "anaerobicTrainingEffect": 2.6 if hard else 0.3,
        "trainingEffectLabel": label,
        **{f"hrTimeInZone_{i + 1}": round(z * secs, 1) for i, z in enumerate(zones)},
        "manualActivity": False,
    }


def _strength(start: datetime, n: int) -> dict[str, Any]:
    return {
        "activityId": 18_000_000_000 + n,
        "activityName": "Strength",
        "startTimeGMT": start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "startTimeLocal": start.strftime("%Y-%m-%d %H:%M:%S"),
        "activityType": {"typeId": 13, "typeKey": "strength_training", "parentTypeId": 29},
        "duration": 2700.0,
        "manualActivity": False,
    }
