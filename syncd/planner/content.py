"""What a session asks the athlete to do: warm-up, exercises, sets × reps × load, rest.

Content is a pure function of the session kind, the phase (004: more volume in base, heavy
strength in build, a maintenance dose in peak), a rotation index (so patterns vary between
sessions), a progression level (load rises after completed sessions), the athlete's one-rep
maxes and the minutes the slot has. It always fits those minutes: warm-up plus, for every
block, sets × (work + rest). Lifts for different muscle groups alternate set by set
(supersets, 002/004), which keeps each lift's rest without costing time; when that is not
enough, accessories go before main lifts, then main lifts lose sets down to the minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from syncd.model import Exercise, SessionKind
from syncd.planner.catalogue import Catalogue, CatalogueEntry, Circuit, Dose
from syncd.planner.lifted import LiftSession, advise

DEFAULT_MINUTES = {SessionKind.HEAVY: 45, SessionKind.LIGHT: 35, SessionKind.FOUNDATION: 30,
                   SessionKind.CORE: 20}
MIN_CIRCUIT = 3


@dataclass(frozen=True)
class Content:
    """A session's content and the time it takes, in seconds of real time."""

    warmup: str
    exercises: tuple[Exercise, ...]
    warmup_s: int
    work_s: int
    minutes: int
    dropped: tuple[str, ...] = ()

    @property
    def total_s(self) -> int:
        return self.warmup_s + self.work_s


def round_load(kg: float, step: float = 2.5) -> float:
    return round(kg / step) * step


def heavy_pct(dose: Dose, level: int) -> float:
    """Percent of one-rep max at a progression level (004: progress gradually)."""
    return min(dose.pct + level * dose.pct_step, dose.pct_max)


def session_content(
    kind: SessionKind,
    catalogue: Catalogue,
    *,
    rotation: int,
    level: int,
    one_rep_max: dict[str, float],
    plyometrics: bool,
    phase: str = "maintenance",
    minutes: int | None = None,
    exact_load: bool = True,
    lifted: dict[str, tuple[LiftSession, ...]] | None = None,
) -> Content:
    """The content of one session that fits ``minutes``.

    ``exact_load`` False (a heavy session that is not the next one) shows the phase's load
    range instead of one figure: progression applies to the next session only, so later
    sessions do not change each time one is completed.
    """
    minutes = DEFAULT_MINUTES[kind] if minutes is None else minutes
    if kind is SessionKind.CORE:
        return _circuit_content(catalogue, "core", catalogue.core, rotation, 5, minutes)
    if kind is SessionKind.FOUNDATION:
        return _circuit_content(catalogue, "foundation", catalogue.foundation, rotation, 6,
                                minutes)
    return _lifting_content(kind, catalogue, rotation=rotation, level=level, orm=one_rep_max,
                            plyometrics=plyometrics, phase=phase, minutes=minutes,
                            exact=exact_load or kind is not SessionKind.HEAVY,
                            lifted=lifted or {})


@dataclass(frozen=True)
class _Item:
    slot: str
    entry: CatalogueEntry


def _lifting_content(kind: SessionKind, cat: Catalogue, *, rotation: int, level: int,
                     orm: dict[str, float], plyometrics: bool, phase: str, minutes: int,
                     exact: bool, lifted: dict[str, tuple[LiftSession, ...]]) -> Content:
    heavy = kind is SessionKind.HEAVY
    dose = cat.heavy_dose(phase) if heavy else cat.light_dose
    budget = minutes * 60 - cat.warmup_min("lifting") * 60
    blocks = [[_Item(slot, _pick(cat, slot, rotation)) for slot in block
               if slot != "plyo" or (heavy and plyometrics)] for block in cat.blocks]
    blocks = [b for b in blocks if b]
    blocks, sets, dropped = _fit(cat, blocks, dose, budget)
    pct = heavy_pct(dose, level) if heavy else dose.pct
    exercises = []
    for block in blocks:
        for item in block:
            partner = next((o.entry.name for o in block if o is not item), "")
            exercises.append(_exercise(cat, item, dose, sets, pct, orm, heavy=heavy,
                                       exact=exact, partner=partner, lifted=lifted))
    work = _blocks_time(cat, blocks, dose, sets)
    return _with_budget(cat.warmup_for("lifting"), tuple(exercises),
                        cat.warmup_min("lifting") * 60, work, minutes, tuple(dropped),
                        supersets=any(len(b) > 1 for b in blocks))


def _fit(cat: Catalogue, blocks: list[list[_Item]], dose: Dose, budget: int
         ) -> tuple[list[list[_Item]], int, list[str]]:
    """The most sets that fit, then the fewest accessories left out (in the catalogue's drop
    order; one whose removal saves no time, like the partner of a superset, stays)."""
    kept: list[list[_Item]] = blocks
    dropped: list[str] = []
    for sets in range(dose.sets, dose.min_sets - 1, -1):
        kept, dropped = blocks, []
        for victim in (None, *cat.drop_order):
            if victim is not None:
                fewer = [b for b in ([i for i in b if i.slot != victim] for b in kept) if b]
                if _blocks_time(cat, fewer, dose, sets) >= _blocks_time(cat, kept, dose, sets):
                    continue
                dropped += [i.entry.name for b in kept for i in b if i.slot == victim]
                kept = fewer
            if _blocks_time(cat, kept, dose, sets) <= budget:
                return kept, sets, dropped
    return kept, dose.min_sets, dropped


def _pick(cat: Catalogue, slot: str, rotation: int) -> CatalogueEntry:
    entries = cat.slot(slot)
    return entries[rotation % len(entries)]


def _sets_of(cat: Catalogue, item: _Item, sets: int, paired: bool) -> int:
    """Main lifts and the partners of a superset take the session's sets; a lift on its own
    that is no main lift at most 3; plyometrics what the catalogue says."""
    if item.entry.dose:
        return int(item.entry.dose.partition(" × ")[0])
    if item.slot in cat.main_slots or paired:
        return sets
    return min(sets, 3)


def _rest_of(cat: Catalogue, item: _Item, dose: Dose) -> int:
    if item.slot == "plyo":
        return dose.plyo_rest_s
    return dose.rest_s if item.slot in cat.main_slots else dose.accessory_rest_s


def _blocks_time(cat: Catalogue, blocks: list[list[_Item]], dose: Dose, sets: int) -> int:
    """Seconds of work and rest: sets × (work + rest) a lift, and for a superset each round
    holds both lifts with the short rest after each (a lift's own rest is the other's set)."""
    total = 0
    for block in blocks:
        if len(block) == 1:
            item = block[0]
            total += _sets_of(cat, item, sets, False) * (item.entry.work_s
                                                         + _rest_of(cat, item, dose))
            continue
        counts = [_sets_of(cat, i, sets, True) for i in block]
        rounds = min(counts)
        total += rounds * sum(i.entry.work_s + dose.pair_rest_s for i in block)
        for item, n in zip(block, counts, strict=True):
            total += (n - rounds) * (item.entry.work_s + _rest_of(cat, item, dose))
    return total


def _exercise(cat: Catalogue, item: _Item, dose: Dose, sets: int, pct: float,
              orm: dict[str, float], *, heavy: bool, exact: bool, partner: str,
              lifted: dict[str, tuple[LiftSession, ...]]) -> Exercise:
    entry = item.entry
    notes = []
    if item.slot in cat.main_slots:
        notes.append("main lift")
    if partner:
        notes.append(f"superset: alternate sets with {partner}")
    if entry.dose:
        n, _, reps = entry.dose.partition(" × ")
        return Exercise(entry.name, entry.pattern, int(n), reps, entry.cue or cat.cue("core"),
                        dose.plyo_rest_s, "; ".join(notes))
    if item.slot in cat.main_slots or entry.orm:
        notes.append(dose.note)
    rest = dose.pair_rest_s if partner else _rest_of(cat, item, dose)
    # What was lifted, when the watch recorded it, comes before the static one-rep max.
    advice = advise(lifted.get(entry.name, ()), pct, dose.pct_step) if exact else None
    if entry.orm and advice is not None:
        load = f"{advice.kg:g} kg (~{pct:g} % of e1RM {advice.e1rm:.0f} kg)"
        notes.append(advice.explain())
    elif entry.orm:
        load = _orm_load(entry, orm, pct, dose, cat, exact)
        if not exact:
            notes.append("exact load when this is your next heavy session")
    elif entry.bodyweight:
        load = entry.cue
    elif not heavy:
        load = cat.cue("light")
    else:
        load = entry.cue or cat.cue("loaded")
    return Exercise(entry.name, entry.pattern, _sets_of(cat, item, sets, bool(partner)),
                    entry.reps or dose.reps, load, rest, "; ".join(n for n in notes if n))


def _orm_load(entry: CatalogueEntry, orm: dict[str, float], pct: float, dose: Dose,
              cat: Catalogue, exact: bool) -> str:
    """Load as a share of this lift's own one-rep max (a Romanian deadlift's 1RM is a share of
    the deadlift's), in kg when the athlete gave that one-rep max."""
    lo, hi = (pct, pct) if exact else (dose.pct, dose.pct_max)
    share = f"{lo:g} %" if lo == hi else f"{lo:g}–{hi:g} %"
    if entry.orm in orm:
        base = orm[entry.orm] * entry.orm_factor
        kg_lo, kg_hi = round_load(base * lo / 100), round_load(base * hi / 100)
        kg = f"{kg_lo:g} kg" if kg_lo == kg_hi else f"{kg_lo:g}–{kg_hi:g} kg"
        return f"{kg} (~{share} 1RM)"
    return f"~{share} of 1RM"


def _circuit_content(cat: Catalogue, kind: str, circuit: Circuit, rotation: int, count: int,
                     minutes: int) -> Content:
    items = circuit.exercises
    n = len(items)
    start = (rotation * 3) % n
    picked = [items[(start + i) % n] for i in range(min(count, n))]
    budget = minutes * 60 - cat.warmup_min(kind) * 60

    def cost(chosen: list[tuple[str, str, int]]) -> int:
        return circuit.sets * sum(work + circuit.rest_s for _, _, work in chosen)

    dropped = []
    while cost(picked) > budget and len(picked) > MIN_CIRCUIT:
        dropped.append(picked.pop()[0])
    exercises = tuple(Exercise(name, kind, circuit.sets, reps, cat.cue(kind), circuit.rest_s)
                      for name, reps, _ in picked)
    return _with_budget(cat.warmup_for(kind), exercises, cat.warmup_min(kind) * 60,
                        cost(picked), minutes, tuple(dropped), supersets=False)


def _with_budget(warmup: str, exercises: tuple[Exercise, ...], warmup_s: int, work_s: int,
                 minutes: int, dropped: tuple[str, ...], supersets: bool) -> Content:
    work_min = math.ceil(work_s / 60)
    line = (f"Time: {warmup_s // 60} min warm-up + {work_min} min of sets = "
            f"{warmup_s // 60 + work_min} of {minutes} min.")
    if supersets:
        line += " Lifts marked superset alternate set by set: one rests while the other works."
    if dropped:
        line += f" Left out to fit the time: {', '.join(dropped)}."
    return Content(f"{warmup}\n{line}", exercises, warmup_s, work_s, minutes, dropped)
