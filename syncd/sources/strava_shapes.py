"""Strava's activity summaries (``SummaryActivity``) as runs and strength work.

Fields read, as Strava's API reference documents ``SummaryActivity`` (developers.strava.com
/docs/reference, #api-models-SummaryActivity; stravalib types the same fields in its
``SummaryActivity`` model): ``id`` (integer), ``name``, ``sport_type`` (e.g. "Run",
"TrailRun", "VirtualRun", "WeightTraining"; the older ``type`` is its coarse, deprecated
form), ``start_date`` (ISO 8601 UTC, "2026-11-20T06:31:12Z"), ``moving_time`` and
``elapsed_time`` (integer seconds), ``distance`` (metres, float), ``average_speed`` (m/s),
``average_heartrate`` (only with ``has_heartrate``), ``trainer`` (indoor, on a treadmill),
``workout_type`` (for runs: 0 default, 1 race, 2 long run, 3 workout).

The run occupies its wall clock (``elapsed_time``, as a FIT file's); the moving time is the
classifier's duration and the merge's second length (syncd/sources/merge.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.classify import Evidence, History, Keywords, classify
from syncd.model import Run, RunKind, RunStatus, StrengthActivity

log = logging.getLogger(__name__)
HISTORY_DAYS = 28
RUN_SPORTS = {"Run": "running", "TrailRun": "trail_running", "VirtualRun": "virtual_run"}
STRENGTH_SPORTS = frozenset({"WeightTraining"})
RACE_WORKOUT = 1
MAX_NAME = 200


class BadSummary(ValueError):
    """A summary without the fields every activity must have."""


def _num(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    return float(value) if ok else None


def sport(act: dict[str, Any]) -> str:
    value = act.get("sport_type") or act.get("type")
    return value if isinstance(value, str) else ""


def parse_start(act: dict[str, Any]) -> datetime:
    raw = act.get("start_date")
    if not isinstance(raw, str) or len(raw) > 40:
        raise BadSummary("no start_date")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadSummary(f"start_date {raw[:40]!r} is not a time") from None
    if value.tzinfo is None:
        raise BadSummary(f"start_date {raw!r} has no offset")
    return value.astimezone(UTC).replace(microsecond=0)


def ident(act: dict[str, Any]) -> str:
    value = act.get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadSummary("no id")
    return str(value)


def type_key(act: dict[str, Any]) -> str:
    key = RUN_SPORTS.get(sport(act), "")
    return "treadmill_running" if key == "running" and act.get("trainer") is True else key


def evidence(act: dict[str, Any]) -> Evidence:
    name = act.get("name")
    return Evidence(
        title=name[:MAX_NAME] if isinstance(name, str) else "",
        type_key=type_key(act),
        is_race=act.get("workout_type") == RACE_WORKOUT,
        duration_s=_num(act.get("moving_time")) or _num(act.get("elapsed_time")),
        distance_m=_num(act.get("distance")),
        avg_speed=_num(act.get("average_speed")),
        avg_hr=_num(act.get("average_heartrate")) if act.get("has_heartrate") is not False
        else None,
    )


def to_record(act: dict[str, Any], history: History, keywords: Keywords | None
              ) -> Run | StrengthActivity | None:
    """A run, a strength activity, or None for anything else (a ride, a walk)."""
    kind_of = sport(act)
    if kind_of not in RUN_SPORTS and kind_of not in STRENGTH_SPORTS:
        return None
    start = parse_start(act)
    elapsed = _num(act.get("elapsed_time")) or _num(act.get("moving_time")) or 0.0
    end = start + timedelta(seconds=max(elapsed, 60.0))
    rid = f"strava:{ident(act)}"
    ev = evidence(act)
    if kind_of in STRENGTH_SPORTS:
        return StrengthActivity(id=rid, source="strava", start=start, end=end,
                                title=ev.title or "Weight training")
    kind, reason = classify(ev, history, keywords)
    return Run(id=rid, source="strava", start=start, end=end, kind=kind,
               status=RunStatus.COMPLETED, title=ev.title or kind_of, reason=reason,
               distance_m=ev.distance_m, detail=ev.richness,
               moving_s=_num(act.get("moving_time")))


def records(acts: Iterable[dict[str, Any]], keywords: Keywords | None = None
            ) -> tuple[list[Run], list[StrengthActivity]]:
    """Classify oldest first, each run against the 4 weeks of runs before it; a malformed
    summary is skipped with a warning naming it."""
    good: list[tuple[datetime, dict[str, Any]]] = []
    for act in acts:
        try:
            good.append((parse_start(act), act))
        except BadSummary as exc:
            log.warning("skipped Strava activity %s: %s", str(act.get("id", "?"))[:30], exc)
    good.sort(key=lambda p: p[0])
    runs: list[Run] = []
    lifts: list[StrengthActivity] = []
    for start, act in good:
        recent = [r for r in runs if start - timedelta(days=HISTORY_DAYS) <= r.start < start]
        history = History(
            durations_s=tuple(r.moving_s or r.duration.total_seconds() for r in recent),
            easy_speeds=tuple(r.distance_m / (r.moving_s or r.duration.total_seconds())
                              for r in recent if r.kind is RunKind.EASY and r.distance_m))
        try:
            rec = to_record(act, history, keywords)
        except BadSummary as exc:
            log.warning("skipped Strava activity %s: %s", str(act.get("id", "?"))[:30], exc)
            continue
        if isinstance(rec, Run):
            runs.append(rec)
        elif isinstance(rec, StrengthActivity):
            lifts.append(rec)
    return runs, lifts
