"""`syncd run --once` with a CalDAV calendar, as a user reads it: one line per error, and no
move listed as done when the calendar did not take it (issue 15)."""

from __future__ import annotations

import pytest

from tests.integration.servers import free_port, radicale

pytestmark = pytest.mark.integration
NOW = "2026-11-24T06:30:00+01:00"

CONFIG = """
[athlete]
timezone = "Europe/Berlin"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
[[plan.week]]
day = "sun"
kind = "long"
time = "08:00"
[calendar]
url = "{url}"
username = "runner"
password = "pw"
name = "Strength"
"""


def test_a_calendar_that_fails_is_said_once_and_its_changes_not_listed_as_done(cli, tmp_path):
    port = free_port()  # nothing listens there yet
    conf = cli.cwd / "c.toml"
    conf.write_text(CONFIG.format(url=f"http://127.0.0.1:{port}/"))
    res = cli("--config", str(conf), "--now", NOW, "run", "--once")
    out = res.stdout + res.stderr
    assert res.returncode == 3, out  # a network fault: worth retrying
    assert out.count("did not answer") == 1, out
    assert "syncd: caldav: CalDAV server" in res.stderr
    assert "caldav: not reached" in res.stdout, "the changes are not said to be written"
    server = radicale(tmp_path / "srv", port=port)  # the server comes up: it heals
    server.start()
    try:  # --force: past the backoff the first failure started
        res = cli("--config", str(conf), "--now", NOW, "run", "--once", "--force")
        assert res.returncode == 0, res.stdout + res.stderr
        assert "caldav: wrote" in res.stdout, res.stdout
        assert "error" not in res.stderr.lower()
    finally:
        server.stop()


def test_a_session_the_user_moved_is_read_and_not_counted_as_written(cli, tmp_path):
    """Issue 23: after the user moved a session, `run --once` said `caldav: wrote 1 event`
    while it sent no write."""
    from datetime import timedelta

    import caldav

    server = radicale(tmp_path / "srv", port=free_port())
    server.start()
    try:
        conf = cli.cwd / "c.toml"
        conf.write_text(CONFIG.format(url=server.url))
        first = cli("--config", str(conf), "--now", NOW, "run", "--once")
        assert first.returncode == 0 and "caldav: wrote" in first.stdout, first.stdout
        with caldav.DAVClient(server.url, username="runner", password="pw") as client:
            cal = next(c for c in client.principal().calendars()
                       if c.get_display_name() == "Strength")
            event = max(cal.events(), key=lambda e: e.icalendar_component.decoded("DTSTART"))
            comp = event.icalendar_component
            for key in ("DTSTART", "DTEND"):
                moved = comp.decoded(key) + timedelta(hours=1)
                del comp[key]
                comp.add(key, moved)
            event.save()
        again = cli("--config", str(conf), "--now", NOW, "run", "--once")
        assert again.returncode == 0, again.stdout + again.stderr
        head = again.stdout.split("syncd plan")[0]
        assert "caldav: read 1 change you made (nothing written for it)" in head, head
        assert "caldav: wrote" not in head, head
        assert "kept as you left it" in head
    finally:
        server.stop()


@pytest.mark.parametrize("garble", ["cut-207", "html-discovery"])
def test_a_garbled_answer_is_one_line_naming_the_server_and_exit_3(cli, tmp_path, garble):
    """A 207 cut in half, or a login page answered 200 to discovery (issue 19): the
    server's fault, worth retrying; never an internal error."""
    from tests.proxy import start_proxy

    server = radicale(tmp_path / "srv", port=free_port())
    server.start()

    def cut(method, path, status, headers, body):
        if garble == "cut-207" and status == 207:
            return 207, headers, body[: len(body) // 2]
        return None

    def page(method, path, headers, body):
        if garble == "html-discovery" and method == "PROPFIND":
            return 200, {"Content-Type": "text/html"}, b"<html><body>Sign in</body></html>"
        return None

    proxy, _ = start_proxy(server.port, rewrite=cut, intercept=page)
    try:
        conf = cli.cwd / "c.toml"
        conf.write_text(CONFIG.format(url=f"http://127.0.0.1:{proxy.server_address[1]}/"))
        res = cli("--config", str(conf), "--now", NOW, "run", "--once")
    finally:
        proxy.shutdown()
        server.stop()
    assert res.returncode == 3, res.stdout + res.stderr
    lines = [ln for ln in res.stderr.splitlines() if "CalDAV server" in ln]
    assert len(lines) == 1 and f"127.0.0.1:{proxy.server_address[1]}" in lines[0], res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
