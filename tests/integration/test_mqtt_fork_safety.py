"""The MQTT companion's network thread imports nothing, so a cycle's forked child can.

A thread that is importing a module when the daemon forks leaves that module's import lock
held in the child for ever (a child of the first cycle hung importing the idna codec that
paho's thread was importing to resolve the broker's name). Run in a fresh interpreter, so
that nothing is imported already, through connect, press, HA's birth message, a broker
restart and a refused login.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mqtt_broker import Mosquitto, Recorder

pytestmark = pytest.mark.integration

SCRIPT = """
import sys, threading, time
off_main = []
def hook(event, args):
    if event == "import" and threading.current_thread() is not threading.main_thread():
        off_main.append(args[0])
sys.addaudithook(hook)
from pathlib import Path
from syncd.config.loader import parse_config
from syncd.mqtt.companion import MqttCompanion

port, auth_port, root = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
woke = []
for p, extra in ((port, ""), (auth_port, 'username = "syncd"\\npassword = "wrong"\\n')):
    cfg = parse_config(f'[sources]\\ndemo = true\\n[mqtt]\\nhost = "127.0.0.1"\\n'
                       f'port = {p}\\n{extra}', "x", base_dir=root, env={})
    c = MqttCompanion(cfg, root / "state")
    c.start(lambda: woke.append(1))
    time.sleep(1.5)
    if p == port:
        print("press, then restart the broker", flush=True)
        sys.stdin.readline()
        time.sleep(3)
    c.after_cycle(None)
    c.stop()
print("woke", len(woke))
print("off main", sorted(set(off_main)))
"""


def test_the_network_thread_imports_nothing(tmp_path: Path):
    broker = Mosquitto(tmp_path / "b")
    auth = Mosquitto(tmp_path / "a", users={"syncd": "right"})
    broker.start()
    auth.start()
    try:
        proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(broker.port), str(auth.port),
                                 str(tmp_path)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "press, then restart the broker"
        ha = Recorder(broker.port, ("nothing",)).start()
        ha.publish("syncd/sync_now/press", "PRESS")
        ha.publish("homeassistant/status", "online")
        ha.stop()
        time.sleep(0.5)
        broker.stop()
        broker.start()
        proc.stdin.write("\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=60)
    finally:
        broker.stop()
        auth.stop()
    assert "woke 1" in out, err
    assert "off main []" in out, out + err
    assert "refused the login" in err  # the refused login path ran too
