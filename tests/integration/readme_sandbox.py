"""The walk's sandbox: a new user's machine, made of a fresh copy of the repository, an
empty HOME for each README block and a Python 3.12 with nothing installed yet.

See test_readme_walk.py for what runs in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.integration.readme_parts import ROOT, section_blocks


class Sandbox:
    """A new user's machine: a fresh copy of the repository, a HOME per block, a Python."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.repo = tmp / "syncd"
        copy_repository(self.repo)
        self.home = tmp / "home-0"
        self.python: Path | None = None     # the venv whose bin gives python3.12
        self.pristine = False                # nothing installed into self.python yet
        self.installed: Path | None = None   # a venv bin where a block installed syncd
        self.blocks = 0

    def start_block(self, installs: bool) -> None:
        self.blocks += 1
        self.home = self.tmp / f"home-{self.blocks}"
        self.home.mkdir()
        if self.python is None or (installs and not self.pristine):
            self.python = self.tmp / f"python-{self.blocks}"
            subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                            str(self.python)], check=True, timeout=300)
            self.pristine = True

    @property
    def bin(self) -> Path:
        assert self.python is not None
        return self.python / "bin"

    def env(self) -> dict[str, str]:
        drop = ("SYNCD_", "XDG_", "JOURNAL_STREAM", "NOTIFY_SOCKET", "CREDENTIALS_",
                "STATE_DIRECTORY", "CONFIGURATION_DIRECTORY", "LOGS_DIRECTORY",
                "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYENV",
                "CONDA", "PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_REQUIRE_VIRTUALENV")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k != "PYTHON"}
        path = [self.home / ".local/bin", self.bin]
        if self.installed and self.installed != self.bin:
            path.append(self.installed)
        env.update(HOME=str(self.home), PATH=":".join([*map(str, path), "/usr/bin", "/bin"]))
        conf = user_pip_conf()
        if conf and "PIP_CONFIG_FILE" not in env:
            env["PIP_CONFIG_FILE"] = str(conf)
        return env

    def sh(self, cmd: str, timeout: float = 120,
           cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd or self.repo,
                              env=self.env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def path(self, word: str) -> Path:
        """A path as bash would read it in the walk: ~ is this block's HOME."""
        if word == "~" or word.startswith("~/"):
            return self.home / word[2:]
        return self.repo / word


def copy_repository(dest: Path) -> None:
    if (ROOT / ".git").exists():
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached",
                              "--others", "--exclude-standard"], capture_output=True,
                             check=True, timeout=60).stdout
        for name in sorted(set(out.decode().split("\0")) - {""}):
            src = ROOT / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    else:  # an unpacked sdist
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
            ".venv", "__pycache__", "*.pyc", ".*_cache", ".hypothesis", "syncd-demo.ics"))


def user_pip_conf() -> Path | None:
    real = Path(os.environ.get("HOME", "/nonexistent"))
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or real / ".config")
    return next((p for p in (xdg / "pip/pip.conf", real / ".pip/pip.conf") if p.is_file()),
                None)


OWN_DATA = "Your own data"


def own_data_setup(box: Sandbox, readme: str) -> None:
    """What the section asks the reader to have before its commands: its config saved as
    ~/.config/syncd/config.toml, a FIT folder with runs and a running plan as .ics."""
    from tests.fitwrite import Leg, activity_file

    (toml,) = section_blocks(readme, OWN_DATA, "toml")
    config = box.path("~/.config/syncd/config.toml")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(toml.text)
    fit = box.path("~/fit")
    (fit / "2026").mkdir(parents=True)
    today = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    for days_ago in (1, 3, 5, 8, 10, 12):
        start = today - timedelta(days=days_ago)
        (fit / "2026" / f"run-{days_ago}.fit").write_bytes(activity_file(
            [Leg("running", start, 45, distance_m=8000, avg_hr=140)]))
    monday = (today - timedelta(days=today.weekday())).date()
    events = [(1, "T070000", "Intervals 6x800m", 60), (3, "T070000", "Easy run", 45),
              (6, "T080000", "Long run", 110)]
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:plan-{d}@coach.example\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{monday + timedelta(days=d):%Y%m%d}{t}\r\n"
        f"DURATION:PT{m}M\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n"
        for d, t, title, m in events)
    box.path("~/running-plan.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//walk//EN\r\n" + body
        + "END:VCALENDAR\r\n")
