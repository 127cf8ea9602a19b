"""One sync cycle: sources → user edits → planner → state → sinks.

Plan, then apply: the planner's result is compared with what syncd published before, the
differences are recorded, and only then do the sinks write. A source that fails does not stop
the cycle: its last good data (cached in the state) stands in, and the failure is recorded
for ``syncd status`` and for the exit code.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from syncd import problems
from syncd.config.loader import Config
from syncd.errors import AuthError, SyncdError, TransientError
from syncd.model import Session, SessionStatus
from syncd.planner import Plan, PlanInputs, plan
from syncd.sinks.base import Publisher, Sink, SinkReport
from syncd.sources.base import FetchWindow, Observations, Source
from syncd.sources.merge import merge_runs, merge_strength
from syncd.state import State

log = logging.getLogger(__name__)
HISTORY = timedelta(weeks=16)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)
SLOW_S = 5.0  # a component taking longer is marked slow in `syncd status`
FORCE = ("cycle", "force")  # set by the daemon on a reload or "sync now": ignore the backoff


def backoff_delay(failures: int, first: timedelta = BACKOFF_FIRST,
                  rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with ±20 % jitter: first, 2×, 4× … at most 2 hours."""
    base = min(first * (2 ** max(0, failures - 1)), BACKOFF_MAX)
    return base * (rng or random).uniform(0.8, 1.2)


class Component:
    """Backoff bookkeeping for one source or sink, kept in the state."""

    def __init__(self, state: State | None, name: str, now: datetime, honour: bool,
                 first: timedelta = BACKOFF_FIRST) -> None:
        self.state, self.name, self.now, self.honour = state, name, now, honour
        self.first = first

    def waiting(self) -> str | None:
        """Why this component is skipped this cycle, or None to run it."""
        if not self.honour or self.state is None:
            return None
        c = self.state.component(self.name)
        if c is None or not c.next_try or datetime.fromisoformat(c.next_try) <= self.now:
            return None
        return f"backing off after {c.failures} failures (next try {c.next_try}): {c.last_error}"

    def failed(self, error: str, retry_after: float | None = None) -> None:
        """Record a failure; the next try waits the backoff, or longer if the server said."""
        if self.state is None:
            return
        c = self.state.component(self.name)
        failures = (c.failures if c else 0) + 1
        delay = backoff_delay(failures, self.first)
        if retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        self.state.record_component(self.name, self.now, error, next_try=self.now + delay)
        problems.record(self.state, self.name, self.now, error)

    def ok(self, detail: str | None = None) -> None:
        if self.state is not None:
            self.state.record_component(self.name, self.now, None, detail=detail)
            if detail and "slow:" in detail:
                problems.record(self.state, self.name, self.now,
                                f"answered, but slowly (over {SLOW_S:g} s)")


@dataclass
class CycleResult:
    plan: Plan
    changes: list[str] = field(default_factory=list)
    reports: list[SinkReport] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    transient: bool = False
    failed_sinks: list[str] = field(default_factory=list)  # calendars not reached
    # What sources noticed (an event skipped, a feed cut, the running plan missing):
    # shown by `run --once` and `syncd status`, logged by the daemon.
    warnings: list[str] = field(default_factory=list)
    inputs: PlanInputs | None = None  # what the planner was given (the page draws from it)

    @property
    def next_session(self) -> Session | None:
        return next((s for s in self.plan.sessions if s.start > self.plan.now
                     and s.status is not SessionStatus.MISSED), None)


def slow_note(started: float, before: float = 0.0) -> str:
    """Said in `syncd status` of a component that answered, but slowly (a stalled server);
    an empty note clears the last one. ``before``: seconds it took earlier in the cycle."""
    took = time.monotonic() - started + before
    return f"slow: took {took:.0f} s" if took >= SLOW_S else ""


def fetch_window(config: Config, now: datetime) -> FetchWindow:
    tz = config.athlete.tz
    today = now.astimezone(tz).date()
    last = today + timedelta(days=config.horizon_days)
    last += timedelta(days=6 - last.weekday())
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    return FetchWindow(now=now, start=now - HISTORY, end=end, tz=tz)


def build_sources(config: Config, state: State) -> list[Source]:
    from syncd.sources.registry import sources_for

    return sources_for(config, state)


def build_sinks(config: Config, state: State) -> list[Sink]:
    from syncd.sinks.registry import sinks_for

    return sinks_for(config, state)


def build_publishers(config: Config, state: State) -> list[Publisher]:
    from syncd.sinks.registry import publishers_for

    return publishers_for(config, state)


def gather(sources: list[Source], window: FetchWindow, state: State | None,
           result_errors: dict[str, str], honour_backoff: bool = False,
           first: timedelta = BACKOFF_FIRST) -> tuple[Observations, bool]:
    obs = Observations()
    transient = False
    for source in sources:
        comp = Component(state, f"source:{source.name}", window.now, honour_backoff, first)
        why = comp.waiting()
        if why is None:
            started = time.monotonic()
            try:
                got = source.fetch(window)
                log.info("source %s: %s", source.name, got.summary())
                obs = obs.merge(got)
                comp.ok(detail=slow_note(started))
                continue
            except SyncdError as exc:
                transient |= isinstance(exc, TransientError)
                why = str(exc)
                _log_failure(comp, f"source {source.name}", exc)
                comp.failed(why, getattr(exc, "retry_after", None))
        else:
            transient = True
        result_errors[source.name] = why
        # A source that keeps a cache (Garmin) still feeds the planner what it last knew.
        cached = getattr(source, "cached", None)
        if callable(cached):
            obs = obs.merge(cached(window))
    # Garmin and the watch's folder report the same runs: each activity counts once.
    obs = replace(obs, completed_runs=tuple(merge_runs(obs.completed_runs)),
                  strength=tuple(merge_strength(obs.strength))).bounded()
    return obs, transient


def plan_inputs(config: Config, obs: Observations, published: list[Session],
                known: frozenset[str]) -> PlanInputs:
    return PlanInputs(
        athlete=config.athlete, rules=config.rules, races=config.races + obs.races,
        planned_runs=obs.planned_runs, completed_runs=obs.completed_runs,
        strength=obs.strength, published=tuple(published), busy=obs.busy,
        readiness=obs.readiness, horizon_days=config.horizon_days, known_uids=known)


def make_plan(config: Config, state: State, now: datetime,
              sources: list[Source] | None = None, honour_backoff: bool = True
              ) -> CycleResult:
    """Plan without touching any calendar (``syncd plan``). A source still backing off
    (after a 429, a refused login) is not called: its cache answers."""
    errors: dict[str, str] = {}
    srcs = build_sources(config, state) if sources is None else sources
    obs, transient = gather(srcs, fetch_window(config, now), state, errors, honour_backoff)
    inputs = plan_inputs(config, obs, state.sessions(), state.known_uids())
    return CycleResult(plan=plan(inputs, now), errors=errors, transient=transient,
                       warnings=list(dict.fromkeys(obs.notes)), inputs=inputs)


def run_cycle(config: Config, state: State, now: datetime, *, dry_run: bool = False,
              sources: list[Source] | None = None, sinks: list[Sink] | None = None,
              honour_backoff: bool = False, stop: Callable[[], bool] | None = None
              ) -> CycleResult:
    """One cycle. ``honour_backoff`` skips components still backing off (the daemon);
    ``stop`` is asked between writes so a shutdown finishes the write in progress only."""
    errors: dict[str, str] = {}
    if state.get(*FORCE) is not None:  # the user fixed something: retry it all now
        state.put(*FORCE, None)
        if honour_backoff:
            log.info("retrying every component now, backoff or not (reload or sync now)")
            honour_backoff = False
    srcs = build_sources(config, state) if sources is None else sources
    snks = build_sinks(config, state) if sinks is None else sinks
    if sources is None and sinks is None and not dry_run:
        state.forget_components_except({f"source:{x.name}" for x in srcs}
                                       | {f"sink:{x.name}" for x in snks})
    # The first retry waits one interval at most: a short blip costs one missed cycle.
    first = min(BACKOFF_FIRST, timedelta(minutes=config.interval_minutes))
    obs, transient = gather(srcs, fetch_window(config, now), state, errors, honour_backoff,
                            first)

    published = {s.uid: s for s in state.sessions()}
    reports: list[SinkReport] = []
    ok_sinks: list[Sink] = []
    failed: list[str] = []
    pull_took: dict[str, float] = {}
    for sink in snks:
        started = time.monotonic()
        comp = Component(state, f"sink:{sink.name}", now, honour_backoff and not dry_run, first)
        if (why := comp.waiting()) is not None:
            errors[sink.name] = why
            failed.append(sink.name)
            transient = True
            continue
        try:
            report = sink.pull(now)
        except SyncdError as exc:
            transient |= _sink_failed(sink, exc, comp, errors, failed, dry_run)
            continue
        log.info("calendar %s: read; %d of your edits to take in", sink.name,
                 len(report.changes))
        ok_sinks.append(sink)
        pull_took[sink.name] = time.monotonic() - started
        reports.append(report)
        for s in report.adopted:  # syncd's own events a lost or fresh state did not know
            published.setdefault(s.uid, s)
        _take_user_changes(published, report)

    inputs = plan_inputs(config, obs, list(published.values()), state.known_uids())
    p = plan(inputs, now)
    changes = describe_changes(list(published.values()), p, now)
    log.info("planned %d sessions (phase %s), %d changed", len(p.sessions), p.phase.value,
             len(changes))
    if not dry_run:
        _persist(state, published, p, now)
    for sink in ok_sinks:
        started = time.monotonic()
        comp = Component(state, f"sink:{sink.name}", now, honour_backoff, first)
        try:
            report = sink.push(p.sessions, now, dry_run, stop=stop)
        except SyncdError as exc:
            transient |= _sink_failed(sink, exc, comp, errors, failed, dry_run)
            continue
        log.info("calendar %s: %d writes%s", sink.name, len(report.actions),
                 " (dry run)" if dry_run else "")
        for a in report.actions:
            log.debug("calendar %s: %s", sink.name, a.describe(config.athlete.timezone))
        reports.append(report)
        if report.changes and not dry_run:
            # A write that found the event deleted (404) or edited (412) tells of the user.
            _take_user_changes(published, report)
            with state.transaction():
                for ch in report.changes:
                    if ch.uid in published:
                        state.put_session(published[ch.uid], now)
        if not dry_run:
            # What the calendar told us (replaced, frozen, refused writes) shows in status.
            notes = [w for r in reports if r.name == sink.name for w in r.warnings]
            if note := slow_note(started, pull_took[sink.name]):
                notes.append(note)
            comp.ok(detail="; ".join([f"{len(report.actions)} writes", *notes]))
    result = CycleResult(plan=p, changes=changes, reports=reports, errors=errors,
                         transient=transient, failed_sinks=failed,
                         warnings=list(dict.fromkeys(obs.notes)), inputs=inputs)
    if not dry_run:
        state.put("cycle", "warnings", json.dumps(result.warnings))
        upcoming = result.next_session
        state.record_component("cycle", now, "; ".join(f"{k}: {v}" for k, v in errors.items())
                               or None, detail=(f"next: {upcoming.title} "
                                                f"{upcoming.start.isoformat()}")
                               if upcoming else "next: none planned")
        _publish(build_publishers(config, state), inputs, p, result.warnings)
    return result


def _publish(publishers: list[Publisher], inputs: PlanInputs, p: Plan,
             warnings: list[str]) -> None:
    """Pages and the like show the cycle that just ended; one that fails is logged and the
    cycle's result stands (nothing in the calendar depends on it)."""
    for pub in publishers:
        try:
            pub.publish(inputs, p, warnings)
        except (OSError, SyncdError) as exc:
            log.error("%s: not written: %s", pub.name, exc)


def _log_failure(comp: Component, what: str, exc: SyncdError,
                 level: int = logging.WARNING) -> None:
    """Say a failure when it starts or changes, not on every cycle it lasts: a rejected
    login is one line, not one every few minutes (``syncd status`` shows it meanwhile)."""
    before = comp.state.component(comp.name) if comp.state is not None else None
    if before is not None and before.failures and before.last_error == str(exc):
        log.info("%s: still %s", what, exc)
        return
    log.log(level, "%s: %s", what, exc)


def _sink_failed(sink: Sink, exc: SyncdError, comp: Component, errors: dict[str, str],
                 failed: list[str], dry_run: bool) -> bool:
    """Record a calendar's failure, pull or push alike; True if worth retrying soon.

    A refused login is an error the user must act on; anything else is a warning."""
    errors[sink.name] = str(exc)
    failed.append(sink.name)
    _log_failure(comp, f"calendar {sink.name}", exc, logging.ERROR if isinstance(exc, AuthError)
                 else logging.WARNING)
    if not dry_run:
        comp.failed(str(exc), getattr(exc, "retry_after", None))
    return isinstance(exc, TransientError)


def _take_user_changes(published: dict[str, Session], report: SinkReport) -> None:
    """R11: an event the user moved or edited is pinned where it is; a deleted one declined."""
    for ch in report.changes:
        old = published.get(ch.uid)
        if old is None:
            continue
        if ch.pinned and ch.start and ch.end:
            published[ch.uid] = replace(old, status=SessionStatus.PINNED, start=ch.start,
                                        end=ch.end)
        elif not ch.pinned:
            published[ch.uid] = replace(old, status=SessionStatus.DECLINED)


def _persist(state: State, published: dict[str, Session], p: Plan, now: datetime) -> None:
    in_plan = {s.uid for s in p.sessions}
    with state.transaction():
        for s in p.sessions:
            state.put_session(s, now)
        for uid, s in published.items():
            if uid in in_plan:
                continue
            if s.status is SessionStatus.PLANNED and s.start > now:
                state.delete_session(uid)
            else:
                state.put_session(s, now)


def describe_changes(before: list[Session], p: Plan, now: datetime) -> list[str]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(p.timezone)

    def when(s: Session) -> str:
        return f"{s.start.astimezone(tz):%a %d %b %H:%M}"

    old = {s.uid: s for s in before}
    lines = []
    for s in p.sessions:
        o = old.get(s.uid)
        if o is None:
            if s.status is SessionStatus.PLANNED:
                lines.append(f"new      {s.title:<26} {when(s)}")
        elif o.status is not s.status and s.status in (SessionStatus.DONE, SessionStatus.MISSED,
                                                       SessionStatus.PINNED):
            lines.append(f"{s.status.value:<8} {s.title:<26} {when(s)}")
        elif (o.start, o.end) != (s.start, s.end):
            lines.append(f"moved    {s.title:<26} {when(o)} → {when(s)}")
        elif o.kind is not s.kind or o.exercises != s.exercises or o.title != s.title:
            lines.append(f"updated  {s.title:<26} {when(s)}")
    shown = {s.uid for s in p.sessions}
    for o in before:
        if o.uid not in shown and o.status is SessionStatus.PLANNED and o.start > now:
            lines.append(f"removed  {o.title:<26} {when(o)}")
    return lines
