"""The entities syncd shows in Home Assistant and their MQTT discovery configs.

Pure: topics and payloads follow from the settings alone, so tests can check them against
what Home Assistant's MQTT schema requires without a broker. Every entity belongs to one
device and has a unique id built from the base topic, so two syncd instances on one broker
(each with its own ``base_topic``) never collide and a restart never makes duplicates.

Naming follows Home Assistant's conventions for MQTT: every MQTT entity has
``has_entity_name`` set (HA does it, there is no option for it), so the names here are short
and HA shows them after the device's name ("syncd (Alex)" › "Today"). ``default_entity_id``
(HA 2025.10 and later; it replaced ``object_id``, removed in 2026.4) fixes the entity ids to
``sensor.syncd_today`` and so on, whatever the athlete's name; they follow the base topic.
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
# Garmin's HRV status values (hrvSummary.status; /work/shared/notes/garmin.md, the fixture
# garmin/test_hrv_data_get.0.json says BALANCED; LOW and POOR are the planner's low ones),
# lower-cased as Home Assistant's enum options are. Another value shows as unknown.
HRV_STATUSES = ("balanced", "unbalanced", "low", "poor")
RESULTS = ("ok", "errors", "failed")
GARMIN, READINESS = "garmin", "readiness"  # what an entity needs configured


@dataclass(frozen=True)
class Entity:
    key: str
    component: str  # sensor, binary_sensor or button
    name: str
    icon: str | None = None
    attributes: bool = False  # has a JSON attributes topic
    extra: dict[str, Any] = field(default_factory=dict)
    needs: str | None = None  # GARMIN or READINESS: shown only when configured


DIAGNOSTIC = {"entity_category": "diagnostic"}
COUNT = {"state_class": "measurement", "unit_of_measurement": "sessions"}  # graphs, gauges
ENTITIES: tuple[Entity, ...] = (
    Entity("today", "sensor", "Today", "mdi:weight-lifter", attributes=True),
    Entity("next_title", "sensor", "Next session", "mdi:dumbbell", attributes=True),
    Entity("next_session", "sensor", "Next session start", "mdi:calendar-clock",
           attributes=True, extra={"device_class": "timestamp"}),
    Entity("phase", "sensor", "Training phase", "mdi:chart-timeline-variant",
           extra={"device_class": "enum", "options": [p.value for p in Phase]}),
    Entity("week_done", "sensor", "Done this week", "mdi:calendar-check",
           attributes=True, extra=COUNT),
    Entity("week_planned", "sensor", "Planned this week", "mdi:calendar-week",
           extra=COUNT),
    Entity("readiness", "sensor", "Readiness", "mdi:gauge", attributes=True,
           extra={"state_class": "measurement"}, needs=READINESS),
    Entity("hrv_status", "sensor", "HRV status", "mdi:heart-pulse",
           extra={"device_class": "enum", "options": list(HRV_STATUSES)}, needs=READINESS),
    Entity("last_change", "sensor", "Last change", "mdi:update",
           extra={"device_class": "timestamp", **DIAGNOSTIC}),
    Entity("last_sync", "sensor", "Last sync", "mdi:sync-circle",
           extra={"device_class": "timestamp", **DIAGNOSTIC}),
    Entity("last_result", "sensor", "Last cycle result", "mdi:check-circle-outline",
           attributes=True, extra={"device_class": "enum", "options": list(RESULTS),
                                   **DIAGNOSTIC}),
    Entity("garmin_login", "binary_sensor", "Garmin login needed", None,
           extra={"device_class": "problem", **DIAGNOSTIC}, needs=GARMIN),
    Entity("calendar_problem", "binary_sensor", "Calendar unreachable", None, attributes=True,
           extra={"device_class": "problem", **DIAGNOSTIC}),
    Entity("sync_now", "button", "Sync now", "mdi:sync"),
)
# Shown by earlier versions, gone now: their retained configs are emptied (HA removes them).
RETIRED: tuple[tuple[str, str], ...] = (("sensor", "week"),)


def shown(garmin: bool, readiness: bool) -> tuple[Entity, ...]:
    """The entities a configuration can fill: Garmin's only with ``[sources.garmin]``."""
    have = {GARMIN: garmin, READINESS: garmin and readiness}
    return tuple(e for e in ENTITIES if e.needs is None or have[e.needs])


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

    def config(self, component: str, key: str) -> str:
        return f"{self.prefix}/{component}/{self.node_id}/{key}/config"

    def entity_id(self, e: Entity) -> str:
        """The entity id HA gives (``default_entity_id``): lower case, ``[a-z0-9_]``."""
        return f"{e.component}.{re.sub(r'[^a-z0-9_]', '_', self.node_id.lower())}_{e.key}"


def device_name(athlete_name: str | None) -> str:
    return f"syncd ({athlete_name})" if athlete_name else "syncd"


def discovery(topics: Topics, name: str, entities: tuple[Entity, ...] = ENTITIES
              ) -> dict[str, str]:
    """Each discovery topic and its config (JSON), to be published retained; an empty
    payload for the entities not shown, so HA removes any an earlier run announced."""
    device = {"identifiers": [f"syncd_{topics.node_id}"], "name": name,
              "manufacturer": "syncd", "model": "Strength planner", "sw_version": __version__}
    out = {topics.config(c, k): "" for c, k in RETIRED}
    out.update({topics.config(e.component, e.key): "" for e in ENTITIES if e not in entities})
    for e in entities:
        cfg: dict[str, Any] = {
            "name": e.name, "unique_id": f"syncd_{topics.node_id}_{e.key}",
            "default_entity_id": topics.entity_id(e),
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
        out[topics.config(e.component, e.key)] = json.dumps(cfg, sort_keys=True)
    return out


def state_messages(topics: Topics, values: dict[str, tuple[str | None, dict[str, Any] | None]],
                   entities: tuple[Entity, ...] = ENTITIES) -> dict[str, str]:
    """Topic → payload for each entity's state and attributes. A value that is not known
    (None, not NONE) is left out: nothing is published for it."""
    out = {}
    for e in entities:
        if e.component == "button" or e.key not in values:
            continue
        state, attrs = values[e.key]
        if state is None:
            continue
        out[topics.state(e.key)] = state
        if e.attributes:
            out[topics.attributes(e.key)] = json.dumps(attrs or {}, sort_keys=True,
                                                       ensure_ascii=False)
    return out


def owned_state_topic(topics: Topics, topic: str) -> str | None:
    """The entity key of one of syncd's state or attributes topics, else None."""
    head, _, tail = topic.rpartition("/")
    if tail not in ("state", "attributes") or not head.startswith(topics.base + "/"):
        return None
    key = head[len(topics.base) + 1:]
    return key if key and "/" not in key else None
