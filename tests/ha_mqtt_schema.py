"""What Home Assistant's MQTT discovery accepts, written down from its documentation.

Independent of syncd's code: a discovery topic's shape, the keys each platform knows and
requires, what a device needs for its entities to be grouped under it, and what a state
payload must look like for a device class. ``problems`` returns every violation found.

Sources (read for facts): home-assistant.io/integrations/{sensor,binary_sensor,button}.mqtt
and /integrations/mqtt (discovery); developers.home-assistant.io/docs/core/entity/sensor
(enum sensors take ``options`` and no state class or unit; a state class makes the state
numeric; timestamp and enum sensors take neither); the 2023-07-21 developers' blog post
"change naming mqtt entities" (every MQTT entity has ``has_entity_name`` set, so it is no
option, and an entity name must not start with the device's name); HA 2025.10's release
(``default_entity_id``, ``<domain>.<object id>``, replaces ``object_id``, which stopped
working in 2026.4).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

# What follows the discovery prefix (Home Assistant matches it after removing the prefix).
TOPIC = re.compile(r"^(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?"
                   r"(?P<object_id>[a-zA-Z0-9_-]+)/config$")

COMMON = {"name", "unique_id", "device", "origin", "availability", "availability_mode",
          "icon", "entity_category", "enabled_by_default", "json_attributes_topic",
          "json_attributes_template", "qos", "default_entity_id", "platform",
          "encoding", "entity_picture"}
REMOVED = {"object_id": "removed in HA 2026.4: use default_entity_id",
           "has_entity_name": "not an MQTT option: HA sets it on every MQTT entity"}
ENTITY_ID = re.compile(r"^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$")
NUMERIC_BLOCKED = {"timestamp", "date", "enum"}  # no state_class, no unit
KEYS = {
    "sensor": COMMON | {"state_topic", "device_class", "state_class", "unit_of_measurement",
                        "value_template", "expire_after", "force_update", "options",
                        "suggested_display_precision", "last_reset_value_template"},
    "binary_sensor": COMMON | {"state_topic", "device_class", "payload_on", "payload_off",
                               "value_template", "expire_after", "force_update", "off_delay"},
    "button": COMMON | {"command_topic", "command_template", "payload_press", "device_class",
                        "retain"},
}
REQUIRED = {"sensor": {"state_topic"}, "binary_sensor": {"state_topic"},
            "button": {"command_topic"}}
DEVICE_CLASSES = {
    "sensor": {"timestamp", "enum", "date", "duration", "battery", "temperature", "power",
               "energy", "humidity", "heart_rate", None},
    "binary_sensor": {"problem", "connectivity", "running", "update", "safety", None},
    "button": {"identify", "restart", "update", None},
}
DEVICE_KEYS = {"identifiers", "connections", "name", "manufacturer", "model", "model_id",
               "sw_version", "hw_version", "serial_number", "suggested_area",
               "configuration_url", "via_device"}


ORIGIN_KEYS = {"name", "sw_version", "support_url"}


def valid_publish_topic(t: Any) -> bool:
    return (isinstance(t, str) and 0 < len(t.encode()) <= 65535 and "+" not in t
            and "#" not in t and "\0" not in t)


def problems(topic: str, payload: str, prefix: str = "homeassistant") -> list[str]:
    out: list[str] = []
    if not topic.startswith(prefix + "/"):
        return [f"{topic}: not under the discovery prefix {prefix!r}"]
    m = TOPIC.match(topic.removeprefix(prefix + "/"))
    if m is None:
        return [f"{topic}: not <prefix>/<component>/[<node_id>/]<object_id>/config"]
    component = m["component"]
    if component not in KEYS:
        return [f"{topic}: component {component!r} is not one syncd should use"]
    try:
        cfg = json.loads(payload)
    except ValueError:
        return [f"{topic}: payload is not JSON"]
    if not isinstance(cfg, dict):
        return [f"{topic}: payload is not a JSON object"]
    out += [f"{topic}: {k!r} {REMOVED[k]}" for k in sorted(set(cfg) & set(REMOVED))]
    out += [f"{topic}: unknown key {k!r}"
            for k in sorted(set(cfg) - KEYS[component] - set(REMOVED))]
    eid = cfg.get("default_entity_id")
    if eid is not None and not (isinstance(eid, str) and ENTITY_ID.match(eid)
                                and eid.split(".")[0] == component):
        out.append(f"{topic}: default_entity_id {eid!r} is not {component}.<lower_case_id>")
    name = cfg.get("name")
    if name is not None and not (isinstance(name, str) and name.strip()):
        out.append(f"{topic}: name must be a non-empty string (or null)")
    out += [f"{topic}: missing {k!r}" for k in sorted(REQUIRED[component] - set(cfg))]
    for key in ("state_topic", "command_topic", "json_attributes_topic"):
        if key in cfg and not valid_publish_topic(cfg[key]):
            out.append(f"{topic}: {key} {cfg[key]!r} is not a topic one can publish to")
    if not isinstance(cfg.get("unique_id"), str) or not cfg["unique_id"]:
        out.append(f"{topic}: no unique_id (the entity could not be edited or grouped)")
    device = cfg.get("device")
    if not isinstance(device, dict):
        out.append(f"{topic}: no device")
    else:
        out += [f"{topic}: device has unknown key {k!r}" for k in set(device) - DEVICE_KEYS]
        dname = device.get("name")
        if isinstance(dname, str) and isinstance(name, str) and \
                name.lower().startswith(dname.lower()):
            out.append(f"{topic}: entity name {name!r} starts with the device name")
        ids = device.get("identifiers")
        if not (isinstance(ids, list) and ids and all(isinstance(i, str) for i in ids)) \
                and not device.get("connections"):
            out.append(f"{topic}: device needs identifiers or connections")
    origin = cfg.get("origin")
    if origin is not None and not (isinstance(origin, dict) and isinstance(origin.get("name"), str)
                                   and set(origin) <= ORIGIN_KEYS):
        out.append(f"{topic}: origin needs a name and only {sorted(ORIGIN_KEYS)}")
    avail = cfg.get("availability")
    if not (isinstance(avail, list) and avail
            and all(isinstance(a, dict) and valid_publish_topic(a.get("topic")) for a in avail)):
        out.append(f"{topic}: availability must be a list of {{topic: ...}}")
    if "availability_topic" in cfg and "availability" in cfg:
        out.append(f"{topic}: availability and availability_topic together")
    if cfg.get("device_class") not in DEVICE_CLASSES[component]:
        out.append(f"{topic}: device_class {cfg.get('device_class')!r} unknown for "
                   f"{component}")
    if component == "sensor" and cfg.get("device_class") == "enum" and not (
            isinstance(cfg.get("options"), list) and cfg["options"]
            and all(isinstance(o, str) for o in cfg["options"])):
        out.append(f"{topic}: an enum sensor needs options (a list of strings)")
    if component == "sensor" and cfg.get("device_class") in NUMERIC_BLOCKED and (
            "state_class" in cfg or "unit_of_measurement" in cfg):
        out.append(f"{topic}: a {cfg['device_class']} sensor takes no state_class or unit")
    if "options" in cfg and cfg.get("device_class") != "enum":
        out.append(f"{topic}: options without device_class enum")
    if cfg.get("state_class") not in (None, "measurement", "total", "total_increasing"):
        out.append(f"{topic}: state_class {cfg['state_class']!r} unknown")
    if cfg.get("entity_category") not in (None, "diagnostic", "config"):
        out.append(f"{topic}: entity_category {cfg['entity_category']!r} unknown")
    if component == "sensor" and cfg.get("entity_category") == "config":
        out.append(f"{topic}: a sensor cannot be a config entity")
    return out


def state_problems(cfg: dict[str, Any], state: str | None,
                   attributes: str | None) -> list[str]:
    """Would Home Assistant accept this state (and attributes) for this entity?"""
    name = cfg.get("name")
    out: list[str] = []
    if state is None:
        return [f"{name}: no state published"]
    if state == "None":  # Home Assistant's MQTT sensors take it as "unknown"
        pass
    elif cfg.get("device_class") == "timestamp":
        try:
            if datetime.fromisoformat(state).tzinfo is None:
                out.append(f"{name}: timestamp {state!r} has no time zone")
        except ValueError:
            out.append(f"{name}: {state!r} is not an ISO 8601 timestamp")
    elif cfg.get("device_class") == "enum" and state not in cfg.get("options", []):
        out.append(f"{name}: {state!r} is not one of the options")
    elif cfg.get("state_class") is not None or cfg.get("unit_of_measurement") is not None:
        try:
            float(state)
        except ValueError:
            out.append(f"{name}: {state!r} is not a number")
    if "payload_on" in cfg and state not in (cfg["payload_on"], cfg["payload_off"]):
        out.append(f"{name}: {state!r} is neither payload_on nor payload_off")
    if len(state) > 255:
        out.append(f"{name}: state longer than 255 characters")
    if "json_attributes_topic" in cfg:
        try:
            if not isinstance(json.loads(attributes or ""), dict):
                out.append(f"{name}: attributes are not a JSON object")
        except ValueError:
            out.append(f"{name}: attributes are not JSON")
    return out
