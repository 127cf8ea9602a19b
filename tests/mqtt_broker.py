"""A real Mosquitto broker for tests on 127.0.0.1, and a recording MQTT client.

Mosquitto comes from Debian's package (`.ci/run` installs it). Each broker gets a free
port, keeps no persistence (so a restart loses the retained messages, as a broker that
was reinstalled would) and logs every connection to its own file, which tests read to
count connection attempts.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt


def make_certificates(root: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    root.mkdir(parents=True, exist_ok=True)
    ca, ca_key = root / "ca.pem", root / "ca.key"
    cert, key, csr = root / "server.pem", root / "server.key", root / "server.csr"
    ext = root / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key),
            "-out", str(ca), "-days", "2", "-subj", "/CN=syncd test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
            "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
            "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return ca, cert, key


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()),
        None)
    if found is None:
        raise RuntimeError("these tests need Mosquitto: apt-get install mosquitto "
                           "(.ci/run installs it)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    def __init__(self, root: Path, users: dict[str, str] | None = None,
                 tls: tuple[Path, Path] | None = None) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.plain_port = self.port  # where the test's own client connects
        self.log = root / "mosquitto.log"
        self.conf = root / "mosquitto.conf"
        lines = ["persistence false", "user root", f"log_dest file {self.log}",
                 "log_type all", "connection_messages true"]
        if users:
            pw = root / "passwords"
            pw.write_text("")
            pw.chmod(0o600)
            for user, password in users.items():
                subprocess.run([shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd",
                                "-b", str(pw), user, password], check=True,
                               capture_output=True)
            lines += ["allow_anonymous false", f"password_file {pw}"]
        else:
            lines.append("allow_anonymous true")
        lines.append(f"listener {self.port} 127.0.0.1")
        if tls:  # syncd gets TLS; the test's client a plain listener of its own
            lines += [f"certfile {tls[0]}", f"keyfile {tls[1]}"]
            self.plain_port = free_port()
            lines.append(f"listener {self.plain_port} 127.0.0.1")
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([mosquitto_binary(), "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}; "
                                   f"see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def log_count(self, text: str) -> int:
        return self.log.read_text(errors="replace").count(text) if self.log.exists() else 0


@dataclass
class Received:
    topic: str
    payload: str
    retain: bool
    at: float


@dataclass
class Recorder:
    """Subscribes to topics and keeps every message with its retain flag and arrival time."""

    port: int
    topics: tuple[str, ...] = ("#",)
    messages: list[Received] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)
    client: Any = None

    def start(self) -> Recorder:
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)

        def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
            client.subscribe([(t, 1) for t in self.topics])

        def on_subscribe(client: Any, userdata: Any, mid: Any, codes: Any, props: Any) -> None:
            self.connected.set()

        def on_message(client: Any, userdata: Any, msg: Any) -> None:
            self.messages.append(Received(msg.topic, msg.payload.decode(), bool(msg.retain),
                                          time.monotonic()))

        c.on_connect, c.on_subscribe, c.on_message = on_connect, on_subscribe, on_message
        c.reconnect_delay_set(1, 2)
        c.connect("127.0.0.1", self.port)
        c.loop_start()
        self.client = c
        if not self.connected.wait(10):
            raise RuntimeError("the test's MQTT client did not connect")
        return self

    def stop(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()

    def latest(self) -> dict[str, Received]:
        out: dict[str, Received] = {}
        for m in list(self.messages):
            out[m.topic] = m
        return out

    def since(self, t: float) -> list[Received]:
        return [m for m in list(self.messages) if m.at >= t]

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)


def retained(port: int, topics: tuple[str, ...], settle: float = 1.0) -> dict[str, Received]:
    """What a client that subscribes now gets: the broker's retained messages."""
    r = Recorder(port, topics).start()
    time.sleep(settle)
    r.stop()
    return {m.topic: m for m in r.messages if m.retain}
