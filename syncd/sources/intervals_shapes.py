"""Turn intervals.icu's activities, wellness days and calendar events into syncd's records.

Field names follow intervals.icu's OpenAPI description (https://intervals.icu/api/v1/docs,
schemas ``Activity``, ``Wellness``, ``Event``) as recorded responses in public projects show
them: an activity has ``id`` ("i123..."), ``start_date`` (UTC, "Z") and ``start_date_local``,
``type`` ("Run", "TrailRun", "VirtualRun", "WeightTraining"), ``moving_time``/``elapsed_time``
in seconds, ``distance`` in metres, ``average_speed``, ``average_heartrate``,
``athlete_max_hr``, ``icu_training_load``, ``icu_hr_zone_times`` (seconds per HR zone, 5 to
7 zones) and ``interval_summary`` (lines such as "4x 5m 172bpm"). Activities imported from
Strava come back as stubs (``id``, ``start_date_local``, ``source`` "STRAVA" and a ``_note``,
sometimes a ``type`` and ``name``, never a duration): they are skipped, not misread. A
wellness day has ``id`` (the date), ``hrv`` (rMSSD, ms), ``restingHR``, ``readiness``,
``sleepSecs``, ``sleepScore``. An event has ``id``, ``start_date_local`` (no offset),
``category`` ("WORKOUT", "RACE_A", "NOTE"...), ``type``, ``name``, ``description``,
``moving_time``, ``distance`` and ``external_id``.

Evidence (facts only): tests/integration/fake_intervals_icu.py lists the public sources.
A malformed entry is skipped with a reason, never a crash.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.classify import Evidence, History, classify, is_run
from syncd.model import Readiness, Run, RunStatus
from syncd.text import clean_title

# intervals.icu's sport types, in the classifier's vocabulary (Garmin's type keys).
TYPE_KEYS = {
    "Run": "running", "TrailRun": "trail_running", "VirtualRun": "treadmill_running",
    "WeightTraining": "strength_training",
}
MAX_SECONDS = 12 * 3600.0  # no run or planned run lasts longer; a bigger figure is wrong
HRV_BASELINE_DAYS = 28
HRV_MIN_READINGS = 7
TEXT_MAX = 2000


class BadEntry(ValueError):
    """An entry without the fields every one of its kind must have."""


def num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value == value and abs(value) < 1e12 else None


def type_key(entry: dict[str, Any]) -> str:
    raw = entry.get("type")
    return TYPE_KEYS.get(raw, "") if isinstance(raw, str) else ""


def activity_start(act: dict[str, Any], tz: ZoneInfo) -> datetime:
    """UTC from ``start_date``; else ``start_date_local`` read in the athlete's zone."""
    for key, zone in (("start_date", UTC), ("start_date_local", tz)):
        raw = act.get(key)
        if not isinstance(raw, str) or len(raw) > 40:
            continue
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise BadEntry(f"{key} {raw[:40]!r} is not a time") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        return when.astimezone(UTC).replace(microsecond=0)
    raise BadEntry("no start_date")


def _zones(act: dict[str, Any]) -> tuple[float, ...]:
    """Five zones, the classifier's: zones 5 and above (Z5a-c, or 6 and 7) are one."""
    raw = act.get("icu_hr_zone_times")
    if not isinstance(raw, list) or not 5 <= len(raw) <= 10:
        return ()
    secs = [num(x) for x in raw]
    if any(s is None or s < 0 for s in secs):
        return ()
    vals = [s or 0.0 for s in secs]
    return (*vals[:4], sum(vals[4:]))


def _text(value: Any) -> str:
    return value[:TEXT_MAX] if isinstance(value, str) else ""


def _intervals(act: dict[str, Any]) -> str:
    """The interval summary as words the keyword step reads ("4x 5m ..." are repeats)."""
    raw = act.get("interval_summary")
    if not isinstance(raw, list):
        return ""
    lines = [x[:80] for x in raw[:20] if isinstance(x, str)]
    repeats = [x for x in lines if x.split("x", 1)[0].strip().isdigit()
               and int(x.split("x", 1)[0]) >= 2]
    return ("intervals: " + "; ".join(repeats)) if repeats else ""


def evidence(act: dict[str, Any]) -> Evidence:
    desc = " ".join(p for p in (_text(act.get("description")), _intervals(act)) if p)
    return Evidence(
        title=_text(act.get("name")),
        description=desc,
        type_key=type_key(act),
        duration_s=num(act.get("moving_time")) or num(act.get("elapsed_time")),
        distance_m=num(act.get("distance")),
        avg_speed=num(act.get("average_speed")),
        hr_zone_s=_zones(act),
        avg_hr=num(act.get("average_heartrate")),
        max_hr=num(act.get("athlete_max_hr")),
    )


def history_for(runs: list[Run], start: datetime) -> History:
    from syncd.model import RunKind

    window = [r for r in runs if start - timedelta(days=28) <= r.start < start]
    return History(
        durations_s=tuple(r.duration.total_seconds() for r in window),
        easy_speeds=tuple(r.distance_m / r.duration.total_seconds() for r in window
                          if r.kind is RunKind.EASY and r.distance_m
                          and r.duration.total_seconds() > 0))


def _moving(act: dict[str, Any]) -> float | None:
    moving = num(act.get("moving_time"))
    return None if moving is None or moving <= 0 else min(moving, MAX_SECONDS)


def activity_run(act: dict[str, Any], tz: ZoneInfo, history: History) -> Run:
    start = activity_start(act, tz)
    ev = evidence(act)
    seconds = min(num(act.get("elapsed_time")) or ev.duration_s or 0.0, MAX_SECONDS)
    kind, reason = classify(ev, history)
    load = num(act.get("icu_training_load"))
    if load is not None:
        reason = f"{reason}; load {load:.0f}"
    return Run(id=f"intervals_icu:{str(act.get('id'))[:64]}", source="intervals_icu", start=start,
               end=start + timedelta(seconds=max(seconds, 60.0)), kind=kind,
               status=RunStatus.COMPLETED, title=clean_title(ev.title) or "Run",
               reason=reason, distance_m=ev.distance_m, detail=ev.richness,
               moving_s=_moving(act))  # the merge compares moving times too


def readiness(days: list[dict[str, Any]], today: date) -> Readiness | None:
    """Today's readiness: intervals.icu's ``readiness`` score, and an HRV status made from
    today's HRV against the athlete's own 28 days (below mean − 1 SD is "LOW", as Garmin's
    HRV status is below the athlete's baseline), when there are enough readings."""
    by_day: dict[str, dict[str, Any]] = {}
    for d in days:
        if isinstance(d, dict) and isinstance(d.get("id"), str):
            by_day[d["id"][:10]] = d
    entry = by_day.get(today.isoformat())
    if entry is None:
        return None
    score_raw = num(entry.get("readiness"))
    score = int(score_raw) if score_raw is not None and 0 <= score_raw <= 100 else None
    hrv = num(entry.get("hrv"))
    past = [v for k, d in by_day.items()
            if (today - timedelta(days=HRV_BASELINE_DAYS)).isoformat() <= k < today.isoformat()
            and (v := num(d.get("hrv"))) is not None and v > 0]
    status = None
    if hrv is not None and hrv > 0 and len(past) >= HRV_MIN_READINGS:
        mean, sd = statistics.fmean(past), statistics.pstdev(past)
        status = "LOW" if hrv < mean - sd else "BALANCED"
    if score is None and status is None:
        return None
    return Readiness(today, score, status, "intervals_icu")


def event_start(ev: dict[str, Any], tz: ZoneInfo) -> tuple[datetime, bool]:
    """The event's start in the athlete's zone, and whether its time of day is known
    (intervals.icu gives a day-only event midnight)."""
    raw = ev.get("start_date_local")
    if not isinstance(raw, str) or len(raw) > 40:
        raise BadEntry("no start_date_local")
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise BadEntry(f"start_date_local {raw[:40]!r} is not a time") from None
    known = (when.hour, when.minute, when.second) != (0, 0, 0)
    return when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz), known


def planned_run(ev: dict[str, Any], tz: ZoneInfo) -> Run | None:
    """A WORKOUT event for a run as a planned run; anything else None."""
    if ev.get("category") != "WORKOUT" or not is_run(type_key(ev)):
        return None
    start, known = event_start(ev, tz)
    e = Evidence(title=_text(ev.get("name")), description=_text(ev.get("description")),
                 type_key=type_key(ev), duration_s=num(ev.get("moving_time")),
                 distance_m=num(ev.get("distance")))
    kind, reason = classify(e)
    seconds = min(max(e.duration_s or 3600.0, 600.0), MAX_SECONDS)
    return Run(id=f"intervals_icu:event:{str(ev.get('id'))[:64]}", source="intervals_icu",
               start=start, end=start + timedelta(seconds=seconds), kind=kind,
               status=RunStatus.PLANNED, title=clean_title(e.title) or "Run", reason=reason,
               time_known=known, distance_m=e.distance_m, detail=e.richness)
