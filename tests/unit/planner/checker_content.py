"""The independent checker of the content rules C1-C6 (docs/recovery-rules.md).

It reads what the athlete sees (title, warm-up text, each exercise's load, rest and cue) and
shares nothing with ``syncd.planner``: its own patterns for jumps, reps in reserve, equipment
words and the "kg (~% of X kg 1RM)" label, its own arithmetic.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from syncd.model import Run, RunKind, SessionKind, SessionStatus
from syncd.planner import Plan, PlanInputs


def _u(dt: datetime) -> datetime:
    assert dt.tzinfo is not None, f"naive datetime {dt}"
    return dt.astimezone(UTC)


def _day(dt: datetime, tz: ZoneInfo) -> date:
    return _u(dt).astimezone(tz).date()


_TIME = re.compile(r"Time: (\d+) min warm-up \+ (\d+) min of sets = (\d+) of (\d+) min")
_LABEL = re.compile(r"^([\d.]+)(?:–([\d.]+))? kg \(~([\d.]+)(?:–([\d.]+))? % of ([\d.]+) kg 1RM\)$")
_RIR = re.compile(r"(\d+-\d+) (?:more times|reps? in reserve|reps? short of failure)")
_CARDIO = re.compile(r"min easy cardio|jog|bike|rower", re.I)
# The equipment each word in an exercise's name asks for (any one of a group will do).
_GEAR = ((re.compile(r"barbell|back squat|front squat|^romanian deadlift|pulldown", re.I),
          {"barbell"}),
         (re.compile(r"trap-bar|trap bar", re.I), {"trap bar"}),
         (re.compile(r"dumbbell", re.I), {"dumbbells"}),
         (re.compile(r"kettlebell", re.I), {"kettlebell"}),
         (re.compile(r"goblet|suitcase", re.I), {"dumbbells", "kettlebell"}),
         (re.compile(r"\bband|pallof", re.I), {"bands"}),
         (re.compile(r"\bbox\b", re.I), {"box"}),
         (re.compile(r"pull-up", re.I), {"pull-up bar"}),
         (re.compile(r"step-up", re.I), {"box"}))


def _family(name: str) -> str:
    """What an exercise is a variant of: the last word of its name (plank, bridge)."""
    return re.sub(r"\(.*?\)|,.*", "", name).strip().lower().split(" ")[-1]


def _gear_ok(name: str, have: set[str]) -> bool:
    """An "A or B" name is fine when either can be done with what the athlete has."""
    return any(all(not rx.search(part) or (need & have) for rx, need in _GEAR)
               for part in name.split(" or "))


def check_content(inputs: PlanInputs, now: datetime, result: Plan) -> list[str]:
    a = inputs.athlete
    tz = ZoneInfo(a.timezone)
    now_u = _u(now)
    have = set() if "none" in a.equipment else set(a.equipment)
    # The contract: a planned quality or long run is done early when a completed run of its
    # kind, on a day with no planned run of that kind, came 1-2 days before it.
    def done_early(x: Run) -> bool:
        if x.kind not in (RunKind.QUALITY, RunKind.LONG):
            return False
        planned_on = {(_day(p.start, tz), p.kind) for p in inputs.planned_runs}
        return any(c.kind is x.kind and (_day(c.start, tz), c.kind) not in planned_on
                   and 1 <= (_day(x.start, tz) - _day(c.start, tz)).days <= 2
                   for c in inputs.completed_runs)

    runs = [x for x in inputs.planned_runs if not done_early(x)] + list(inputs.completed_runs)
    errors: list[str] = []
    for s in result.sessions:
        if s.status is not SessionStatus.PLANNED or _u(s.start) <= now_u or not s.exercises:
            continue
        d = _day(s.start, tz)
        label = f"{s.kind.value} {_u(s.start).astimezone(tz):%a %d %b %H:%M}"
        lifting = s.kind in (SessionKind.HEAVY, SessionKind.LIGHT)
        # C6: the title leads with the main lifts, no rule codes.
        if re.search(r"\b[RG]\d+\b", s.title):
            errors.append(f"C6: {label} title carries rule codes: {s.title!r}")
        if lifting and not re.match(r"^(Light s|S)trength: \S.* · \d+ min$", s.title):
            errors.append(f"C6: {label} title does not lead with its main lifts: {s.title!r}")
        # C2: the warm-up within a third of the session and not longer than its sets; no
        # cardio part after a run earlier that day.
        m = _TIME.search(s.warmup)
        if m is None:
            errors.append(f"C2: {label} states no time budget")
        else:
            warm, sets, total = int(m[1]), int(m[2]), int(m[4])
            if warm * 3 > total or (lifting and warm > max(sets, 3)):
                errors.append(f"C2: {label} warm-up {warm} min for {sets} min of sets in "
                              f"{total} min")
        ran = any(_day(x.start, tz) == d and (not x.time_known or _u(x.end) <= _u(s.start))
                  for x in runs)
        first_line = (s.warmup.splitlines() or [""])[0]
        if ran and _CARDIO.search(first_line):
            errors.append(f"C2: {label} has a cardio warm-up after a run the same day: "
                          f"{first_line!r}")
        rirs: set[str] = set()
        for i, e in enumerate(s.exercises):
            text = f"{e.load} {e.note}"
            rirs |= set(_RIR.findall(text))
            # C1: the rest printed between sets of a main lift in a heavy session.
            if s.kind is SessionKind.HEAVY and "main lift" in e.note and e.rest_s < 120:
                errors.append(f"C1: {label} {e.name} rests {e.rest_s} s between its sets")
            # C3: a load's kg and % come from the 1RM it names, and the session says whose.
            if "kg" in e.load and "1RM" in e.load:
                lm = _LABEL.match(e.load)
                if lm is None:
                    errors.append(f"C3: {label} {e.name} load names no 1RM: {e.load!r}")
                else:
                    base = float(lm[5])
                    for kg, pct in ((lm[1], lm[3]), (lm[2] or lm[1], lm[4] or lm[3])):
                        if abs(float(kg) - base * float(pct) / 100) > 1.26:
                            errors.append(f"C3: {label} {e.name} {kg} kg is not {pct} % "
                                          f"of {base:g} kg")
                    if f"{base:g} kg" not in s.explanation.split("Loads from:")[-1]:
                        errors.append(f"C3: {label} does not say where {base:g} kg comes from")
            # C4: a timed hold has no reps cue; variants of one exercise not back to back.
            if re.match(r"\d+(?:-\d+)? s\b", e.reps) and re.search(r"\breps?\b", e.load):
                errors.append(f"C4: {label} {e.name} is a timed hold with a reps cue")
            if i and not lifting and _family(e.name) == _family(s.exercises[i - 1].name):
                errors.append(f"C4: {label} {s.exercises[i - 1].name} and {e.name} back to "
                              "back")
            # C5: only exercises the athlete's equipment allows; no barbell, no 1RM loads.
            if not _gear_ok(e.name, have):
                errors.append(f"C5: {label} {e.name} needs equipment the athlete lacks")
            if "1RM" in e.load and not have & {"barbell", "trap bar"}:
                errors.append(f"C5: {label} {e.name} is dosed from a barbell 1RM without one")
        if len(rirs) > 1:
            errors.append(f"C4: {label} mixes reps-in-reserve cues {sorted(rirs)}")
    return errors
