"""Threads of the resident process cannot hang a cycle's child.

A thread that is importing a module when a process forks leaves that module's import lock
held in the child for ever (a child of the first cycle hung importing the idna codec that
paho's thread was importing to resolve the broker's name). Cycles are now started by
fork+exec, so the child copies no thread and no lock: the second test holds a thread inside
an import the cycle needs, with the MQTT companion's threads running against a real broker,
and the cycle must still finish. The first keeps the companion's own discipline (its network
thread imports nothing), which matters to the resident process itself. Both run in a fresh
interpreter, so that nothing is imported already.
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


STALLED = """
import importlib.util, sys, threading, time
from pathlib import Path
inside, release = threading.Event(), threading.Event()


class Stall:
    \"\"\"Holds a thread inside the import of icalendar, which the cycle's child needs.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name != "icalendar" or threading.current_thread() is threading.main_thread():
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        real = spec.loader.exec_module

        def exec_module(module):
            inside.set()
            release.wait()
            real(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Stall())
from syncd.config.loader import parse_config
from syncd.daemon import Flags, run_child_cycle
from syncd.mqtt.companion import MqttCompanion
from syncd.notify import Notifier

port, root = int(sys.argv[1]), Path(sys.argv[2])
cfg = parse_config(f'[sources]\\ndemo = true\\n[ics]\\npath = "{root}/s.ics"\\n'
                   f'[mqtt]\\nhost = "127.0.0.1"\\nport = {port}\\n', "x",
                   base_dir=root, env={})
companion = MqttCompanion(cfg, root / "state")
companion.start(lambda: None)
importer = threading.Thread(target=lambda: __import__("icalendar"), daemon=True)
importer.start()
assert inside.wait(30)
print("threads", threading.active_count(), flush=True)
for _ in range(2):
    t0 = time.monotonic()
    summary = run_child_cycle(cfg, root / "state", False, Flags(), Notifier(env={}))
    print("cycle", summary is not None and summary["ok"], round(time.monotonic() - t0, 1),
          flush=True)
    companion.after_cycle(summary)
release.set()
importer.join(30)
companion.stop()
print("ics", (root / "s.ics").exists())
"""


def test_a_cycle_finishes_while_a_thread_holds_an_import_lock(tmp_path: Path):
    broker = Mosquitto(tmp_path / "b")
    broker.start()
    try:
        proc = subprocess.run([sys.executable, "-c", STALLED, str(broker.port), str(tmp_path)],
                              capture_output=True, text=True, timeout=120)
    finally:
        broker.stop()
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    threads = int(out.split("threads ")[1].split()[0])
    assert threads >= 3, out  # main, the stalled importer, paho's network loop
    assert out.count("cycle True") == 2, out + proc.stderr
    assert "ics True" in out
