"""What was actually lifted: sets → per-lift history → estimated 1RM → today's load, bounded.

Pure (no clock, file or network): it reads the sets a watch recorded (``LiftedSet``, from
Garmin's exerciseSets or a FIT file's ``set`` messages) and the sessions that were planned.

* A set counts for a lift only when it is an ACTIVE set with reps and a weight, and the
  watch's most likely guess is that lift's exact Garmin exercise at ``MIN_PROBABILITY`` or
  more (some watches report 0-1, read as percent). A category without a name, UNKNOWN, or a
  low-probability guess never counts by itself: a wrong guess must not move a load. When the
  watch is not sure, a set recorded on the lift's step of the scheduled workout
  (``wktStepIndex``, ``step_exercises``) is that lift: the runner was told what to do.
* The estimated one-rep max is Epley's, ``kg × (1 + reps / 30)``, from sets of 1-10 reps
  only (the formula overestimates beyond), the best set of the most recent session that has
  one: recent strength is what today's load should follow.
* Today's load is the session's percentage of that e1RM, rounded to 2.5 kg, and bounded by
  the last session's top working weight: never more than one progression step above it
  (``pct_step`` of the e1RM, at least 2.5 kg); never above it after a session with missed
  reps; one step below it after two sessions in a row with missed reps.
* Matching: an activity whose sets carry ``wktStepIndex`` followed the workout scheduled on
  its day, so it is that day's session; without them, the planned session nearest in time
  within ``MATCH_HOURS``. It is then done (every planned exercise, every set, every rep),
  partial (what was missed is named) or replaced (none of the planned exercises was done),
  judged on every exercise with a named Garmin id (``JUDGED_IDS``), not only the barbell lifts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from syncd.model import Exercise, LiftedSet, Session, StrengthActivity
from syncd.planner.garmin_ids import EXERCISES, GarminId

MIN_PROBABILITY = 50.0
MAX_EPLEY_REPS = 10
MATCH_HOURS = 6.0
KEEP_SESSIONS = 6  # per lift: the recent sessions kept
LOAD_STEP_KG = 2.5
# The lifts whose load comes from a one-rep max, by the Garmin exercise the workout names
# (taken from the one table the workout sink uses too, syncd/planner/garmin_ids.py).
LIFT_IDS: dict[str, GarminId] = {
    name: EXERCISES[name]
    for name in ("Back squat", "Front squat", "Romanian deadlift", "Trap-bar deadlift")}
# The exercises a session is judged on (done / partial / replaced): every one the workout
# names with a Garmin exercise. A category-only pick ("PLYO", "") is not: the watch's guess is
# never sure of a category alone (``confident_id``), so a done set could not be told from a
# missed one without a followed workout.
JUDGED_IDS: dict[str, GarminId] = {n: ident for n, ident in EXERCISES.items() if ident[1]}
_FIRST_INT = re.compile(r"^\s*(\d+)")
SUPERSET = "superset: alternate sets with "


@dataclass(frozen=True)
class LiftSession:
    """One lift in one activity: its working sets (reps, kg) and whether every rep the plan
    asked for was done (None: no plan to compare with)."""

    day: date
    sets: tuple[tuple[int, float], ...]
    all_reps: bool | None = None

    @property
    def top_kg(self) -> float:
        return max(kg for _, kg in self.sets)

    def e1rm(self) -> float | None:
        fits = [epley(kg, reps) for reps, kg in self.sets if 1 <= reps <= MAX_EPLEY_REPS]
        return max(fits) if fits else None

    def describe(self) -> str:
        reps = {r for r, _ in self.sets}
        kgs = {kg for _, kg in self.sets}
        dose = f"{len(self.sets)} × {reps.pop()}" if len(reps) == 1 else \
            ", ".join(str(r) for r, _ in self.sets)
        at = f"{kgs.pop():g} kg" if len(kgs) == 1 else f"up to {self.top_kg:g} kg"
        done = {True: ", all reps", False: ", missed reps", None: ""}[self.all_reps]
        return f"{dose} at {at}{done}"


@dataclass(frozen=True)
class LoadAdvice:
    kg: float
    e1rm: float
    last: LiftSession
    bound: str  # "" or why the bound applied

    def explain(self) -> str:
        why = f" ({self.bound})" if self.bound else ""
        return (f"last time: {self.last.describe()}; e1RM {self.e1rm:.0f} kg → today "
                f"{self.kg:g} kg{why}")


@dataclass(frozen=True)
class Outcome:
    """How a planned session went, from the sets of the activity matched to it."""

    uid: str
    activity_id: str
    status: str  # "done", "partial" or "replaced"
    missed: tuple[str, ...] = ()


def epley(kg: float, reps: int) -> float:
    return kg * (1 + reps / 30)


def round_load(kg: float, step: float = LOAD_STEP_KG) -> float:
    return round(kg / step) * step


def confident_id(s: LiftedSet) -> GarminId | None:
    """The watch's most likely exercise, if it names one and is sure enough."""
    if not s.guesses:
        return None
    scale = 100.0 if all(g.probability <= 1.0 for g in s.guesses) else 1.0
    best = max(s.guesses, key=lambda g: g.probability)
    if best.probability * scale < MIN_PROBABILITY or not best.name or best.name == "UNKNOWN":
        return None
    return best.category, best.name


def superset_blocks(exercises: Sequence[Exercise]) -> list[list[Exercise]]:
    """Exercises in order, the two lifts of a superset (each one's note names the other)
    together: the blocks of the workout on the watch (``syncd.sinks.garmin_steps``)."""
    out: list[list[Exercise]] = []
    for e in exercises:
        last = out[-1] if out else []
        if len(last) == 1 and f"{SUPERSET}{e.name}" in last[0].note \
                and f"{SUPERSET}{last[0].name}" in e.note:
            last.append(e)
        else:
            out.append([e])
    return out


def step_exercises(session: Session) -> dict[int, str]:
    """wktStepIndex → exercise, for the workout syncd put on the watch for this session.

    Indexed in the FIT workout-step order: the warm-up is 0, and a repeat step follows the
    steps it repeats (a public recording of a followed run workout shows warm-up 0, interval
    1, recovery 2 for warm-up, 2 × [interval, recovery]). A test builds the workout with the
    sink and checks this table against it."""
    out: dict[int, str] = {}
    index = 1

    def group(block: list[Exercise]) -> None:
        nonlocal index
        for e in block:
            out[index] = e.name
            index += 1
        index += (1 if sum(e.rest_s for e in block) > 0 else 0) + 1  # the rest, the repeat

    for block in superset_blocks(session.exercises):
        group(block)
        rounds = min(max(1, e.sets) for e in block)
        for e in block:
            if len(block) > 1 and max(1, e.sets) > rounds:
                group([e])
    return out


def _is(s: LiftedSet, ident: GarminId, name: str, steps: Mapping[int, str]) -> bool:
    """The set was this lift: the watch is sure of it, or it is not sure of anything and the
    set was recorded on this lift's step of the scheduled workout."""
    sure = confident_id(s)
    if sure is not None:
        return sure == ident
    return s.step_index is not None and steps.get(s.step_index) == name


def working_sets(sets: Iterable[LiftedSet], ident: GarminId, name: str = "",
                 steps: Mapping[int, str] | None = None) -> list[tuple[int, float]]:
    return [(s.reps, s.weight_kg) for s in sets
            if s.active and s.reps and s.weight_kg and s.weight_kg > 0
            and _is(s, ident, name, steps or {})]


def planned_reps(e: Exercise) -> int | None:
    """The reps a set of this exercise asks for ("6 each leg" is 12), None for timed ones."""
    m = _FIRST_INT.match(e.reps)
    if m is None or re.search(r"\d\s*(s|sec|min|m)\b", e.reps):
        return None
    return int(m.group(1)) * (2 if "each" in e.reps else 1)


def lift_history(activities: Iterable[StrengthActivity], tz: ZoneInfo,
                 outcomes: Mapping[str, Session] | None = None,
                 ids: Mapping[str, GarminId] = LIFT_IDS) -> dict[str, tuple[LiftSession, ...]]:
    """Per lift, its recent sessions, oldest first. ``outcomes`` (activity id → the planned
    session it was matched to) says whether the planned reps were all done."""
    out: dict[str, list[LiftSession]] = {}
    for act in sorted(activities, key=lambda a: a.start):
        plan = (outcomes or {}).get(act.id)
        steps = step_exercises(plan) if plan else {}
        for lift, ident in ids.items():
            sets = working_sets(act.sets, ident, lift, steps)
            if not sets:
                continue
            all_reps = None
            planned = next((e for e in plan.exercises if e.name == lift), None) if plan \
                else None
            target = planned_reps(planned) if planned else None
            if planned is not None and target is not None:
                all_reps = len(sets) >= planned.sets and all(r >= target for r, _ in sets)
            out.setdefault(lift, []).append(
                LiftSession(act.start.astimezone(tz).date(), tuple(sets), all_reps))
    return {k: tuple(v[-KEEP_SESSIONS:]) for k, v in out.items()}


def advise(history: Sequence[LiftSession], pct: float, step_pct: float) -> LoadAdvice | None:
    """Today's load from the recent sessions of one lift, or None without evidence."""
    with_e1rm = [s for s in history if s.e1rm() is not None]
    if not with_e1rm:
        return None
    e1rm = with_e1rm[-1].e1rm() or 0.0
    last = history[-1]
    step = max(LOAD_STEP_KG, round_load(e1rm * step_pct / 100))
    kg = round_load(e1rm * pct / 100)
    bound = ""
    if len(history) >= 2 and history[-1].all_reps is False and history[-2].all_reps is False:
        kg, bound = last.top_kg - step, "two sessions with missed reps: one step down"
    elif last.all_reps is False and kg > last.top_kg:
        kg, bound = last.top_kg, "reps missed last time: no increase"
    elif kg > last.top_kg + step:
        kg, bound = last.top_kg + step, "at most one step up a session"
    return LoadAdvice(max(LOAD_STEP_KG, kg), e1rm, last, bound)


def told(exercises: Iterable[Exercise]) -> list[str]:
    """"Back squat: last time: … e1RM … → today …" for each exercise whose load came from
    what was lifted (the last part of its note, as ``LoadAdvice.explain`` wrote it)."""
    return [f"{e.name}: {e.note[e.note.index('last time:'):]}" for e in exercises
            if "last time:" in e.note]


def match_session(act: StrengthActivity, sessions: Sequence[Session], tz: ZoneInfo
                  ) -> Session | None:
    """The planned session this activity was: the one on its day when it followed a
    scheduled workout (its sets carry wktStepIndex), else the nearest within MATCH_HOURS."""
    lifting = [s for s in sessions if s.kind.is_lifting or s.exercises]
    day = act.start.astimezone(tz).date()
    if any(s.step_index is not None for s in act.sets):
        same_day = [s for s in lifting if s.start.astimezone(tz).date() == day]
        if same_day:
            return min(same_day, key=lambda s: _gap(s.start, act.start))
    near = [s for s in lifting if _gap(s.start, act.start) <= MATCH_HOURS * 3600]
    return min(near, key=lambda s: _gap(s.start, act.start)) if near else None


def _gap(a: datetime, b: datetime) -> float:
    return abs((a - b).total_seconds())


def outcome(act: StrengthActivity, session: Session, ids: Mapping[str, GarminId]) -> Outcome:
    """Done, partial (what was missed) or replaced, exercise by exercise, for the exercises
    ``ids`` names. An activity with no recorded sets (an older watch, a manual entry) only
    says the session happened."""
    if not act.sets:
        return Outcome(session.uid, act.id, "done")
    missed: list[str] = []
    hit = judged = 0
    steps = step_exercises(session)
    for e in session.exercises:
        ident = ids.get(e.name)
        if ident is None:
            continue  # no Garmin id to hold the watch's guess against: not judged
        judged += 1
        sets = [s for s in act.sets if s.active and _is(s, ident, e.name, steps)]
        if sets:
            hit += 1
        target = planned_reps(e)
        full = [s for s in sets if target is None or (s.reps or 0) >= target]
        if len(full) < e.sets:
            what = f"{len(full)} of {e.sets} sets" if target is None or len(sets) < e.sets \
                else f"{e.sets - len(full)} set(s) short of {target} reps"
            missed.append(f"{e.name}: {what}")
    if judged and hit == 0 and any(s.active for s in act.sets):
        return Outcome(session.uid, act.id, "replaced", tuple(missed))
    return Outcome(session.uid, act.id, "partial" if missed else "done", tuple(missed))


def outcome_notes(activities: Iterable[StrengthActivity], sessions: Sequence[Session],
                  tz: ZoneInfo, ids: Mapping[str, GarminId] = JUDGED_IDS
                  ) -> list[tuple[date, str]]:
    """One line per recorded strength activity matched to a planned session, for its day."""
    out = []
    for act in activities:
        session = match_session(act, sessions, tz) if act.sets else None
        if session is None:
            continue
        result = outcome(act, session, ids)
        detail = f": {'; '.join(result.missed)}" if result.missed else ""
        label = {"done": "done as planned", "partial": "partly done",
                 "replaced": "replaced by other exercises"}[result.status]
        out.append((act.start.astimezone(tz).date(),
                    f"{session.title or session.kind.value} {label}{detail} (from the watch)"))
    return out
