"""Turn Garmin's activity summaries (the activity-list shape) into runs and strength work.

Kept apart from the network client so the demo and the tests share it, and so a malformed
or partial summary is handled in one place: it is skipped with a reason, never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.classify import Evidence, History, Keywords, classify, is_run, is_strength
from syncd.model import Run, RunKind, RunStatus, StrengthActivity

log = logging.getLogger(__name__)
HISTORY_DAYS = 28


class BadActivity(ValueError):
    """A summary without the fields every activity must have."""


def normalise(act: dict[str, Any]) -> dict[str, Any]:
    """The single-activity shape (``summaryDTO``, ``activityTypeDTO``) as a list entry."""
    if not isinstance(act.get("summaryDTO"), dict):
        return act
    flat = {**act, **act["summaryDTO"]}
    flat.setdefault("activityType", act.get("activityTypeDTO"))
    flat.setdefault("eventType", act.get("eventTypeDTO"))
    return flat


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_start(act: dict[str, Any]) -> datetime:
    raw = act.get("startTimeGMT")
    if not isinstance(raw, str):
        raise BadActivity("no startTimeGMT")
    try:
        return datetime.fromisoformat(raw.replace(" ", "T")).replace(tzinfo=UTC,
                                                                     microsecond=0)
    except ValueError:
        raise BadActivity(f"startTimeGMT {raw!r} is not a time") from None


def type_key(act: dict[str, Any]) -> str:
    t = act.get("activityType") or act.get("activityTypeDTO") or {}
    return str(t.get("typeKey", "")) if isinstance(t, dict) else ""


def evidence(act: dict[str, Any]) -> Evidence:
    act = normalise(act)
    event = act.get("eventType") or act.get("eventTypeDTO") or {}
    zones = tuple(_num(act.get(f"hrTimeInZone_{i}")) for i in range(1, 6))
    return Evidence(
        title=str(act.get("activityName") or ""),
        description=str(act.get("description") or ""),
        type_key=type_key(act),
        is_race=isinstance(event, dict) and event.get("typeKey") == "race",
        duration_s=_num(act.get("duration")),
        distance_m=_num(act.get("distance")),
        avg_speed=_num(act.get("averageSpeed")),
        te_label=act.get("trainingEffectLabel") if isinstance(
            act.get("trainingEffectLabel"), str) else None,
        anaerobic_te=_num(act.get("anaerobicTrainingEffect")),
        hr_zone_s=tuple(z for z in zones if z is not None) if all(
            z is not None for z in zones) else (),
    )


def activity_to_record(act: dict[str, Any], history: History | None = None,
                       keywords: Keywords | None = None) -> Run | StrengthActivity | None:
    """A run, a strength activity, or None for anything else (a walk, a ride).

    Instants stay in UTC; local days are computed by whoever needs them.
    """
    act = normalise(act)
    key = type_key(act)
    if not (is_run(key) or is_strength(key)):
        return None
    if "activityId" not in act:
        raise BadActivity("no activityId")
    start = parse_start(act)
    seconds = _num(act.get("duration")) or _num(act.get("elapsedDuration")) or 0.0
    end = start + timedelta(seconds=max(seconds, 60.0))
    ident = f"garmin:{act['activityId']}"
    title = str(act.get("activityName") or "")
    if is_strength(key):
        return StrengthActivity(id=ident, source="garmin", start=start, end=end, title=title)
    ev = evidence(act)
    kind, reason = classify(ev, history or History(), keywords)
    return Run(id=ident, source="garmin", start=start, end=end, kind=kind,
               status=RunStatus.COMPLETED, title=title or key.replace("_", " "),
               reason=reason, distance_m=_num(act.get("distance")), detail=ev.richness)


def records_from_activities(acts: Iterable[dict[str, Any]], tz: ZoneInfo,
                            keywords: Keywords | None = None,
                            prior: Iterable[Run] = ()) -> tuple[list[Run],
                                                                list[StrengthActivity],
                                                                list[str]]:
    """Classify a batch oldest first, each run against the 4 weeks of runs before it."""
    good: list[tuple[datetime, dict[str, Any]]] = []
    problems: list[str] = []
    for act in acts:
        if not isinstance(act, dict):
            problems.append("an activity that is not a JSON object")
            continue
        try:
            act = normalise(act)
            good.append((parse_start(act), act))
        except BadActivity as exc:
            problems.append(f"activity {act.get('activityId', '?')}: {exc}")
    good.sort(key=lambda p: p[0])
    runs: list[Run] = sorted(prior, key=lambda r: r.start)
    new_runs: list[Run] = []
    lifts: list[StrengthActivity] = []
    for start, act in good:
        window = [r for r in runs if start - timedelta(days=HISTORY_DAYS) <= r.start < start]
        history = History(
            durations_s=tuple(r.duration.total_seconds() for r in window),
            easy_speeds=tuple(r.distance_m / r.duration.total_seconds() for r in window
                              if r.kind is RunKind.EASY and r.distance_m
                              and r.duration.total_seconds() > 0))
        try:
            rec = activity_to_record(act, history, keywords)
        except BadActivity as exc:
            problems.append(f"activity {act.get('activityId', '?')}: {exc}")
            continue
        if isinstance(rec, Run):
            runs.append(rec)
            new_runs.append(rec)
        elif isinstance(rec, StrengthActivity):
            lifts.append(rec)
    for p in problems:
        log.warning("skipped %s", p)
    return new_runs, lifts, problems
