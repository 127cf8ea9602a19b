"""Realistic intervals.icu answers for the tests (shapes: see fake_intervals_icu.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.config.loader import IntervalsIcuConfig
from syncd.config.secrets import Secret

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Berlin")


def config(url: str, key: str = "s3cret-key", days: int = 14) -> IntervalsIcuConfig:
    return IntervalsIcuConfig("i12345", Secret(key, "plain text"), url, 112, True, True, days)


def activity(ident: str, start: datetime, kind: str = "Run", name: str = "Morning Run",
             minutes: float = 45, distance: float = 8500, zones: list[int] | None = None,
             **extra: Any) -> dict[str, Any]:
    local = start.astimezone(TZ).replace(tzinfo=None).isoformat()
    return {
        "id": ident, "start_date_local": local,
        "start_date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "type": kind, "name": name, "description": None, "source": "GARMIN_CONNECT",
        "moving_time": int(minutes * 60), "elapsed_time": int(minutes * 60) + 40,
        "distance": distance, "average_speed": distance / (minutes * 60) if distance else None,
        "average_heartrate": 141, "athlete_max_hr": 188, "icu_training_load": 52,
        "icu_hr_zone_times": zones if zones is not None else [900, 1500, 240, 30, 0, 0, 0],
        "interval_summary": [], "icu_ctl": 48.1, "icu_atl": 55.3, **extra,
    }


def strava_stub(ident: str, start: datetime, **extra: Any) -> dict[str, Any]:
    """What intervals.icu lists for an activity it imported from Strava (some stubs carry
    ``type``, ``name`` and ``start_date`` too, never a duration or data)."""
    return {"id": ident, "start_date_local": start.astimezone(TZ).replace(
        tzinfo=None).isoformat(), "source": "STRAVA",
        "_note": "STRAVA activities are not available via the API", **extra}


def history() -> list[dict[str, Any]]:
    """Three weeks of running, a lift, a ride and a Strava stub, before ``NOW``."""
    out = []
    for days in (20, 18, 16, 13, 11, 9, 6, 4):
        out.append(activity(f"i9{days:03d}", NOW - timedelta(days=days, hours=5)))
    out.append(activity("i8001", NOW - timedelta(days=2, hours=4), name="Track session",
                        minutes=50, distance=10000,
                        zones=[600, 900, 300, 900, 300, 0, 0],
                        interval_summary=["1x 15m 138bpm", "6x 3m 172bpm", "1x 10m 135bpm"]))
    out.append(activity("i8002", NOW - timedelta(days=1, hours=3), name="Sunday long one",
                        minutes=125, distance=24000))
    out.append(activity("i8003", NOW - timedelta(days=3, hours=2), kind="WeightTraining",
                        name="Gym", minutes=50, distance=0, zones=[]))
    out.append(activity("i8004", NOW - timedelta(days=5), kind="Ride", name="Commute"))
    out.append(strava_stub("16589160080", NOW - timedelta(days=7)))
    out.append(strava_stub("16589160081", NOW - timedelta(days=8), type="Run",
                           name="Morning Run", icu_athlete_id="i12345"))
    return out


def wellness(today_hrv: float | None, readiness: int | None = None) -> list[dict[str, Any]]:
    days = []
    for back in range(28, 0, -1):
        d = (NOW - timedelta(days=back)).date().isoformat()
        days.append({"id": d, "restingHR": 48, "hrv": 62.0 + (back % 5), "hrvSDNN": None,
                     "readiness": None, "sleepSecs": 27000, "sleepScore": 81,
                     "updated": f"{d}T06:10:00.000+00:00"})
    days.append({"id": NOW.date().isoformat(), "restingHR": 55, "hrv": today_hrv,
                 "readiness": readiness, "sleepSecs": 21600, "sleepScore": 60,
                 "updated": f"{NOW.date().isoformat()}T06:12:00.000+00:00"})
    return days
