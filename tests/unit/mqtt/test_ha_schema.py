"""The checker of Home Assistant's discovery rules catches what HA's documentation forbids
(else a test passing through it would prove nothing)."""

from __future__ import annotations

import json
from typing import Any

from tests.ha_mqtt_schema import problems, state_problems

TOPIC = "homeassistant/sensor/syncd/x/config"
GOOD: dict[str, Any] = {"name": "Today", "unique_id": "syncd_x", "state_topic": "syncd/x/state",
                        "default_entity_id": "sensor.syncd_x",
                        "device": {"identifiers": ["syncd"], "name": "syncd (Alex)"},
                        "availability": [{"topic": "syncd/availability"}]}


def check(**changes: Any) -> list[str]:
    cfg = {**GOOD, **changes}
    return problems(TOPIC, json.dumps({k: v for k, v in cfg.items() if v is not None}))


def test_a_good_config_passes():
    assert check() == []


def test_what_home_assistant_refuses_or_warns_about_is_caught():
    cases = {
        "object_id": check(object_id="syncd_x"),
        "has_entity_name": check(has_entity_name=True),
        "default_entity_id": check(default_entity_id="binary_sensor.syncd_x"),
        "lower_case_id": check(default_entity_id="sensor.Syncd_X"),
        "starts with the device name": check(name="syncd (Alex) Today"),
        "needs options": check(device_class="enum"),
        "takes no state_class": check(device_class="enum", options=["a"],
                                      state_class="measurement"),
        "timestamp sensor takes no": check(device_class="timestamp",
                                           unit_of_measurement="s"),
        "options without": check(options=["a"]),
        "unknown key": check(colour="red"),
        "origin needs a name": check(origin={"sw_version": "1"}),
        "missing 'state_topic'": check(state_topic=None),
    }
    for expected, found in cases.items():
        assert any(expected in p for p in found), (expected, found)


def test_states_home_assistant_would_refuse():
    enum = {"name": "e", "device_class": "enum", "options": ["ok"]}
    assert state_problems(enum, "ok", None) == []
    assert state_problems(enum, "None", None) == []  # unknown
    assert state_problems(enum, "fine", None) != []
    count = {"name": "n", "state_class": "measurement", "unit_of_measurement": "sessions"}
    assert state_problems(count, "2", None) == []
    assert state_problems(count, "1/2", None) != []
    stamp = {"name": "t", "device_class": "timestamp"}
    assert state_problems(stamp, "2026-10-25T12:00:00", None) != []  # no time zone
