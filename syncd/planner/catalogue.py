"""Load the exercise catalogue (``catalogue.toml``) into typed, immutable data.

The planner never reads files: callers build ``PlanInputs``, whose default catalogue is
loaded here once per process from the package data.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from syncd.model import EQUIPMENT, GYM_EQUIPMENT

SLOTS = ("plyo", "main", "stability", "single_leg", "calves", "posterior")
# athlete.equipment's words; a gym (every one but "none") is the default.
GYM = frozenset(GYM_EQUIPMENT)
HEAVY_PHASES = ("base", "build", "peak", "maintenance")


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    pattern: str
    reps: str = ""
    dose: str = ""
    orm: str = ""
    orm_factor: float = 1.0
    work_s: int = 45
    cue: str = ""
    bodyweight: bool = False
    short: str = ""
    needs: tuple[str, ...] = ()
    alt: tuple[CatalogueEntry, ...] = ()

    def usable(self, equipment: frozenset[str]) -> bool:
        return not self.needs or bool(equipment & set(self.needs))

    def for_equipment(self, equipment: frozenset[str]) -> CatalogueEntry:
        """This exercise, or the first alternative of the same pattern the equipment allows
        (the catalogue ends each list of alternatives with a bodyweight one)."""
        if self.usable(equipment):
            return self
        return next((a for a in self.alt if a.usable(equipment)), self.alt[-1] if self.alt
                    else self)


@dataclass(frozen=True)
class Dose:
    """Sets, reps and load of one kind of lifting session (per phase for heavy)."""

    sets: int
    reps: str
    pct: float
    pct_max: float
    pct_step: float
    rest_s: int
    pair_rest_s: int
    accessory_rest_s: int
    plyo_rest_s: int
    min_sets: int
    note: str
    rir: str = ""


@dataclass(frozen=True)
class Warmup:
    """A warm-up's two parts, each a text with ``{min}`` and its full length in minutes."""

    cardio: str
    cardio_min: int
    mobility: str
    mobility_min: int


@dataclass(frozen=True)
class Circuit:
    """A core or foundation session: every exercise once a round, short rest between."""

    sets: int
    rest_s: int
    exercises: tuple[tuple[str, str, int], ...]
    # name → (equipment it needs, the exercise without it, its reps)
    without: tuple[tuple[str, tuple[str, str, str]], ...] = ()

    def for_equipment(self, item: tuple[str, str, int], equipment: frozenset[str]
                      ) -> tuple[str, str, int]:
        name, reps, work = item
        need, other, other_reps = dict(self.without).get(name, ("", name, reps))
        return item if not need or need in equipment else (other, other_reps, work)


@dataclass(frozen=True)
class Catalogue:
    warmup: tuple[tuple[str, Warmup], ...]
    heavy_doses: tuple[tuple[str, Dose], ...]
    light_dose: Dose
    blocks: tuple[tuple[str, ...], ...]
    main_slots: tuple[str, ...]
    drop_order: tuple[str, ...]
    slots: tuple[tuple[str, tuple[CatalogueEntry, ...]], ...]
    cues: tuple[tuple[str, str], ...]
    core: Circuit
    foundation: Circuit

    def slot(self, name: str) -> tuple[CatalogueEntry, ...]:
        return dict(self.slots)[name]

    def warmup_for(self, kind: str) -> Warmup:
        return dict(self.warmup)[kind]

    def heavy_dose(self, phase: str) -> Dose:
        """The heavy dose of a phase; phases without heavy lifting use maintenance's."""
        doses = dict(self.heavy_doses)
        return doses.get(phase, doses["maintenance"])

    def cue(self, key: str) -> str:
        return dict(self.cues)[key]


def _dose(values: dict[str, Any], common: dict[str, Any]) -> Dose:
    v = {**common, **values}
    return Dose(sets=int(v["sets"]), reps=str(v["reps"]), pct=float(v["pct"]),
                pct_max=float(v.get("pct_max", v["pct"])), pct_step=float(v.get("pct_step", 0)),
                rest_s=int(v["rest_s"]), pair_rest_s=int(v["pair_rest_s"]),
                accessory_rest_s=int(v["accessory_rest_s"]),
                plyo_rest_s=int(v.get("plyo_rest_s", v["rest_s"])), min_sets=int(v["min_sets"]),
                note=str(v.get("note", "")).replace("{rir}", str(v.get("rir", ""))),
                rir=str(v.get("rir", "")))


def _entry(values: dict[str, Any]) -> CatalogueEntry:
    v = dict(values)
    v["needs"] = tuple(v.get("needs", ()))
    v["alt"] = tuple(_entry(a) for a in v.get("alt", ()))
    unknown = set(v["needs"]) - set(EQUIPMENT)
    if unknown:
        raise ValueError(f"catalogue entry {v.get('name')!r} needs unknown equipment "
                         f"{sorted(unknown)}")
    return CatalogueEntry(**v)


def _warmup(v: dict[str, Any]) -> Warmup:
    return Warmup(cardio=str(v.get("cardio", "")), cardio_min=int(v.get("cardio_min", 0)),
                  mobility=str(v["mobility"]), mobility_min=int(v["mobility_min"]))


def _circuit(data: dict[str, Any]) -> Circuit:
    without = tuple((str(k), (str(v["needs"]), str(v["name"]), str(v["reps"])))
                    for k, v in data.get("without", {}).items())
    return Circuit(sets=int(data["sets"]), rest_s=int(data["rest_s"]),
                   exercises=tuple((str(n), str(r), int(s)) for n, r, s in data["exercises"]),
                   without=without)


def parse_catalogue(text: str) -> Catalogue:
    data = tomllib.loads(text)
    slots = tuple((name, tuple(_entry(e) for e in data["slot"][name])) for name in SLOTS)
    common = data["dose"]["heavy_common"]
    layout = data["layout"]
    blocks = tuple(tuple(b) for b in layout["blocks"])
    unknown = {s for b in blocks for s in b} - set(SLOTS)
    if unknown:
        raise ValueError(f"catalogue layout names unknown slots: {sorted(unknown)}")
    return Catalogue(
        warmup=tuple((k, _warmup(v)) for k, v in data["warmup"].items()),
        heavy_doses=tuple((p, _dose(data["dose"]["heavy"][p], common)) for p in HEAVY_PHASES),
        light_dose=_dose(data["dose"]["light"], {**common, "pct_step": 0, "note": "",
                                                 "rir": ""}),
        blocks=blocks,
        main_slots=tuple(layout["main"]),
        drop_order=tuple(layout["drop"]),
        slots=slots,
        cues=tuple(data["cues"].items()),
        core=_circuit(data["core"]),
        foundation=_circuit(data["foundation"]),
    )


@cache
def default_catalogue() -> Catalogue:
    text = resources.files("syncd.planner").joinpath("catalogue.toml").read_text("utf-8")
    return parse_catalogue(text)
