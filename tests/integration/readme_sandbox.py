"""The walk's sandbox: a new user's machine, made of a fresh copy of the repository, an
empty HOME for each README block and a Python 3.12 with nothing installed yet.

See test_readme_walk.py for what runs in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.integration.readme_parts import ROOT


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
