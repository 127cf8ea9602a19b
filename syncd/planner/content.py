"""What a session asks the athlete to do: warm-up, exercises, sets × reps × load, rest.

Content is a pure function of the session kind, a rotation index (so patterns vary between
sessions), a progression level (load rises after completed sessions) and the athlete's
one-rep maxes.
"""

from __future__ import annotations

from syncd.model import Exercise, SessionKind
from syncd.planner.catalogue import SLOTS, Catalogue, CatalogueEntry


def round_load(kg: float, step: float = 2.5) -> float:
    return round(kg / step) * step


def session_content(
    kind: SessionKind,
    catalogue: Catalogue,
    *,
    rotation: int,
    level: int,
    one_rep_max: dict[str, float],
    plyometrics: bool,
) -> tuple[str, tuple[Exercise, ...]]:
    """Return (warm-up text, exercises) for one session."""
    if kind is SessionKind.CORE:
        return catalogue.warmup_for("core"), _circuit(catalogue.core, catalogue.core_sets,
                                                      rotation, 5, "core")
    if kind is SessionKind.FOUNDATION:
        return catalogue.warmup_for("foundation"), _circuit(
            catalogue.foundation, catalogue.foundation_sets, rotation, 6, "foundation")
    heavy = kind is SessionKind.HEAVY
    sets = int(catalogue.heavy("sets"))
    if heavy:
        pct = min(float(catalogue.heavy("pct")) + level * float(catalogue.heavy("pct_step")),
                  float(catalogue.heavy("pct_max")))
        rest = int(catalogue.heavy("rest_s"))
    else:
        sets = max(1, round(sets / 2 + 0.01))
        pct = float(catalogue.light("pct"))
        rest = int(catalogue.light("rest_s"))
    exercises = []
    for slot in SLOTS:
        if slot == "plyo" and not (heavy and plyometrics):
            continue
        entries = catalogue.slot(slot)
        entry = entries[rotation % len(entries)]
        exercises.append(_lift(entry, sets, pct, rest, one_rep_max, str(catalogue.heavy("reps")),
                               note=str(catalogue.heavy("note")) if slot == "main" else ""))
    return catalogue.warmup_for("lifting"), tuple(exercises)


def _lift(entry: CatalogueEntry, sets: int, pct: float, rest: int, orm: dict[str, float],
          default_reps: str, note: str) -> Exercise:
    if entry.dose:
        n, _, reps = entry.dose.partition(" × ")
        return Exercise(entry.name, entry.pattern, int(n), reps, rest_s=60)
    load = ""
    if entry.orm:
        eff = pct * entry.pct_factor
        if entry.orm in orm:
            load = f"{round_load(orm[entry.orm] * eff / 100):g} kg (~{eff:g} % 1RM)"
        else:
            load = f"~{eff:g} % of 1RM"
    return Exercise(entry.name, entry.pattern, sets, entry.reps or default_reps, load, rest, note)


def _circuit(items: tuple[tuple[str, str], ...], sets: int, rotation: int, count: int,
             pattern: str) -> tuple[Exercise, ...]:
    n = len(items)
    start = (rotation * 3) % n
    picked = [items[(start + i) % n] for i in range(min(count, n))]
    return tuple(Exercise(name, pattern, sets, reps, rest_s=30) for name, reps in picked)
