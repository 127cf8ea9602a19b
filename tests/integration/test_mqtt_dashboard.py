"""What a Home Assistant dashboard sees across restarts, reloads and "sync now", against a
real Mosquitto on 127.0.0.1 (issue 24).

A daemon restart without a plan change sends no state but availability and the last sync
time; a calendar fixed and then reloaded, or retried with the button, clears "Calendar
unreachable" at once, whatever its backoff; Garmin's entities exist only with Garmin.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.mqtt.entities import ENTITIES
from tests.integration.test_mqtt_daemon import (
    BASE,
    CONFIG_TOPICS,
    PREFIX,
    Daemon,
    check_home_assistant_view,
    complete,
    published_everything,
    wait_until,
)
from tests.mqtt_broker import Mosquitto, Recorder

pytestmark = pytest.mark.integration
GARMIN_KEYS = {"readiness", "hrv_status", "garmin_login"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    b = Mosquitto(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    made: list[Daemon] = []
    yield made
    for d in made:
        d.stop()


def daemon(made: list[Daemon], root: Path, port: int, ics: Path | None = None) -> Daemon:
    d = Daemon(root, port, 60)  # no timed cycle during a test: only starts, reloads, presses
    if ics is not None:
        d.config.write_text(d.config.read_text().replace(str(root / "strength.ics"), str(ics)))
    made.append(d)
    d.start()
    return d


def state(port: int, key: str, what: str = "state") -> str | None:
    return published_everything(port).get(f"{BASE}/{key}/{what}")


def test_a_restart_without_a_plan_change_sends_only_availability_and_last_sync(
        tmp_path, broker, daemons):
    d = daemon(daemons, tmp_path / "d", broker.port)
    assert d.wait_cycles(1)
    assert wait_until(lambda: complete(broker.port), 20)
    before = published_everything(broker.port)
    assert d.stop(signal.SIGTERM) == 0
    rec = Recorder(broker.port, (f"{BASE}/#",)).start()
    try:
        time.sleep(1)  # the retained messages a new subscriber gets (retain flag set)
        mark = time.monotonic()
        d.start()
        assert d.wait_cycles(1)
        assert wait_until(lambda: any(m.topic == f"{BASE}/last_sync/state"
                                      for m in rec.since(mark)), 20)
        time.sleep(2)  # anything else the daemon would still send
        live = [m for m in rec.since(mark) if not m.retain]
    finally:
        rec.stop()
    # The read-back's probe: empty, not retained, on a topic no entity reads.
    probes = [m for m in live if m.topic.startswith(f"{BASE}/probe/")]
    assert len(probes) == 1 and probes[0].payload == ""
    live = [m for m in live if m not in probes]
    assert "0 changed" in d.text().split("syncd started")[-1]
    assert {m.topic for m in live} == {f"{BASE}/availability", f"{BASE}/last_sync/state"}, \
        [(m.topic, m.payload) for m in live]
    assert [m.payload for m in live if m.topic == f"{BASE}/availability"] == ["online"]
    assert len([m for m in live if m.topic.endswith("last_sync/state")]) == 1
    after = published_everything(broker.port)
    assert after[f"{BASE}/last_change/state"] == before[f"{BASE}/last_change/state"]
    assert after[f"{BASE}/phase/state"] == before[f"{BASE}/phase/state"]
    assert after[f"{BASE}/last_sync/state"] > before[f"{BASE}/last_sync/state"]
    check_home_assistant_view(after)


def test_a_restart_with_the_broker_emptied_publishes_the_stored_values(
        tmp_path, broker, daemons):
    d = daemon(daemons, tmp_path / "d", broker.port)
    assert d.wait_cycles(1)
    assert wait_until(lambda: complete(broker.port), 20)
    before = published_everything(broker.port)
    assert d.stop(signal.SIGTERM) == 0
    broker.stop()  # no persistence: everything retained is gone
    broker.start()
    rec = Recorder(broker.port, (f"{BASE}/#",)).start()
    try:
        d.start()
        # Before the first cycle ends: the last change and phase are the stored ones, not
        # "unknown" and not the restart's time.
        assert wait_until(lambda: any(m.topic == f"{BASE}/last_change/state"
                                      for m in rec.messages), 20)
        assert not any(m.payload == "None" for m in rec.messages
                       if m.topic in (f"{BASE}/phase/state", f"{BASE}/last_result/state"))
    finally:
        rec.stop()
    assert wait_until(lambda: complete(broker.port), 20)
    after = published_everything(broker.port)
    assert after[f"{BASE}/last_change/state"] == before[f"{BASE}/last_change/state"]
    assert after[f"{BASE}/phase/state"] == before[f"{BASE}/phase/state"]


def test_a_reload_after_the_fix_clears_calendar_unreachable_at_once(tmp_path, broker,
                                                                    daemons):
    root = tmp_path / "d"
    root.mkdir()
    (root / "blocked").write_text("a file where a folder should be")
    d = daemon(daemons, root, broker.port, ics=root / "blocked" / "strength.ics")
    assert wait_until(lambda: state(broker.port, "calendar_problem") == "ON", 30)
    failing = json.loads(state(broker.port, "calendar_problem", "attributes") or "{}")
    assert "blocked" in failing["failing"]["ics"]
    # The fix: a writable path. The calendar now backs off for a minute (±20 %).
    d.config.write_text(d.config.read_text().replace(str(root / "blocked"), str(root / "ok")))
    assert d.proc is not None
    d.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: state(broker.port, "calendar_problem") == "OFF", 20)
    assert json.loads(state(broker.port, "calendar_problem", "attributes") or "{}") == \
        {"failing": {}}
    assert (root / "ok" / "strength.ics").exists()
    assert "retrying every component now" in d.text()
    assert state(broker.port, "last_result") == "ok"


def test_sync_now_retries_a_failing_calendar_during_its_backoff(tmp_path, broker, daemons):
    root = tmp_path / "d"
    root.mkdir()
    (root / "cal").write_text("a file where a folder should be")
    d = daemon(daemons, root, broker.port, ics=root / "cal" / "strength.ics")
    assert wait_until(lambda: state(broker.port, "calendar_problem") == "ON", 30)
    (root / "cal").unlink()  # the fix, with no reload
    (root / "cal").mkdir()
    rec = Recorder(broker.port, ("nothing/#",)).start()
    try:
        rec.publish(f"{BASE}/sync_now/press", "PRESS")
        assert wait_until(lambda: state(broker.port, "calendar_problem") == "OFF", 20)
    finally:
        rec.stop()
    assert (root / "cal" / "strength.ics").exists()
    assert "retrying every component now" in d.text()


def test_garmin_entities_only_with_garmin(tmp_path, broker, daemons):
    # What an earlier version left on the broker: Garmin's entities and the "x/y" week.
    old = Recorder(broker.port, ("nothing/#",)).start()
    try:
        for e in ENTITIES:
            if e.key in GARMIN_KEYS:
                old.publish(f"{PREFIX}/{e.component}/{BASE}/{e.key}/config", "{}", retain=True)
                old.publish(f"{BASE}/{e.key}/state", "OFF", retain=True)
        old.publish(f"{PREFIX}/sensor/{BASE}/week/config", "{}", retain=True)
        old.publish(f"{BASE}/week/state", "0/2", retain=True)
        old.publish(f"{BASE}/week/attributes", "{}", retain=True)
    finally:
        old.stop()
    d = daemon(daemons, tmp_path / "d", broker.port)  # no [sources.garmin]
    assert d.wait_cycles(1)
    assert wait_until(lambda: complete(broker.port), 20)
    assert wait_until(lambda: f"{BASE}/week/state" not in published_everything(broker.port), 10)
    view = published_everything(broker.port)
    left = {t for t in view if any(f"/{k}/" in t for k in GARMIN_KEYS | {"week"})}
    assert left == set()
    check_home_assistant_view(view)
    assert len([t for t in view if t.startswith(f"{PREFIX}/")]) == len(CONFIG_TOPICS)
