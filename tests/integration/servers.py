"""Real CalDAV servers for tests on 127.0.0.1, each on a free port: Radicale and Xandikos
(pip packages), SabreDAV (Debian's php-sabre-dav behind PHP's built-in server: the engine
under Baïkal and Nextcloud) and Cyrus IMAP (Debian's cyrus-imapd; see cyrus_server.py).

Each test gets a fresh calendar (a fresh user where users are cheap, a fresh calendar name
on Xandikos) so tests never see each other's events. A server that cannot run here is a
skip with its reason outside CI, and a failure in CI (CI=true), where .ci/run installs all.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
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
    env: dict[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     env={**os.environ, **self.env} if self.env else None,
                                     cwd=self.root)
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
        if self.kind in ("radicale", "sabre"):
            return f"runner{tag}", "Strength"
        return "user", f"Strength {tag}"


def radicale(root: Path, auth: bool = False, port: int | None = None) -> Server:
    port = port or free_port()
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


SABRE_SERVER = Path(__file__).parent / "sabre" / "server.php"


def sabre_unavailable() -> str | None:
    if shutil.which("php") is None:
        return "PHP is not installed (apt-get install php-cli php-sabre-dav php-sqlite3)"
    probe = subprocess.run(["php", "-r", "require 'Sabre/autoload.php'; "
                            "echo extension_loaded('pdo_sqlite') ? 'ok' : 'no-sqlite';"],
                           capture_output=True, text=True)
    if probe.stdout.strip() != "ok":
        return ("SabreDAV or PHP's SQLite driver is missing "
                "(apt-get install php-sabre-dav php-sqlite3)")
    return None


def sabre(root: Path, auth: str = "basic") -> Server:
    """SabreDAV with SQLite; ``auth`` "digest" for a Digest-only server."""
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    return Server("sabre", root, port, ["php", "-S", f"127.0.0.1:{port}", str(SABRE_SERVER)],
                  env={"SABRE_DB": str(root / f"sabre-{auth}.sqlite"), "SABRE_AUTH": auth})


MISSING_SERVER = "server not here: "


def need(kind: str) -> None:
    """Skip (outside CI) or fail (in CI) when the server ``kind`` cannot run here."""
    from tests.integration.cyrus_server import unavailable as cyrus_unavailable

    why = {"sabre": sabre_unavailable, "cyrus": cyrus_unavailable}.get(kind, lambda: None)()
    if why is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{kind}: {why}; CI must run every server")
    print(f"\nskipping {kind}: {why}")
    pytest.skip(f"{MISSING_SERVER}{kind}: {why}")  # folded to one line a server: conftest.py


def start_server(kind: str, root: Path) -> Server:
    from tests.integration.cyrus_server import cyrus

    need(kind)
    server = {"radicale": radicale, "xandikos": xandikos, "sabre": sabre, "cyrus": cyrus}[
        kind](root)
    server.start()
    return server


ALL_SERVERS = ["radicale", "xandikos", "sabre", "cyrus"]


@pytest.fixture(scope="session", params=ALL_SERVERS)
def caldav_server(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(request.param, tmp_path_factory.mktemp(request.param))
    yield server
    server.stop()


def _only(kind: str) -> Callable[[pytest.TempPathFactory], Iterator[Server]]:
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
        server = start_server(kind, tmp_path_factory.mktemp(f"{kind}-only"))
        yield server
        server.stop()

    fixture.__doc__ = f"One {kind} server for the tests about it alone."
    return fixture


sabre_server = pytest.fixture(scope="session", name="sabre_server")(_only("sabre"))
cyrus_server = pytest.fixture(scope="session", name="cyrus_server")(_only("cyrus"))
# one real server behind a proxy that replays another server's answers
radicale_server = pytest.fixture(scope="session", name="radicale_server")(_only("radicale"))


@pytest.fixture(scope="session", params=["radicale", "xandikos"])
def pip_caldav_server(request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Radicale and Xandikos only: for tests written against those two (syncd doctor's,
    whose MKCALENDAR probe does not yet read Cyrus's and SabreDAV's answers)."""
    server = start_server(request.param, tmp_path_factory.mktemp(request.param))
    yield server
    server.stop()
