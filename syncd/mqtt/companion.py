"""The MQTT companion: the broker connection of ``syncd run``, beside the cycle loop.

It lives in the daemon's resident process (cycles run in forked children that exit), so its
last will stays armed for the daemon's whole life: when the daemon dies, even by kill -9,
the broker marks every entity unavailable. paho-mqtt's own network thread keeps the link:
a broker that is down or goes away is retried with exponential backoff (1 s doubling to
2 min) while the daemon goes on planning. A broker that refuses the login is said once,
then tried again only hourly: no retry storm, no log flood.

Publish nothing that is not known, and nothing the broker already holds: on every
(re)connect syncd first reads back its own retained states (a probe message it sends
itself marks the end of them), then publishes only what differs; so a daemon restart with
no change sends no state at all, and a broker that lost its retained messages gets them
all again. A value not known yet (the phase before the first cycle of a fresh install) is
not published. "Last change" moves only when a cycle changed the plan; "Last sync" moves
after every cycle, the one message a quiet cycle sends. Both, and the last phase, survive a
restart in ``mqtt.json`` (``memory``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncd.model import Phase
from syncd.mqtt.entities import (
    ENTITIES,
    PRESS,
    RETIRED,
    Topics,
    device_name,
    discovery,
    owned_state_topic,
    shown,
    state_messages,
)
from syncd.mqtt.memory import Memory
from syncd.mqtt.snapshot import read_view, values

if TYPE_CHECKING:
    from syncd.config.loader import Config

log = logging.getLogger(__name__)
RECONNECT_MIN = 1
RECONNECT_MAX = 120
AUTH_PAUSE = 3600  # seconds between tries after the broker refused the login
REFUSED = {134: "bad user name or password", 135: "not authorised"}
KEEPALIVE = 60
READBACK_WAIT = 5.0  # seconds to wait for the retained states before publishing anyway
PHASES = {p.value for p in Phase}


class MqttCompanion:
    name = "mqtt"

    def __init__(self, config: Config, state_dir: Path) -> None:
        assert config.mqtt is not None
        self.settings = config.mqtt
        self.tz = config.athlete.tz
        self.state_dir = state_dir
        self.topics = Topics(self.settings.discovery_prefix, self.settings.base_topic)
        garmin = config.garmin
        self.entities = shown(garmin is not None, garmin is not None and garmin.readiness)
        self.configs = discovery(self.topics, device_name(config.values["athlete"]["name"]),
                                 self.entities)
        self._keys = {e.key for e in self.entities}
        self._owned = {e.key for e in ENTITIES} | {k for _, k in RETIRED}  # shown or not
        self.where = f"{self.settings.host}:{self.settings.port}"
        self._lock = threading.Lock()
        self._desired: dict[str, str] = {}
        self._published: dict[str, str] = {}
        self._connected = False
        self._outage_said = False
        self._refused_said = False
        self._memory = Memory.load(state_dir)
        if self._memory.phase not in PHASES:
            self._memory.phase = None
        self._probe = f"{self.topics.base}/probe/{os.urandom(6).hex()}"
        self._seen: dict[str, str] = {}  # retained states read back since the connect
        self._synced = False  # read back: self._published is what the broker holds
        self._generation = 0  # connections so far; a stale read-back timer does nothing
        self._wake: Callable[[], None] = lambda: None
        self._client: Any = None

    # -- the Companion protocol ----------------------------------------------------------

    def start(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._desired = self._compute(cycle_failed=False)
        self._client = self._make_client()
        self._client.connect_async(self.settings.host, self.settings.port, KEEPALIVE)
        self._client.loop_start()

    def after_cycle(self, summary: dict[str, Any] | None) -> None:
        phase = summary.get("phase") if summary else None
        self._memory.after_cycle(datetime.now(self.tz), int((summary or {}).get("changes") or 0),
                                 phase if phase in PHASES else None)
        self._memory.save(self.state_dir)
        with self._lock:
            self._desired = self._compute(summary is None)
            if self._connected and self._synced:
                self._publish_changes()

    def stop(self) -> None:
        client = self._client
        if client is None:
            return
        if self._connected:
            info = client.publish(self.topics.availability, "offline", qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):  # the link went away
                info.wait_for_publish(2.0)  # meanwhile: the last will says the same
            client.disconnect()
        client.loop_stop()

    # -- what is published -----------------------------------------------------------------

    def _compute(self, cycle_failed: bool) -> dict[str, str]:
        now = datetime.now(self.tz)
        view = read_view(self.state_dir, now.date())
        shown_values = values(view, now, self.tz, self._memory.phase, cycle_failed)
        m = self._memory
        if m.last_sync is None:  # before the first cycle with [mqtt]: the state may know
            cycle = next((c for c in view.components if c.name == "cycle"), None)
            m.last_sync = (datetime.fromisoformat(cycle.last_run).astimezone(self.tz)
                           .isoformat(timespec="seconds") if cycle and cycle.last_run else None)
        shown_values["last_change"] = (m.last_change, None)
        shown_values["last_sync"] = (m.last_sync, None)
        return state_messages(self.topics, {k: v for k, v in shown_values.items()
                                            if k in self._keys}, self.entities)

    def _publish_changes(self) -> None:
        """Publish what differs from what the broker has (call with the lock held)."""
        for topic, payload in self._desired.items():
            if self._published.get(topic) != payload:
                self._client.publish(topic, payload, qos=0, retain=True)
                self._published[topic] = payload
        for topic in [t for t in self._published if t not in self._desired]:
            key = owned_state_topic(self.topics, topic)
            if key is not None and key not in self._keys:  # an entity no longer shown
                self._client.publish(topic, b"", qos=0, retain=True)  # clears the retained
                del self._published[topic]

    def _publish_discovery(self) -> None:
        for topic, payload in self.configs.items():
            self._client.publish(topic, payload, qos=1, retain=True)
        self._client.publish(self.topics.availability, "online", qos=1, retain=True)

    # -- the connection ------------------------------------------------------------------

    def _make_client(self) -> Any:
        mqtt = _import_paho()
        s = self.settings
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             # Its own id per process: a second syncd by mistake must
                             # not take turns with this one kicking each other off.
                             client_id=f"syncd-{self.topics.node_id}-{os.urandom(4).hex()}",
                             protocol=mqtt.MQTTv311)
        if s.username:
            client.username_pw_set(s.username, s.password.value if s.password else None)
        if s.tls:
            client.tls_set(ca_certs=str(s.ca_file) if s.ca_file else None)
        client.will_set(self.topics.availability, "offline", qos=1, retain=True)
        client.reconnect_delay_set(RECONNECT_MIN, RECONNECT_MAX)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            code = int(reason.value)
            if code in REFUSED:
                if not self._refused_said:
                    log.error("the MQTT broker %s refused the login (%s); fix mqtt.username "
                              "and the mqtt password, then restart syncd (trying again "
                              "hourly)", self.where, REFUSED[code])
                    self._refused_said = True
                client.reconnect_delay_set(AUTH_PAUSE, AUTH_PAUSE)
            else:
                self._say_outage(f"the MQTT broker {self.where} refused the connection "
                                 f"({reason})")
            return
        client.reconnect_delay_set(RECONNECT_MIN, RECONNECT_MAX)
        log.info("connected to the MQTT broker %s", self.where)
        self._outage_said = self._refused_said = False
        with self._lock:
            self._connected = True
            self._synced = False
            self._seen = {}
            self._generation += 1
            generation = self._generation
            self._publish_discovery()
        # Read back what the broker holds of ours (a restarted broker may have lost it, a
        # reconnect or a restarted daemon finds it there), then publish only what differs.
        # The broker sends the retained messages of a subscription before anything
        # published after it, so our own probe coming back marks their end.
        client.subscribe([(self.topics.ha_status, 1), (self.topics.command, 1),
                          *((t, 1) for t in self._readback_topics())])
        client.publish(self._probe, "", qos=1)
        timer = threading.Timer(READBACK_WAIT, self._read_back, (generation, True))
        timer.daemon = True
        timer.start()

    def _readback_topics(self) -> list[str]:
        return [f"{self.topics.base}/+/state", f"{self.topics.base}/+/attributes", self._probe]

    def _read_back(self, generation: int, timed_out: bool = False) -> None:
        """The retained states are read back (or did not come in time): publish the rest."""
        with self._lock:
            if generation != self._generation or self._synced or not self._connected:
                return
            if timed_out:
                log.debug("the broker did not send back syncd's retained states in %g s; "
                          "publishing them all", READBACK_WAIT)
            self._synced = True
            self._published = dict(self._seen)
            self._publish_changes()
        with contextlib.suppress(RuntimeError, ValueError):
            self._client.unsubscribe(self._readback_topics())

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        tls = (" over TLS (check mqtt.ca_file and the broker's certificate)"
               if self.settings.tls else "")
        self._say_outage(f"cannot reach the MQTT broker {self.where}{tls}")

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                       properties: Any) -> None:
        with self._lock:
            was = self._connected
            self._connected = False
        if was and reason.is_failure:
            why = "" if str(reason) == "Unspecified error" else f" ({reason})"
            self._say_outage(f"lost the connection to the MQTT broker {self.where}{why}")

    def _say_outage(self, text: str) -> None:
        """The first failure of an outage is a warning; the retries are debug lines."""
        if self._outage_said:
            log.debug("%s; retrying", text)
            return
        self._outage_said = True
        log.warning("%s; retrying with backoff, syncd goes on without it", text)

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        if msg.topic == self._probe:
            self._read_back(self._generation)
            return
        if len(msg.payload) > 65536:  # ours are small: not something to keep or act on
            return
        payload = msg.payload.decode("utf-8", "replace")
        if msg.retain and owned_state_topic(self.topics, msg.topic) in self._owned:
            with self._lock:
                if not self._synced:
                    self._seen[msg.topic] = payload
            return
        if msg.topic == self.topics.ha_status and payload == "online":
            log.debug("Home Assistant came online: publishing discovery again")
            with self._lock:
                self._publish_discovery()
        elif msg.topic == self.topics.command and payload == PRESS:
            log.info("sync now: asked from Home Assistant")
            self._wake()


def _import_paho() -> Any:
    """paho-mqtt, without the DNS resolver it loads for SRV lookups syncd never makes, and
    with what its network thread would otherwise import later.

    dnspython (there for caldav) costs the resident process 5 MiB; hidden while paho is
    imported, it is loaded as usual by whoever needs it later (a cycle's child).

    The daemon forks a child per cycle while paho's thread runs. A thread that is importing
    a module at the moment of a fork leaves that module's import lock held in the child for
    ever: the first connect resolves the host name, which imports the idna codec, and a
    child importing it too (caldav's HTTP client does) hung. So it is imported here, before
    the thread exists."""
    import encodings.idna  # noqa: F401  (see above)
    import sys

    hidden = "dns" not in sys.modules
    if hidden:
        sys.modules["dns"] = None  # type: ignore[assignment]
    try:
        import paho.mqtt.client as mqtt
    finally:
        if hidden:
            del sys.modules["dns"]
    return mqtt
