"""Which sources a config asks for. Each source module is imported only when used."""

from __future__ import annotations

from syncd.config.loader import Config
from syncd.sources.base import Source
from syncd.state import State


def sources_for(config: Config, state: State) -> list[Source]:
    out: list[Source] = []
    if config.demo:
        from syncd.sources.demo import DemoSource

        out.append(DemoSource())
    if config.week_plan:
        from syncd.sources.template import WeeklyTemplateSource

        out.append(WeeklyTemplateSource(config.week_plan))
    if config.garmin is not None:
        from syncd.sources.garmin import GarminSource

        out.append(GarminSource(config.garmin, state))
    if config.intervals_icu is not None:
        from syncd.sources.intervals_icu import IntervalsIcuSource

        out.append(IntervalsIcuSource(config.intervals_icu, state))
    if config.strava is not None:
        from syncd.sources.strava import StravaSource

        out.append(StravaSource(config.strava, state))
    if config.fit_folders:
        from syncd.sources.fit_folder import FitFolderSource

        out.append(FitFolderSource(config.fit_folders, state))
    if config.running_calendar is not None:
        from syncd.sources.running_calendar import RunningCalendarSource

        out.append(RunningCalendarSource(config.running_calendar, state, config.caldav))
    if config.caldav is not None and config.caldav.busy_calendars:
        from syncd.sources.busy import CalDavBusySource

        out.append(CalDavBusySource(config.caldav, state))
    return out
