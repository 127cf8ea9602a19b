"""`syncd status`'s "what you lifted": per lift the last working sets and the estimated 1RM,
and how the last recorded strength session went against its plan.

Read from the state only, as the last cycles left it: the sets cached from Garmin (the
``garmin`` scope's ``sets:<id>``) and from FIT files (``fit_files``), and the sessions table.
No network, no folder scan, no planning: the figures come from the planner's pure estimation
(``syncd.planner.lifted``) over what is stored, so they are the ones the last cycle used.
Every line is bounded: a few lifts, a few missed exercises, short names.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncd.model import Session, StrengthActivity
from syncd.planner.lifted import (
    JUDGED_IDS,
    LIFT_IDS,
    lift_history,
    match_session,
    outcome,
)
from syncd.sources.fit_folder import stored_strength
from syncd.sources.garmin import stored_activities
from syncd.sources.merge import merge_strength
from syncd.state import State

LOOK_BACK = timedelta(days=60)  # as far back as the planner looks for a lift's history
MAX_MISSED = 4  # missed exercises named; the rest are counted
MAX_CHARS = 160  # a line


def recorded(state: State, now: datetime, tz: ZoneInfo) -> list[StrengthActivity]:
    """The strength activities with recorded sets, from every source's cache, each once."""
    since = now - LOOK_BACK
    _, garmin = stored_activities(state, since, tz)
    lifts = merge_strength([*garmin, *stored_strength(state, since)])
    return [a for a in lifts if a.sets and a.start <= now]


def lifted_lines(activities: list[StrengthActivity], sessions: list[Session], tz: ZoneInfo
                 ) -> list[str]:
    """The section's lines (none without recorded sets)."""
    matched = {a.id: m for a in activities if (m := match_session(a, sessions, tz))}
    history = lift_history(activities, tz, matched)
    out = []
    for lift in LIFT_IDS:
        kept = history.get(lift)
        if not kept:
            continue
        last = kept[-1]
        e1rm = next((x for s in reversed(kept) if (x := s.e1rm()) is not None), None)
        est = f"; e1RM {e1rm:.0f} kg" if e1rm is not None else "; no e1RM (over 10 reps)"
        out.append(f"  {lift}: {last.day:%a %d %b} {last.describe()}{est}"[:MAX_CHARS])
    last_act = max((a for a in activities if a.id in matched), key=lambda a: a.start,
                   default=None)
    if last_act is not None:
        session = matched[last_act.id]
        result = outcome(last_act, session, JUDGED_IDS)
        said = {"done": "done as planned", "partial": "partly done",
                "replaced": "replaced by other exercises"}[result.status]
        missed = list(result.missed[:MAX_MISSED])
        if len(result.missed) > MAX_MISSED:
            missed.append(f"… and {len(result.missed) - MAX_MISSED} more")
        detail = f": {'; '.join(missed)}" if missed else ""
        when = last_act.start.astimezone(tz)
        out.append(f"  last strength session ({when:%a %d %b}, {session.title[:60]}): "
                   f"{said}{detail}"[:MAX_CHARS * 2])
    return ["what you lifted (from the watch):", *out] if out else []
