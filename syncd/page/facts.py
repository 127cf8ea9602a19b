"""What the page shows, gathered in one value: the plan, the season, the state's health.

``page_facts`` reads only what the caller already has open (the cycle's state, or the scratch
state of `syncd plan`), so the page costs no extra request to any server. The feed URLs come
from the token file the feed server uses, never from a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from syncd import __version__, problems
from syncd.model import Session
from syncd.page.season import Week, season_weeks
from syncd.planner import Plan, PlanInputs

if TYPE_CHECKING:
    from syncd.config.loader import Config
    from syncd.state import State


@dataclass(frozen=True)
class Health:
    """One source or calendar as `syncd status` shows it."""

    name: str
    last_run: str | None
    last_ok: str | None
    error: str | None
    next_try: str | None
    detail: str | None


@dataclass(frozen=True)
class PageFacts:
    plan: Plan
    weeks: tuple[Week, ...]
    athlete: str
    version: str
    last_cycle: str | None
    cycle_error: str | None
    components: tuple[Health, ...]
    problems: tuple[problems.Problem, ...]
    warnings: tuple[str, ...]
    feed_urls: tuple[tuple[str, str], ...]
    horizon_days: int


def page_facts(config: Config, state: State, inputs: PlanInputs, p: Plan,
               warnings: list[str], state_dir: Path | None) -> PageFacts:
    tz = inputs.athlete.tz
    weeks = season_weeks(p.now.astimezone(tz).date(), inputs.races, inputs.rules,
                         inputs.athlete, _all_sessions(state, p), inputs.completed_runs, tz)
    comps = state.components()
    cycle = next((c for c in comps if c.name == "cycle"), None)
    return PageFacts(
        plan=p, weeks=tuple(weeks),
        athlete=str(config.values.get("athlete", {}).get("name") or ""),
        version=__version__,
        last_cycle=cycle.last_run if cycle else None,
        cycle_error=cycle.last_error if cycle else None,
        components=tuple(Health(c.name, c.last_run, c.last_ok, c.last_error, c.next_try,
                                c.detail) for c in comps if c.name != "cycle"),
        problems=tuple(problems.recent(state)[-10:]),
        warnings=tuple(warnings or json.loads(state.get("cycle", "warnings") or "[]")),
        feed_urls=_feed_urls(config, state_dir),
        horizon_days=config.horizon_days)


def _all_sessions(state: State, p: Plan) -> tuple[Session, ...]:
    """The plan's sessions, and the older ones the state remembers (done, missed)."""
    planned = {s.uid: s for s in p.sessions}
    older = [s for s in state.sessions() if s.uid not in planned]
    return tuple(older) + tuple(planned.values())


def _feed_urls(config: Config, state_dir: Path | None) -> tuple[tuple[str, str], ...]:
    if config.feed is None or state_dir is None:
        return ()
    from syncd.feed.control import subscription_urls
    from syncd.feed.files import read_token

    token = read_token(state_dir)
    if token is None:
        return ()
    return tuple(subscription_urls(config.feed, token).items())


def when(text: str | None, tz_name: str) -> str:
    """An instant from the state as the athlete reads it."""
    if not text:
        return "never"
    from zoneinfo import ZoneInfo

    return f"{datetime.fromisoformat(text).astimezone(ZoneInfo(tz_name)):%a %d %b %H:%M}"
