"""The daemon's footprint: idle RSS (target < 60 MB), idle CPU (near zero), and one cycle with
nothing new against local Radicale and the fake Garmin service (target < 1 s wall).

Run: python bench/bench_daemon_footprint.py [--idle 30]
Starts Radicale and the fake Garmin service on 127.0.0.1, runs `syncd run` (15-minute
interval) until its first cycle is done, then reads its RSS and CPU time from /proc over
--idle seconds. The cycle time is measured with the daemon's own code path
(a child started by fork+exec that imports the libraries and runs one cycle, from a light
process), plus a whole `syncd run --once` process for comparison. A benchmark, not a test:
it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_httpserver import HTTPServer

from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.servers import radicale


def proc_stats(pid: int) -> tuple[float, float]:
    """(RSS in MiB, CPU seconds) of a process, from /proc."""
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss, (int(fields[11]) + int(fields[12])) / ticks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=float, default=30)
    opts = ap.parse_args()
    root = Path(tempfile.mkdtemp())
    (root / "radicale").mkdir()
    server = radicale(root / "radicale")
    server.start()
    http = HTTPServer(host="127.0.0.1", port=0)
    http.start()
    garmin = FakeGarmin(http)
    garmin.generate(300, datetime.now().astimezone() - timedelta(hours=3))
    state_dir = root / "state"
    write_tokens(state_dir)
    config = root / "config.toml"
    config.write_text(f"""
[athlete]
timezone = "Europe/Berlin"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
[[plan.week]]
day = "sat"
kind = "long"
time = "08:00"
[sources.garmin]
enabled = true
api_url = "{garmin.url}"
[calendar]
url = "{server.url}"
username = "runner"
password = "pw"
[daemon]
interval_minutes = 15
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["HOME"] = str(root)
    base = [sys.executable, "-m", "syncd", "--config", str(config), "--state-dir", str(state_dir)]
    try:
        log = (root / "daemon.log").open("wb")
        daemon = subprocess.Popen([*base, "-v", "run"], stdout=log, stderr=subprocess.STDOUT,
                                  env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if b"new " in (root / "daemon.log").read_bytes():
                break
            time.sleep(0.2)
        time.sleep(2)
        rss0, cpu0 = proc_stats(daemon.pid)
        time.sleep(opts.idle)
        rss1, cpu1 = proc_stats(daemon.pid)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(15)
        print(f"python {sys.version.split()[0]}")
        mb = rss1 * 1.048576
        print(f"idle RSS after the first cycle: {rss1:.1f} MiB = {mb:.1f} MB "
              f"(target < 60 MB: {'met' if mb < 60 else 'NOT met'}; "
              f"{'under' if rss1 < 60 else 'over'} 60 MiB as systemctl shows it)")
        print(f"idle CPU over {opts.idle:.0f} s: {cpu1 - cpu0:.2f} s "
              f"({(cpu1 - cpu0) / opts.idle * 100:.2f} % of one core); RSS drift "
              f"{rss1 - rss0:+.1f} MiB")

        # The daemon's cycle path: fork+exec a child, import the libraries there, one cycle.
        # Timed from a fresh, light process, as the daemon's own is.
        code = f"""
import time, sys
from pathlib import Path
from syncd.config.loader import load_config
from syncd.daemon import Flags, run_child_cycle
from syncd.notify import Notifier
cfg = load_config({str(config)!r})
out = []
for _ in range(5):
    t0 = time.perf_counter()
    s = run_child_cycle(cfg, Path({str(state_dir)!r}), False, Flags(), Notifier(env={{}}))
    out.append(time.perf_counter() - t0)
    assert s is not None and s["ok"] and not s["changes"], s
print(sorted(out)[2])
"""
        garmin.log.clear()
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        med = float(res.stdout.strip().splitlines()[-1])
        print(f"daemon cycle with nothing new (fork+exec + imports + cycle): median "
              f"{med * 1000:.0f} ms over 5 (target < 1000 ms: {'met' if med < 1 else 'NOT met'})"
              f"; Garmin requests per cycle: {len(garmin.api_calls()) / 5:.0f}")
        t0 = time.perf_counter()
        subprocess.run([*base, "-q", "run", "--once"], env=env, check=True)
        print(f"a whole `syncd run --once` process (start-up, login, cycle): "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
    finally:
        server.stop()
        http.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
