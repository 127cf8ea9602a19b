"""Which calendars a config writes to. Each sink module is imported only when used."""

from __future__ import annotations

from syncd.config.loader import Config
from syncd.sinks.base import Publisher, Sink
from syncd.state import State


def sinks_for(config: Config, state: State) -> list[Sink]:
    out: list[Sink] = []
    if config.ics is not None:
        from syncd.sinks.ics import IcsFileSink

        out.append(IcsFileSink(config.ics, state, config.athlete.timezone))
    if config.feed is not None:
        from syncd.sinks.feed import FeedSink

        out.append(FeedSink(config.feed, state, config.athlete.timezone))
    if config.caldav is not None:
        from syncd.sinks.caldav import CalDavSink

        out.append(CalDavSink(config.caldav, state, config.athlete.timezone))
    if config.garmin_workouts is not None:
        from syncd.sinks.garmin_workouts import GarminWorkoutsSink

        out.append(GarminWorkoutsSink(config.garmin_workouts, state, config.athlete.timezone))
    return out


def publishers_for(config: Config, state: State) -> list[Publisher]:
    out: list[Publisher] = []
    if config.feed is not None:
        from syncd.sinks.page import PagePublisher

        out.append(PagePublisher(config, state))
    return out
