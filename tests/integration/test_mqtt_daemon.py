"""`syncd run` with [mqtt] against a real Mosquitto broker on 127.0.0.1.

Home Assistant's side is played by a recording client: it checks the discovery configs and
states HA would get (retained), the last will after kill -9, the "sync now" button, the
re-publish when HA announces itself, a broker that is down at start and one that restarts,
a refused login, and that a quiet cycle sends only its "last sync" time.
(test_mqtt_dashboard: restarts, reloads and what a dashboard shows.)
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from syncd.mqtt.entities import shown
from tests.ha_mqtt_schema import problems, state_problems
from tests.mqtt_broker import Mosquitto, Recorder, make_certificates, retained

pytestmark = pytest.mark.integration
PREFIX, BASE = "homeassistant", "syncd"


def wait_until(what: Callable[[], bool], timeout: float = 30, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(step)
    return False


class Daemon:
    def __init__(self, root: Path, port: int | None, interval_min: float,
                 extra: str = "") -> None:
        self.root = root
        self.state = root / "state"
        self.config = root / "config.toml"
        self.log = root / "daemon.log"
        root.mkdir(parents=True, exist_ok=True)
        self.config.write_text(f"""
[athlete]
name = "Alex"
timezone = "Europe/Berlin"
[sources]
demo = true
[ics]
path = "{root / 'strength.ics'}"
{f'[mqtt]{chr(10)}host = "127.0.0.1"{chr(10)}port = {port}' if port else ""}
{extra}
[daemon]
interval_minutes = {interval_min}
""")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCD_", "NOTIFY_"))}
        env["HOME"] = str(self.root)
        self.logfile = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "syncd", "-v", "--config", str(self.config),
             "--state-dir", str(self.state), "run"],
            stdout=self.logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def last_cycle(self) -> str | None:
        try:
            db = sqlite3.connect(f"file:{self.state / 'state.sqlite3'}?mode=ro", uri=True)
            try:
                row = db.execute("SELECT last_run FROM components WHERE name='cycle'").fetchone()
            finally:
                db.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def wait_cycles(self, n: int, timeout: float = 60) -> bool:
        """Wait until ``n`` more cycles have run (each one stamps the state)."""
        seen = [self.last_cycle()]

        def more() -> bool:
            now = self.last_cycle()
            if now != seen[-1]:
                seen.append(now)
            return len(seen) > n

        return wait_until(more, timeout)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGKILL) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(20)
        self.logfile.close()
        return code


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    b = Mosquitto(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def make_daemon(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    made: list[Daemon] = []

    def make(port: int, interval_min: float = 60, extra: str = "") -> Daemon:
        d = Daemon(tmp_path / f"d{len(made)}", port, interval_min, extra)
        made.append(d)
        d.start()
        return d

    yield make
    for d in made:
        d.stop()


SHOWN = shown(garmin=False, readiness=False)  # these daemons have no [sources.garmin]
CONFIG_TOPICS = {f"{PREFIX}/{e.component}/{BASE}/{e.key}/config" for e in SHOWN}
STATE_TOPICS = {f"{BASE}/{e.key}/state" for e in SHOWN if e.component != "button"}


def published_everything(port: int) -> dict[str, str]:
    got = retained(port, (f"{PREFIX}/#", f"{BASE}/#"))
    return {t: m.payload for t, m in got.items()}


def complete(port: int) -> bool:
    """Every config and every state is retained (states come once a cycle has run)."""
    return set(published_everything(port)) >= CONFIG_TOPICS | STATE_TOPICS


def check_home_assistant_view(view: dict[str, str]) -> None:
    """Everything HA needs is retained and would be accepted."""
    assert set(view) >= CONFIG_TOPICS, sorted(CONFIG_TOPICS - set(view))
    errors = []
    unique_ids = set()
    for topic in CONFIG_TOPICS:
        errors += problems(topic, view[topic])
        cfg = json.loads(view[topic])
        unique_ids.add(cfg["unique_id"])
        assert cfg["device"]["name"] == "syncd (Alex)"
        assert cfg["availability"] == [{"topic": f"{BASE}/availability"}]
        if "state_topic" in cfg:
            errors += state_problems(cfg, view.get(cfg["state_topic"]),
                                     view.get(cfg.get("json_attributes_topic", "")))
    assert errors == []
    assert len(unique_ids) == len(CONFIG_TOPICS)
    assert view[f"{BASE}/availability"] == "online"


def test_discovery_and_states_are_retained_and_valid_for_home_assistant(broker, make_daemon):
    d = make_daemon(broker.port)
    assert d.wait_cycles(1)
    assert wait_until(lambda: complete(broker.port), 20)
    view = published_everything(broker.port)
    check_home_assistant_view(view)
    # The demo plans sessions this week and has a phase once the first cycle has run.
    assert view[f"{BASE}/phase/state"] in ("base", "build", "peak", "taper", "race-week",
                                           "recovery", "maintenance")
    assert view[f"{BASE}/next_session/state"] != "None"
    assert view[f"{BASE}/next_title/state"] not in ("None", "No session planned")
    done, planned = int(view[f"{BASE}/week_done/state"]), int(view[f"{BASE}/week_planned/state"])
    assert planned >= 1 and 0 <= done <= planned
    assert view[f"{BASE}/last_result/state"] == "ok"
    assert view[f"{BASE}/calendar_problem/state"] == "OFF"
    # Made by this first cycle, which planned the sessions: both are its time.
    assert view[f"{BASE}/last_change/state"] == view[f"{BASE}/last_sync/state"]


def test_a_quiet_cycle_publishes_only_its_last_sync_time(broker, make_daemon):
    rec = Recorder(broker.port).start()
    try:
        d = make_daemon(broker.port, interval_min=0.0167)  # a cycle a second
        assert d.wait_cycles(3)
        assert wait_until(lambda: complete(broker.port), 20)
        mark = time.monotonic()
        assert d.wait_cycles(4)
        time.sleep(0.5)
        sent = rec.since(mark)
        assert {m.topic for m in sent} == {f"{BASE}/last_sync/state"}
        assert 3 <= len(sent) <= 6  # one per cycle (4, give or take the edges)
        assert all(m.retain is False and len(m.payload) <= 32 for m in sent)
        assert d.alive()
    finally:
        rec.stop()


def test_kill_9_leaves_the_last_will_offline(broker, make_daemon):
    d = make_daemon(broker.port)
    assert wait_until(lambda: published_everything(broker.port).get(f"{BASE}/availability")
                      == "online", 30)
    rec = Recorder(broker.port, (f"{BASE}/availability",)).start()
    try:
        d.stop(signal.SIGKILL)
        assert wait_until(lambda: any(m.payload == "offline" for m in rec.messages), 10)
    finally:
        rec.stop()
    assert published_everything(broker.port)[f"{BASE}/availability"] == "offline"


def test_a_clean_stop_says_offline_too(broker, make_daemon):
    d = make_daemon(broker.port)
    assert wait_until(lambda: published_everything(broker.port).get(f"{BASE}/availability")
                      == "online", 30)
    assert d.stop(signal.SIGTERM) == 0
    assert published_everything(broker.port)[f"{BASE}/availability"] == "offline"


def test_the_sync_now_button_runs_a_cycle(broker, make_daemon):
    d = make_daemon(broker.port, interval_min=60)  # no cycle of its own for an hour
    assert d.wait_cycles(1)
    assert wait_until(lambda: f"{BASE}/availability" in published_everything(broker.port), 20)
    before = d.last_cycle()
    time.sleep(1.5)
    assert d.last_cycle() == before
    rec = Recorder(broker.port, ("nothing/#",)).start()
    try:
        rec.publish(f"{BASE}/sync_now/press", "PRESS")
        assert wait_until(lambda: d.last_cycle() != before, 20)
        assert "sync now" in d.text()
        pressed = d.last_cycle()
        rec.publish(f"{BASE}/sync_now/press", "PRESS")  # and again: every press counts
        assert wait_until(lambda: d.last_cycle() != pressed, 20)
    finally:
        rec.stop()


def test_home_assistant_coming_online_gets_the_discovery_again(broker, make_daemon):
    d = make_daemon(broker.port)
    assert d.wait_cycles(1)
    assert wait_until(lambda: set(published_everything(broker.port)) >= CONFIG_TOPICS, 20)
    rec = Recorder(broker.port, (f"{PREFIX}/+/{BASE}/+/config",)).start()
    try:
        time.sleep(1)
        mark = time.monotonic()
        rec.publish(f"{PREFIX}/status", "online")
        assert wait_until(lambda: {m.topic for m in rec.since(mark)} >= CONFIG_TOPICS, 10)
    finally:
        rec.stop()


def test_broker_down_at_start_and_restarted_later(tmp_path, make_daemon):
    b = Mosquitto(tmp_path / "late-broker")
    d = make_daemon(b.port, interval_min=0.0167)
    try:
        assert d.wait_cycles(3)  # plans on while there is no broker
        assert d.alive()
        b.start()
        assert wait_until(lambda: complete(b.port), 30)
        check_home_assistant_view(published_everything(b.port))
        b.stop()  # no persistence: everything retained is gone with it
        assert d.wait_cycles(3)
        assert d.alive()
        b.start()
        assert wait_until(lambda: complete(b.port), 30)
        check_home_assistant_view(published_everything(b.port))
        # The outage was told once, not on every retry.
        assert d.text().count("cannot reach the MQTT broker") == 1
        assert d.text().count("lost the connection to the MQTT broker") == 1
        assert d.text().count("connected to the MQTT broker") == 2
    finally:
        b.stop()


def test_a_refused_login_is_one_line_and_no_retry_storm(tmp_path, make_daemon):
    b = Mosquitto(tmp_path / "auth-broker", users={"syncd": "right-password"})
    b.start()
    try:
        d = make_daemon(b.port, interval_min=0.0167,
                        extra='username = "syncd"\npassword = "wrong-password"')
        assert wait_until(lambda: "refused the login" in d.text(), 20)
        assert d.wait_cycles(5)  # the daemon goes on
        assert d.alive()
        assert d.text().count("refused the login") == 1
        assert "wrong-password" not in d.text()
        assert b.log_count("not authorised") == 1
    finally:
        b.stop()


def test_the_right_login_connects(tmp_path, make_daemon):
    b = Mosquitto(tmp_path / "auth-broker", users={"syncd": "right-password"})
    b.start()
    try:
        os.environ["MQTT_TEST_PW"] = "right-password"
        d = make_daemon(b.port, extra='username = "syncd"\npassword_env = "MQTT_TEST_PW"')
        assert d.wait_cycles(1)
        assert wait_until(lambda: "connected to the MQTT broker" in d.text(), 20)
        assert b.log_count("not authorised") == 0
        assert "right-password" not in d.text()
    finally:
        os.environ.pop("MQTT_TEST_PW", None)
        b.stop()


def test_tls_with_the_brokers_own_ca(tmp_path, make_daemon):
    ca, cert, key = make_certificates(tmp_path / "certs")
    b = Mosquitto(tmp_path / "tls-broker", tls=(cert, key))
    b.start()
    try:
        d = make_daemon(b.port, extra=f'tls = true\nca_file = "{ca}"')
        assert wait_until(lambda: complete(b.plain_port), 30)
        check_home_assistant_view(published_everything(b.plain_port))
        # Without the CA the broker's certificate is not trusted: no connection, one warning.
        other = make_daemon(b.port, interval_min=0.0167, extra="tls = true")
        assert other.wait_cycles(3)
        assert other.text().count("cannot reach the MQTT broker") == 1
        assert "connected to the MQTT broker" not in other.text()
        assert d.alive() and other.alive()
    finally:
        b.stop()


def test_problem_sensors_go_on_and_off_as_the_faults_come_and_heal(tmp_path, broker,
                                                                   make_daemon, fake_garmin):
    from tests.integration.servers import radicale
    from tests.proxy import start_proxy

    (tmp_path / "radicale").mkdir()
    server = radicale(tmp_path / "radicale")  # its port is chosen; it is not running yet
    # syncd talks to a proxy of ours, so no other process can answer in the server's place.
    proxy, _ = start_proxy(server.port)
    d = make_daemon(broker.port, interval_min=0.0167, extra=f"""
[sources.garmin]
enabled = true
api_url = "{fake_garmin.url}"
readiness = false
[calendar]
url = "http://127.0.0.1:{proxy.server_address[1]}/"
username = "runner"
password = "pw"
""")  # and no Garmin tokens: `syncd login` was never run

    def state(key: str) -> str | None:
        return published_everything(broker.port).get(f"{BASE}/{key}/state")

    try:
        assert wait_until(lambda: state("garmin_login") == "ON", 30)
        # With [sources.garmin] its entities are announced (readiness = false: not those).
        configs = published_everything(broker.port)
        assert f"{PREFIX}/binary_sensor/{BASE}/garmin_login/config" in configs
        assert f"{PREFIX}/sensor/{BASE}/readiness/config" not in configs
        assert wait_until(lambda: state("calendar_problem") == "ON", 30)
        attrs = json.loads(published_everything(broker.port)[f"{BASE}/calendar_problem/"
                                                              "attributes"])
        assert list(attrs["failing"]) == ["caldav"]
        assert state("last_result") == "errors"
        server.start()  # the calendar server comes (back)
        assert wait_until(lambda: state("calendar_problem") == "OFF", 60)
        assert state("garmin_login") == "ON"  # still: only a login fixes that
        assert d.alive()
    finally:
        server.stop()
        proxy.shutdown()
