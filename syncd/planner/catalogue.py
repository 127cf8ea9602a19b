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

SLOTS = ("plyo", "main", "single_leg", "calves", "posterior", "stability")


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    pattern: str
    reps: str = ""
    dose: str = ""
    orm: str = ""
    pct_factor: float = 1.0


@dataclass(frozen=True)
class Catalogue:
    warmup: tuple[tuple[str, str], ...]
    heavy_dose: tuple[tuple[str, Any], ...]
    light_dose: tuple[tuple[str, Any], ...]
    slots: tuple[tuple[str, tuple[CatalogueEntry, ...]], ...]
    core_sets: int
    core: tuple[tuple[str, str], ...]
    foundation_sets: int
    foundation: tuple[tuple[str, str], ...]

    def slot(self, name: str) -> tuple[CatalogueEntry, ...]:
        return dict(self.slots)[name]

    def warmup_for(self, kind: str) -> str:
        return dict(self.warmup).get(kind, "")

    def heavy(self, key: str) -> Any:
        return dict(self.heavy_dose)[key]

    def light(self, key: str) -> Any:
        return dict(self.light_dose)[key]


def parse_catalogue(text: str) -> Catalogue:
    data = tomllib.loads(text)
    slots = tuple((name, tuple(CatalogueEntry(**e) for e in data["slot"][name])) for name in SLOTS)
    return Catalogue(
        warmup=tuple(data["warmup"].items()),
        heavy_dose=tuple(data["dose"]["heavy"].items()),
        light_dose=tuple(data["dose"]["light"].items()),
        slots=slots,
        core_sets=data["core"]["sets"],
        core=tuple((n, r) for n, r in data["core"]["exercises"]),
        foundation_sets=data["foundation"]["sets"],
        foundation=tuple((n, r) for n, r in data["foundation"]["exercises"]),
    )


@cache
def default_catalogue() -> Catalogue:
    text = resources.files("syncd.planner").joinpath("catalogue.toml").read_text("utf-8")
    return parse_catalogue(text)
