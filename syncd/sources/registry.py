"""Which sources a config asks for. Each source module is imported only when used."""

from __future__ import annotations

from syncd.config.loader import Config
from syncd.sources.base import Source
from syncd.state import State


def sources_for(config: Config, state: State) -> list[Source]:
    del state  # stateful sources (Garmin, FIT folders) take it when they are configured
    out: list[Source] = []
    if config.demo:
        from syncd.sources.demo import DemoSource

        out.append(DemoSource())
    if config.week_plan:
        from syncd.sources.template import WeeklyTemplateSource

        out.append(WeeklyTemplateSource(config.week_plan))
    return out
