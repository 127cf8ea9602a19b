"""Cyrus IMAP's CalDAV (what Fastmail runs) for tests, from Debian's cyrus-imapd and
cyrus-caldav, in a private directory on a free port.

Cyrus's master must start as root (it drops to the `cyrus` user). Each test gets a fresh
account: a SASL password in a private sasldb and its mailbox made over IMAP by the admin,
after which Cyrus makes the calendar home on first sight.
"""

from __future__ import annotations

import imaplib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from tests.integration.servers import Server, free_port, wait_ready

CYRUS_BIN = Path("/usr/lib/cyrus/bin")
PASSWORD = "pw"

IMAPD_CONF = """configdirectory: {root}/conf
defaultpartition: default
partition-default: {root}/spool
proc_path: {root}/run/proc
mboxname_lockpath: {root}/run/lock
lmtpsocket: {root}/run/socket/lmtp
idlesocket: {root}/run/socket/idle
notifysocket: {root}/run/socket/notify
servername: localhost
admins: admin
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {root}/sasldb2
sasl_mech_list: PLAIN LOGIN
httpmodules: caldav
httpallowcompress: no
virtdomains: off
syslog_prefix: syncd-test-cyrus
"""

CYRUS_CONF = """START {{
  recover cmd="ctl_cyrusdb -C {conf} -r"
}}
SERVICES {{
  http cmd="httpd -C {conf}" listen="127.0.0.1:{http}" prefork=0
  imap cmd="imapd -C {conf}" listen="127.0.0.1:{imap}" prefork=0
}}
EVENTS {{
}}
"""


def unavailable() -> str | None:
    """Why Cyrus cannot run here, or None."""
    if not (CYRUS_BIN / "master").exists() or not (CYRUS_BIN / "httpd").exists():
        return ("Cyrus is not installed (apt-get install cyrus-imapd cyrus-caldav "
                "sasl2-bin, as .ci/run does)")
    if shutil.which("saslpasswd2") is None:
        return "saslpasswd2 is missing (apt-get install sasl2-bin)"
    if os.geteuid() != 0:
        return "Cyrus's master must start as root (it drops to the cyrus user)"
    return None


class CyrusServer(Server):
    imap_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dav/"

    def start(self) -> None:
        super().start()
        wait_ready(self.imap_port, self.proc)  # type: ignore[arg-type]

    def add_user(self, name: str) -> None:
        subprocess.run(["saslpasswd2", "-f", str(self.root / "sasldb2"), "-p", "-c",
                        "-u", "localhost", name], input=PASSWORD.encode(), check=True,
                       capture_output=True)
        shutil.chown(self.root / "sasldb2", "cyrus", "mail")
        if name == "admin":
            return
        imap = imaplib.IMAP4("127.0.0.1", self.imap_port)
        try:
            imap.login("admin", PASSWORD)
            typ, data = imap.create(f"user/{name}")
            if typ != "OK":
                raise RuntimeError(f"Cyrus would not make the account {name}: {data!r}")
        finally:
            imap.logout()

    def fresh(self) -> tuple[str, str]:
        name = f"runner{uuid.uuid4().hex[:10]}"
        self.add_user(name)
        return name, "Strength"


class _CyrusServer(CyrusServer):
    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.root, ignore_errors=True)


def cyrus(_root: Path | None = None) -> CyrusServer:
    # Its own directory under /tmp: pytest's base directory is 0700 (and every pytest
    # session of the machine resets it), which the cyrus user could not enter.
    root = Path(tempfile.mkdtemp(prefix="syncd-test-cyrus-"))
    os.chmod(root, 0o755)
    for sub in ("conf", "spool", "run/proc", "run/lock", "run/socket"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    http, imap = free_port(), free_port()
    conf = root / "imapd.conf"
    conf.write_text(IMAPD_CONF.format(root=root))
    (root / "cyrus.conf").write_text(CYRUS_CONF.format(conf=conf, http=http, imap=imap))
    server = _CyrusServer("cyrus", root, http,
                         [str(CYRUS_BIN / "master"), "-C", str(conf), "-M",
                          str(root / "cyrus.conf"), "-p", str(root / "run" / "master.pid"),
                          "-D"])
    server.imap_port = imap
    server.add_user("admin")
    subprocess.run(["chown", "-R", "cyrus:mail", str(root)], check=True)
    return server
