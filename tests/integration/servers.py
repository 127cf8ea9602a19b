"""Real CalDAV servers for tests: Radicale and Xandikos on 127.0.0.1, each on a free port.

Both are pip packages started as subprocesses; each test gets a fresh calendar (a fresh
user on Radicale, a fresh calendar name on Xandikos) so tests never see each other's events.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


@dataclass
class Server:
    kind: str
    root: Path
    port: int
    args: list[str]
    proc: subprocess.Popen[bytes] | None = None
    htpasswd: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        wait_ready(self.port, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def fresh(self) -> tuple[str, str]:
        """(username, calendar name) no test has used before."""
        tag = uuid.uuid4().hex[:10]
        if self.kind == "radicale":
            return f"runner{tag}", "Strength"
        return "user", f"Strength {tag}"


def radicale(root: Path, auth: bool = False) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "radicale", "--config", "",
            "--server-hosts", f"127.0.0.1:{port}",
            "--storage-filesystem-folder", str(root / "collections"), "--logging-level", "error"]
    htpasswd = None
    if auth:
        htpasswd = root / "users"
        htpasswd.write_text("runner:correct-horse\n")
        args += ["--auth-type", "htpasswd", "--auth-htpasswd-filename", str(htpasswd),
                 "--auth-htpasswd-encryption", "plain"]
    else:
        args += ["--auth-type", "none"]
    return Server("radicale", root, port, args, htpasswd=htpasswd)


def xandikos(root: Path) -> Server:
    port = free_port()
    exe = shutil.which("xandikos") or str(Path(sys.executable).parent / "xandikos")
    args = [exe, "serve", "-d", str(root / "x"), "--defaults", "-l", "127.0.0.1",
            "-p", str(port), "--no-detect-systemd"]
    return Server("xandikos", root, port, args)


@pytest.fixture(scope="session", params=["radicale", "xandikos"])
def caldav_server(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp(request.param)
    server = radicale(root) if request.param == "radicale" else xandikos(root)
    server.start()
    yield server
    server.stop()
