"""The entities syncd shows in Home Assistant and their MQTT discovery configs.

Pure: topics and payloads follow from the settings alone, so tests can check them against
what Home Assistant's MQTT schema requires without a broker. Every entity belongs to one
device and has a unique id built from the base topic, so two syncd instances on one broker
(each with its own ``base_topic``) never collide and a restart never makes duplicates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from syncd import __version__
from syncd.model import Phase

PRESS = "PRESS"
ON, OFF = "ON", "OFF"
NONE = "None"  # Home Assistant's MQTT sensors read this payload as "unknown"


@dataclass(frozen=True)
class Entity:
    key: str
    component: str  # sensor, binary_sensor or button
    name: str
    icon: str | None = None
    attributes: bool = False  # has a JSON attributes topic
    extra: dict[str, Any] = field(default_factory=dict)


ENTITIES: tuple[Entity, ...] = (
    Entity("today", "sensor", "Today's session", "mdi:weight-lifter", attributes=True),
    Entity("next_session", "sensor", "Next session", "mdi:calendar-clock", attributes=True,
           extra={"device_class": "timestamp"}),
    Entity("phase", "sensor", "Training phase", "mdi:chart-timeline-variant",
           extra={"device_class": "enum", "options": [p.value for p in Phase]}),
    Entity("week", "sensor", "Sessions this week", "mdi:calendar-week", attributes=True),
    Entity("readiness", "sensor", "Readiness", "mdi:gauge", attributes=True,
           extra={"state_class": "measurement"}),
    Entity("hrv_status", "sensor", "HRV status", "mdi:heart-pulse"),
    Entity("last_change", "sensor", "Last change", "mdi:update",
           extra={"device_class": "timestamp", "entity_category": "diagnostic"}),
    Entity("last_result", "sensor", "Last cycle result", "mdi:check-circle-outline",
           attributes=True, extra={"entity_category": "diagnostic"}),
    Entity("garmin_login", "binary_sensor", "Garmin login needed", None,
           extra={"device_class": "problem", "entity_category": "diagnostic"}),
    Entity("calendar_problem", "binary_sensor", "Calendar unreachable", None, attributes=True,
           extra={"device_class": "problem", "entity_category": "diagnostic"}),
    Entity("sync_now", "button", "Sync now", "mdi:sync"),
)
STATEFUL = tuple(e for e in ENTITIES if e.component != "button")


@dataclass(frozen=True)
class Topics:
    prefix: str  # Home Assistant's discovery prefix
    base: str

    @property
    def node_id(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "_", self.base)

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def command(self) -> str:
        return f"{self.base}/sync_now/press"

    @property
    def ha_status(self) -> str:
        return f"{self.prefix}/status"

    def state(self, key: str) -> str:
        return f"{self.base}/{key}/state"

    def attributes(self, key: str) -> str:
        return f"{self.base}/{key}/attributes"

    def config(self, e: Entity) -> str:
        return f"{self.prefix}/{e.component}/{self.node_id}/{e.key}/config"


def device_name(athlete_name: str | None) -> str:
    return f"syncd ({athlete_name})" if athlete_name else "syncd"


def discovery(topics: Topics, name: str) -> dict[str, str]:
    """Each entity's discovery topic and its config (JSON), to be published retained."""
    device = {"identifiers": [f"syncd_{topics.node_id}"], "name": name,
              "manufacturer": "syncd", "model": "Strength planner", "sw_version": __version__}
    out = {}
    for e in ENTITIES:
        cfg: dict[str, Any] = {
            "name": e.name, "unique_id": f"syncd_{topics.node_id}_{e.key}",
            "device": device, "origin": {"name": "syncd", "sw_version": __version__},
            "availability": [{"topic": topics.availability}],
        }
        if e.icon:
            cfg["icon"] = e.icon
        if e.component == "button":
            cfg.update(command_topic=topics.command, payload_press=PRESS)
        else:
            cfg["state_topic"] = topics.state(e.key)
        if e.component == "binary_sensor":
            cfg.update(payload_on=ON, payload_off=OFF)
        if e.attributes:
            cfg["json_attributes_topic"] = topics.attributes(e.key)
        cfg.update(e.extra)
        out[topics.config(e)] = json.dumps(cfg, sort_keys=True)
    return out


def state_messages(topics: Topics, values: dict[str, tuple[str, dict[str, Any] | None]]
                   ) -> dict[str, str]:
    """Topic → payload for each entity's state and attributes."""
    out = {}
    for e in STATEFUL:
        state, attrs = values.get(e.key, (NONE, None))
        out[topics.state(e.key)] = state
        if e.attributes:
            out[topics.attributes(e.key)] = json.dumps(attrs or {}, sort_keys=True,
                                                       ensure_ascii=False)
    return out
