"""The MQTT companion's cost and reaction times, against a real Mosquitto on 127.0.0.1.

Run: python bench/bench_mqtt.py [--idle 20] [--quiet-cycles 10]
Prints: the daemon's idle RSS and CPU with and without [mqtt] (paho is imported only with
it), messages and bytes sent over quiet cycles (a cycle a second, after the first ones
settled), what a daemon restart without a plan change sends, the time from a "sync now"
press to the cycle it starts and to its "last sync" message, and from a broker restart
(retained messages lost) to every discovery config being back. A benchmark, not a test: it prints
figures and exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_daemon_footprint import proc_stats
from tests.integration.test_mqtt_daemon import CONFIG_TOPICS, Daemon, published_everything
from tests.mqtt_broker import Mosquitto, Recorder


def wait(what, timeout: float = 60, step: float = 0.02) -> float:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if what():
            return time.monotonic() - t0
        time.sleep(step)
    raise RuntimeError("timed out")


def idle(d: Daemon, seconds: float) -> tuple[float, float]:
    assert d.proc is not None
    d.wait_cycles(1)
    time.sleep(2)
    _, cpu0 = proc_stats(d.proc.pid)
    time.sleep(seconds)
    rss1, cpu1 = proc_stats(d.proc.pid)
    return rss1, cpu1 - cpu0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=float, default=20)
    ap.add_argument("--quiet-cycles", type=int, default=10)
    opts = ap.parse_args()
    root = Path(tempfile.mkdtemp())
    broker = Mosquitto(root / "broker")
    broker.start()
    daemons: list[Daemon] = []
    try:
        plain = Daemon(root / "plain", None, 60)
        plain.start()
        daemons.append(plain)
        with_mqtt = Daemon(root / "mqtt", broker.port, 60)
        with_mqtt.start()
        daemons.append(with_mqtt)
        rss_plain, cpu_plain = idle(plain, opts.idle)
        rss_mqtt, cpu_mqtt = idle(with_mqtt, opts.idle)
        print(f"idle RSS of the daemon: {rss_plain:.1f} MiB without [mqtt], {rss_mqtt:.1f} MiB "
              f"with it ({rss_mqtt - rss_plain:+.1f} MiB)")
        print(f"idle CPU over {opts.idle:.0f} s: {cpu_plain:.2f} s without, {cpu_mqtt:.2f} s "
              "with [mqtt]")

        rec = Recorder(broker.port, ("syncd/last_sync/state",)).start()
        time.sleep(1)
        before = with_mqtt.last_cycle()
        mark = time.monotonic()
        rec.publish("syncd/sync_now/press", "PRESS")
        took = wait(lambda: with_mqtt.last_cycle() != before)
        wait(lambda: any(not m.retain for m in rec.since(mark)))
        shown = next(m.at for m in rec.since(mark) if not m.retain) - mark
        print(f"sync now pressed → that cycle done: {took * 1000:.0f} ms; its last sync "
              f"time received: {shown * 1000:.0f} ms")
        rec.stop()
        for d in daemons:
            d.stop()
        daemons.clear()

        fast = Daemon(root / "fast", broker.port, 0.0167)
        fast.start()
        daemons.append(fast)
        everything = Recorder(broker.port).start()
        fast.wait_cycles(3)
        def settled() -> bool:  # 3 s with nothing but the per-cycle "last sync"
            other = [m for m in everything.messages if m.topic != "syncd/last_sync/state"]
            return bool(other) and time.monotonic() - other[-1].at > 3

        wait(settled)
        mark = time.monotonic()
        fast.wait_cycles(opts.quiet_cycles, timeout=opts.quiet_cycles * 5)
        sent = everything.since(mark)
        topics = sorted({m.topic for m in sent})
        print(f"messages over {opts.quiet_cycles} quiet cycles: {len(sent)} "
              f"({sum(len(m.topic) + len(m.payload) for m in sent)} bytes of topic and "
              f"payload), on {topics}")
        everything.stop()

        fast.stop(signal.SIGTERM)
        slow = Daemon(root / "restart", broker.port, 60)  # no timed cycle in the window
        slow.start()
        daemons.append(slow)
        slow.wait_cycles(1)
        time.sleep(2)
        slow.stop(signal.SIGTERM)
        watch = Recorder(broker.port, ("syncd/#",)).start()
        time.sleep(1)  # the retained messages a new subscriber gets
        mark = time.monotonic()
        slow.start()
        slow.wait_cycles(1)
        time.sleep(2)
        live = [m for m in watch.since(mark) if not m.retain]
        watch.stop()
        print(f"daemon restart without a plan change, through its first cycle: {len(live)} "
              f"messages: {sorted(m.topic for m in live)}")

        broker.stop()
        broker.start()
        took = wait(lambda: set(published_everything(broker.port)) >= CONFIG_TOPICS, 120, 0.2)
        print(f"broker restarted (retained lost) → all {len(CONFIG_TOPICS)} discovery configs "
              f"back: {took:.1f} s (includes the 1 s a fresh subscriber waits)")
    finally:
        for d in daemons:
            d.stop()
        broker.stop()


if __name__ == "__main__":
    main()
