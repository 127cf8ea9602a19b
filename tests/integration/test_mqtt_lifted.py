"""Home Assistant's session attributes say what was lifted, bounded, through a real Mosquitto on
127.0.0.1: the companion reads the state as a cycle left it and HA's schema accepts the result.

The companion reads the wall clock (it is the resident process), so the session is put one day
after the real now; nothing here asserts a time."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncd.config.loader import parse_config
from syncd.model import Exercise, Session, SessionKind
from syncd.mqtt.companion import MqttCompanion
from syncd.mqtt.snapshot import MAX_LIFTED, MAX_LIFTED_CHARS
from syncd.state import State
from tests.ha_mqtt_schema import state_problems
from tests.mqtt_broker import Mosquitto, retained

pytestmark = pytest.mark.integration
TOLD = "last time: 4 × 6 at 90 kg, all reps; e1RM 108 kg → today 92.5 kg"


def session(tz: ZoneInfo) -> Session:
    start = datetime.now(tz).replace(microsecond=0) + timedelta(days=1)
    lifts = [Exercise("Back squat", "squat", 4, "6", "92.5 kg", 180, f"main lift; {TOLD}"),
             Exercise("Dead bug", "core", 3, "8", note="slow")]  # no load from the watch
    many = [Exercise(f"Lift {i}", "squat", 3, "5", "50 kg", 90, f"last time: {'x' * 300}")
            for i in range(MAX_LIFTED + 3)]  # hostile: too many lines, too long
    return Session("syncd-lifted-1", SessionKind.HEAVY, start, start + timedelta(minutes=45),
                   title="Strength: squat · 45 min", exercises=(*lifts, *many))


def test_next_session_attributes_carry_the_lifted_lines(tmp_path: Path):
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    try:
        cfg = parse_config(f'[athlete]\ntimezone = "Europe/Berlin"\n[sources]\ndemo = true\n'
                           f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n', "x",
                           base_dir=tmp_path, env={})
        tz = ZoneInfo("Europe/Berlin")
        state = State(tmp_path / "state")
        state.put_session(session(tz), datetime.now(tz))
        state.close()
        companion = MqttCompanion(cfg, tmp_path / "state")
        companion.start(lambda: None)
        try:
            topic = "syncd/next_title/attributes"
            deadline = time.monotonic() + 20
            got: dict = {}
            while topic not in got and time.monotonic() < deadline:
                got = retained(broker.port, ("syncd/#", "homeassistant/#"), settle=0.5)
        finally:
            companion.stop()
    finally:
        broker.stop()
    attrs = json.loads(got[topic].payload)
    lifted = attrs["lifted"]
    assert lifted[0] == f"Back squat: {TOLD}"
    assert len(lifted) == MAX_LIFTED and all(len(line) <= MAX_LIFTED_CHARS for line in lifted)
    assert not any(line.startswith("Dead bug") for line in lifted)
    config = json.loads(got["homeassistant/sensor/syncd/next_title/config"].payload)
    assert state_problems(config, got["syncd/next_title/state"].payload,
                          got[topic].payload) == []
    assert len(got[topic].payload.encode()) < 4096, "the attributes stay small"
