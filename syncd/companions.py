"""Long-lived helpers of the daemon's resident process: the live feed server, MQTT.

Cycles run in forked children that exit; anything that must outlive a cycle (a listening
socket, a broker connection with its last will) lives in the parent beside the loop. Each
such helper is a ``Companion``: started once, told after every cycle what it did, stopped
on shutdown. A companion may ask for an early cycle through ``wake`` (a "sync now" button).
A companion never raises into the loop: its failures are its own to log and retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from syncd.config.loader import Config

log = logging.getLogger(__name__)


class Companion(Protocol):
    name: str

    def start(self, wake: Callable[[], None]) -> None:
        """Begin serving; ``wake`` asks the daemon for a cycle now."""
        ...

    def after_cycle(self, summary: dict[str, Any] | None) -> None:
        """The cycle's summary (None when it failed); the state dir holds the rest."""
        ...

    def stop(self) -> None:
        """Release sockets and connections; called once on shutdown."""
        ...


def companions_for(config: Config, state_dir: Path) -> list[Companion]:
    """The companions a config asks for. Each module is imported only when used."""
    out: list[Companion] = []
    if config.feed is not None:
        from syncd.feed.server import FeedServer

        out.append(FeedServer(config.feed, state_dir))
    if config.mqtt is not None:
        from syncd.mqtt.companion import MqttCompanion

        out.append(MqttCompanion(config, state_dir))
    return out


def run_all(companions: list[Companion], what: str, *args: Any) -> None:
    """Call ``what`` on each companion; one that fails is logged and the others go on."""
    for c in companions:
        try:
            getattr(c, what)(*args)
        except Exception as exc:  # a companion's bug must not stop the daemon
            log.error("%s: %s failed: %s", c.name, what, exc)
