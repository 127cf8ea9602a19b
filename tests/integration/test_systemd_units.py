"""The units in systemd/ verify, and the system service is hardened (exposure <= 2.0); the
per-athlete templates (syncd@.service, syncd-oneshot@.service, syncd@.timer) verify as an
instance and score no worse than the single-athlete units they copy.

Runs where systemd-analyze exists (the CI machines have it); elsewhere it is skipped with the
reason, as there is nothing to run it with.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "systemd"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


def installed(tmp_path: Path) -> Path:
    """The units as installed: ExecStart pointing at this environment's syncd."""
    exe = Path(sys.executable).parent / "syncd"
    out = tmp_path / "units"
    out.mkdir()
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/usr/local/bin/syncd", str(exe))
        (out / unit.name).write_text(text.replace("%h/.local/bin/syncd", str(exe)))
    return out


@needs_analyze
@pytest.mark.parametrize("unit", ["syncd.service", "syncd-oneshot.service", "syncd.timer",
                                  "syncd-user.service"])
def test_units_verify(tmp_path, unit):
    units = installed(tmp_path)
    res = subprocess.run([ANALYZE, "verify", str(units / unit)], capture_output=True,
                         text=True, cwd=units, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "syncd" not in res.stderr, res.stderr


def exposure(units: Path, unit: str) -> float:
    assert ANALYZE is not None
    res = subprocess.run([ANALYZE, "security", "--offline=true", str(units / unit)],
                         capture_output=True, text=True, cwd=units, timeout=60,
                         env={**os.environ, "SYSTEMD_COLORS": "0"})
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", res.stdout)
    assert m, res.stdout + res.stderr
    return float(m.group(1))


@needs_analyze
@pytest.mark.parametrize("unit", ["syncd.service", "syncd-oneshot.service"])
def test_system_units_are_hardened(tmp_path, unit):
    assert exposure(installed(tmp_path), unit) <= 2.0


@needs_analyze
@pytest.mark.parametrize("unit", ["syncd@anna.service", "syncd-oneshot@anna.service",
                                  "syncd@anna.timer"])
def test_template_instances_verify(tmp_path, unit):
    units = installed(tmp_path)
    res = subprocess.run([ANALYZE, "verify", str(units / unit)], capture_output=True,
                         text=True, cwd=units, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "syncd" not in res.stderr, res.stderr


@needs_analyze
@pytest.mark.parametrize(("template", "today"), [("syncd@anna.service", "syncd.service"),
                                                 ("syncd-oneshot@anna.service",
                                                  "syncd-oneshot.service")])
def test_templates_are_hardened_like_todays_units(tmp_path, template, today):
    units = installed(tmp_path)
    assert exposure(units, template) <= exposure(units, today)


def test_template_gives_each_athlete_a_config_a_state_and_a_name():
    for unit in ("syncd@.service", "syncd-oneshot@.service"):
        text = (UNITS / unit).read_text()
        for line in ("--config /etc/syncd/%i.toml", "StateDirectory=syncd/%i\n",
                     "SYNCD_INSTANCE=%i", "/etc/syncd/%i-caldav-password.cred"):
            assert line in text, (unit, line)
    assert "Unit=syncd-oneshot@%i.service" in (UNITS / "syncd@.timer").read_text()


def test_timer_starts_the_oneshot_service():
    assert "Unit=syncd-oneshot.service" in (UNITS / "syncd.timer").read_text()


def test_service_uses_notify_and_the_watchdog():
    text = (UNITS / "syncd.service").read_text()
    for line in ("Type=notify", "WatchdogSec=", "StateDirectory=syncd", "DynamicUser=yes",
                 "LoadCredentialEncrypted=", "ProtectSystem=strict", "ProtectHome=yes",
                 "PrivateTmp=yes", "NoNewPrivileges=yes",
                 "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                 "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes"):
        assert line in text, line
