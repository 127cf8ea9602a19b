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
import re
from dataclasses import dataclass

from syncd.model import Exercise, SessionKind
from syncd.planner.catalogue import GYM, Catalogue, CatalogueEntry, Circuit, Dose
from syncd.planner.lifted import LiftSession, advise, round_load

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
    main_lifts: tuple[str, ...] = ()  # short names, for the title
    orm_used: tuple[str, ...] = ()  # which one-rep max each load came from, in words

    @property
    def total_s(self) -> int:
        return self.warmup_s + self.work_s


LOAD_STEP = {"kg": 2.5, "lb": 5.0}
LB_PER_KG = 2.20462


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
    after_run: bool = False,
    equipment: frozenset[str] = GYM,
    units: str = "kg",
    lifted: dict[str, tuple[LiftSession, ...]] | None = None,
) -> Content:
    """The content of one session that fits ``minutes``.

    ``exact_load`` False (a heavy session that is not the next one) shows the phase's load
    range instead of one figure: progression applies to the next session only, so later
    sessions do not change each time one is completed. ``after_run``: the athlete ran
    earlier that day, so the warm-up has no cardio part. ``equipment``: what the athlete
    has; an exercise needing something else gives way to its alternative.
    """
    minutes = DEFAULT_MINUTES[kind] if minutes is None else minutes
    if kind is SessionKind.CORE:
        return _circuit_content(catalogue, "core", catalogue.core, rotation, 5, minutes,
                                after_run)
    if kind is SessionKind.FOUNDATION:
        return _circuit_content(catalogue, "foundation", catalogue.foundation, rotation, 6,
                                minutes, after_run, equipment)
    return _lifting_content(kind, catalogue, rotation=rotation, level=level, orm=one_rep_max,
                            plyometrics=plyometrics, phase=phase, minutes=minutes,
                            exact=exact_load or kind is not SessionKind.HEAVY,
                            after_run=after_run, equipment=equipment, lifted=lifted or {},
                            units=units)


def warmup(cat: Catalogue, kind: str, minutes: int, after_run: bool, most: int | None = None
           ) -> tuple[str, int]:
    """The warm-up text and its seconds: at most a third of the session (and ``most``
    minutes), the mobility part first to keep, no cardio after a run the same day."""
    w = cat.warmup_for(kind)
    limit = minutes // 3 if most is None else min(minutes // 3, most)
    mobility = max(1, min(w.mobility_min, limit))
    cardio = 0 if after_run or not w.cardio else min(w.cardio_min, limit - mobility)
    cardio = cardio if cardio >= 3 else 0
    parts = [w.cardio.replace("{min}", str(cardio))] if cardio else []
    parts.append(w.mobility.replace("{min}", str(mobility)))
    text = f"Warm-up: {', then '.join(parts)}."
    if after_run and w.cardio:
        text += " No cardio part: your run earlier today warmed you up."
    return text, (cardio + mobility) * 60


@dataclass(frozen=True)
class _Item:
    slot: str
    entry: CatalogueEntry


def _lifting_content(kind: SessionKind, cat: Catalogue, *, rotation: int, level: int,
                     orm: dict[str, float], plyometrics: bool, phase: str, minutes: int,
                     exact: bool, after_run: bool, equipment: frozenset[str],
                     lifted: dict[str, tuple[LiftSession, ...]], units: str = "kg") -> Content:
    heavy = kind is SessionKind.HEAVY
    dose = cat.heavy_dose(phase) if heavy else cat.light_dose
    warm_text, warm_s = warmup(cat, "lifting", minutes, after_run)
    budget = minutes * 60 - warm_s
    blocks = [[_Item(slot, _pick(cat, slot, rotation).for_equipment(equipment))
               for slot in block if slot != "plyo" or (heavy and plyometrics)]
              for block in cat.blocks]
    blocks = [b for b in blocks if b]
    blocks, sets, dropped = _fit(cat, blocks, dose, budget)
    pct = heavy_pct(dose, level) if heavy else dose.pct
    work = _blocks_time(cat, blocks, dose, sets)
    if warm_s > work:  # a short session gets a short warm-up, not one longer than its sets
        warm_text, warm_s = warmup(cat, "lifting", minutes, after_run, most=work // 60)
    unloaded = not equipment & {"dumbbells", "kettlebell"}
    exercises, used = [], []
    for block in blocks:
        for item in block:
            partner = next((o for o in block if o is not item), None)
            ex, source = _exercise(cat, item, dose, sets, pct, orm, heavy=heavy, exact=exact,
                                   partner=partner, block=block, unloaded=unloaded,
                                   lifted=lifted, units=units)
            exercises.append(ex)
            used += [source] if source else []
    mains = tuple(dict.fromkeys(i.entry.short or i.entry.name.lower() for b in blocks
                                for i in b if i.slot in cat.main_slots))
    return _with_budget(warm_text, tuple(exercises), warm_s, work, minutes, tuple(dropped),
                        supersets=any(len(b) > 1 for b in blocks), main_lifts=mains,
                        orm_used=tuple(used))


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


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _exercise(cat: Catalogue, item: _Item, dose: Dose, sets: int, pct: float,
              orm: dict[str, float], *, heavy: bool, exact: bool, partner: _Item | None,
              block: list[_Item], unloaded: bool,
              lifted: dict[str, tuple[LiftSession, ...]], units: str = "kg"
              ) -> tuple[Exercise, str]:
    """One exercise and, when its load comes from a one-rep max, which one in words. The
    rest printed is the rest between two sets of this lift: in a superset, both short rests
    and the other lift's set (the time model counts a round the same way)."""
    entry = item.entry
    notes = []
    if item.slot in cat.main_slots:
        notes.append("main lift")
    if partner is not None:
        notes.append(f"superset: alternate sets with {partner.entry.name}, "
                     f"{_clock(dose.pair_rest_s)} between them")
    if entry.dose:
        n, _, reps = entry.dose.partition(" × ")
        return Exercise(entry.name, entry.pattern, int(n), reps, entry.cue or cat.cue("core"),
                        dose.plyo_rest_s, "; ".join(notes)), ""
    if item.slot in cat.main_slots or entry.orm:
        notes.append(dose.note)
    if partner is not None:
        rest = sum(i.entry.work_s + dose.pair_rest_s for i in block) - entry.work_s
    else:
        rest = _rest_of(cat, item, dose)
    source = ""
    # What was lifted, when the watch recorded it, comes before the static one-rep max.
    advice = advise(lifted.get(entry.name, ()), pct, dose.pct_step) if exact else None
    if entry.orm and advice is not None:
        # Recorded sets are in kg; shown in the athlete's units (issue 23). The label's % is
        # the load's share of the estimate it names (a bounded step moves it).
        per = LB_PER_KG if units == "lb" else 1.0
        e1rm = round(advice.e1rm * per)
        shown = round_load(advice.kg * per, LOAD_STEP[units])
        load = f"{shown:g} {units} (~{round(shown / e1rm * 100)} % of {e1rm} {units} 1RM)"
        notes.append(advice.explain())
        source = (f"{entry.name}: 1RM {e1rm} {units}, estimated (e1RM) from the sets your "
                  "watch recorded")
    elif entry.orm:
        load, source = _orm_load(entry, orm, pct, dose, exact, units)
        if not exact:
            notes.append("exact load when this is your next heavy session")
    elif entry.bodyweight or entry.cue:
        load = entry.cue
    elif not heavy:
        load = cat.cue("light")
    else:
        weights = set(entry.needs) & {"dumbbells", "kettlebell"}
        load = cat.cue("effort" if weights else "unloaded" if unloaded else "loaded")
    load = load.replace("{rir}", dose.rir or "3-4")
    return Exercise(entry.name, entry.pattern, _sets_of(cat, item, sets, partner is not None),
                    entry.reps or dose.reps, load, rest, "; ".join(n for n in notes if n)
                    ), source


def _orm_load(entry: CatalogueEntry, orm: dict[str, float], pct: float, dose: Dose,
              exact: bool, units: str = "kg") -> tuple[str, str]:
    """Load as a share of this lift's own one-rep max, in the athlete's units when they gave
    the one it comes from: kg rounded to 2.5 kg, lb to 5 lb (the smallest jump most gyms'
    plates make in each). Label and load use the same 1RM, and the label names it: a Romanian
    deadlift's is a share (``orm_factor``) of the deadlift's, and the second text says so."""
    lo, hi = (pct, pct) if exact else (dose.pct, dose.pct_max)
    share = f"{lo:g} %" if lo == hi else f"{lo:g}–{hi:g} %"
    if entry.orm not in orm:
        return f"~{share} of 1RM", ""
    given = orm[entry.orm]
    base = round(given * entry.orm_factor, 1)
    step = LOAD_STEP[units]
    w_lo, w_hi = round_load(base * lo / 100, step), round_load(base * hi / 100, step)
    w = f"{w_lo:g} {units}" if w_lo == w_hi else f"{w_lo:g}–{w_hi:g} {units}"
    lift = entry.orm.replace("_", " ")
    if entry.orm_factor == 1:
        source = f"{entry.name}: your {lift} 1RM, {given:g} {units}"
    else:
        source = (f"{entry.name}: 1RM {base:g} {units}, estimated as {entry.orm_factor:g} × "
                  f"your {lift} 1RM of {given:g} {units}")
    return f"{w} (~{share} of {base:g} {units} 1RM)", source


def _circuit_content(cat: Catalogue, kind: str, circuit: Circuit, rotation: int, count: int,
                     minutes: int, after_run: bool, equipment: frozenset[str] = GYM) -> Content:
    items = tuple(circuit.for_equipment(i, equipment) for i in circuit.exercises)
    n = len(items)
    start = (rotation * 3) % n
    picked = [items[(start + i) % n] for i in range(min(count, n))]
    warm_text, warm_s = warmup(cat, kind, minutes, after_run)
    budget = minutes * 60 - warm_s

    def cost(chosen: list[tuple[str, str, int]]) -> int:
        return circuit.sets * sum(work + circuit.rest_s for _, _, work in chosen)

    dropped = []
    while cost(picked) > budget and len(picked) > MIN_CIRCUIT:
        dropped.append(picked.pop()[0])
    # A timed hold gets a cue about time: a plank has no reps.
    exercises = tuple(Exercise(name, kind, circuit.sets, reps,
                               cat.cue(f"{kind}_hold" if _timed(reps) else kind),
                               circuit.rest_s)
                      for name, reps, _ in picked)
    return _with_budget(warm_text, exercises, warm_s, cost(picked), minutes, tuple(dropped),
                        supersets=False)


def _timed(reps: str) -> bool:
    return re.match(r"\d+(?:-\d+)? s\b", reps) is not None


def _with_budget(warmup_text: str, exercises: tuple[Exercise, ...], warmup_s: int,
                 work_s: int, minutes: int, dropped: tuple[str, ...], supersets: bool,
                 main_lifts: tuple[str, ...] = (), orm_used: tuple[str, ...] = ()) -> Content:
    work_min = math.ceil(work_s / 60)
    line = (f"Time: {warmup_s // 60} min warm-up + {work_min} min of sets = "
            f"{warmup_s // 60 + work_min} of {minutes} min.")
    if supersets:
        line += (" Lifts marked superset alternate set by set: one rests while the other "
                 "works; the rest shown is between two sets of the same lift.")
    if dropped:
        line += f" Left out to fit the time: {', '.join(dropped)}."
    return Content(f"{warmup_text}\n{line}", exercises, warmup_s, work_s, minutes, dropped,
                   main_lifts, orm_used)
