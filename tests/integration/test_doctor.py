"""`syncd doctor` against real Radicale and Xandikos, the fake Garmin service and the feed.

Each check must pass where things are right and fail, with what to do, where they are not;
and a fault that heals (a login refused, then accepted again) turns the line back to ok.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

from syncd.context import Context
from syncd.doctor import run_doctor
from syncd.errors import ExitCode
from tests.integration.caldav_helpers import User, settings_for
from tests.integration.fake_garmin import FakeGarmin, write_tokens
from tests.integration.servers import Server, radicale
from tests.proxy import start_proxy

pytestmark = pytest.mark.integration
BASE = '[athlete]\ntimezone = "Europe/Berlin"\n[sources]\ndemo = true\n'


def syncd(config: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    return subprocess.run([sys.executable, "-m", "syncd", "--config", str(config),
                           "--state-dir", str(state), *args], capture_output=True, text=True,
                          timeout=90, env=env, stdin=subprocess.DEVNULL)


def lines(out: str) -> dict[str, str]:
    """check name → its whole line, for the lines that are checks."""
    found = {}
    for line in out.splitlines():
        mark, _, rest = line.partition("  ")
        if mark.strip() in ("ok", "FAIL", "skip"):
            found[rest.split(": ", 1)[0].strip()] = line
    return found


def doctor_in_process(config: Path, state: Path, *, write_probe: bool = True
                      ) -> tuple[ExitCode, dict[str, str]]:
    out: list[str] = []
    code = run_doctor(Context(str(config), str(state), None, 0), out.append,
                      write_probe=write_probe)
    return code, lines("\n".join(out))


def caldav_config(tmp_path: Path, url: str, user: str, name: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BASE + f'[calendar]\nurl = "{url}"\nusername = "{user}"\n'
                    f'password = "s3cret-horse"\nname = "{name}"\n{extra}')
    return path


def test_every_check_holds_against_a_real_server(tmp_path: Path, pip_caldav_server: Server):
    user, name = pip_caldav_server.fresh()
    config = caldav_config(tmp_path, pip_caldav_server.url, user, name)
    state = tmp_path / "state"
    first = syncd(config, state, "doctor")
    assert first.returncode == 0, first.stdout
    found = lines(first.stdout)
    assert "syncd creates it" in found[f"calendar '{name}'"] and "MKCALENDAR" in first.stdout
    assert found["state dir"].startswith("ok") and "does not exist yet" in found["state dir"]

    assert syncd(config, state, "run", "--once").returncode == 0
    before = User(pip_caldav_server, settings_for(pip_caldav_server, user=user, name=name)).raw()
    res = syncd(config, state, "doctor")
    assert res.returncode == 0, res.stdout
    assert res.stdout.rstrip().endswith("all checks passed")
    found = lines(res.stdout)
    cal = f"calendar '{name}'"
    assert found[cal].startswith("ok") and "reachable at http://127.0.0.1" in found[cal]
    assert found[f"{cal} sync token"].startswith("ok    ") and ": yes" in found[f"{cal} sync token"]
    assert "allowed" in found[f"{cal} MKCALENDAR"]
    assert "created, read back and deleted" in found[f"{cal} write"]
    assert found[f"{cal} ETags"].startswith("ok") and "yes" in found[f"{cal} ETags"]
    assert "TZID Europe/Berlin" in found[f"{cal} time zones"]
    assert found["clock"].startswith("ok")
    assert found["state files"].startswith("ok") and "state.sqlite3" in found["state files"]
    assert found["garmin"].startswith("skip") and found["feed"].startswith("skip")
    after = User(pip_caldav_server, settings_for(pip_caldav_server, user=user, name=name)).raw()
    assert after == before, "the probe left nothing behind and touched nothing"
    assert "s3cret-horse" not in res.stdout + res.stderr

    ro = syncd(config, state, "doctor", "--no-write")
    assert ro.returncode == 0, ro.stdout
    assert "permitted (" in lines(ro.stdout)[f"{cal} write"]


def test_a_missing_busy_calendar_fails_with_the_key_to_fix(tmp_path: Path,
                                                            pip_caldav_server: Server):
    user, name = pip_caldav_server.fresh()
    config = caldav_config(tmp_path, pip_caldav_server.url, user, name,
                           'busy_calendars = ["Work"]\n')
    code, found = doctor_in_process(config, tmp_path / "state")
    assert code is ExitCode.FAILURE
    line = found["calendar 'Work' (busy times)"]
    assert line.startswith("FAIL") and "calendar.busy_calendars" in line


def read_only_radicale(root: Path) -> Server:
    """Radicale where user 'runner' may only read the calendar /shared/strength/."""
    root.mkdir(parents=True, exist_ok=True)
    cal = root / "collections" / "collection-root" / "shared" / "strength"
    cal.mkdir(parents=True)
    (cal / ".Radicale.props").write_text(json.dumps({"tag": "VCALENDAR",
                                                     "D:displayname": "Strength"}))
    rights = root / "rights"
    rights.write_text("[read-shared]\nuser: .+\ncollection: shared(/.*)?\npermissions: Rr\n"
                      "[root]\nuser: .+\ncollection:\npermissions: R\n")
    server = radicale(root)
    server.args += ["--rights-type", "from_file", "--rights-file", str(rights)]
    return server


def test_a_calendar_the_login_may_not_write_to_fails(tmp_path: Path):
    server = read_only_radicale(tmp_path / "radicale")
    server.start()
    try:
        url = f"{server.url}shared/strength/"
        config = tmp_path / "config.toml"
        config.write_text(BASE + f'[calendar]\ncalendar_url = "{url}"\nusername = "runner"\n'
                          'password = "pw"\n')
        code, found = doctor_in_process(config, tmp_path / "state")
        assert code is ExitCode.FAILURE
        write = found["calendar 'Strength' write"]
        assert write.startswith("FAIL") and "may not write" in write, found
        code, found = doctor_in_process(config, tmp_path / "state", write_probe=False)
        write = found["calendar 'Strength' write"]
        assert write.startswith("FAIL") and "not permitted for user 'runner'" in write, found
    finally:
        server.stop()


@pytest.mark.parametrize("offset", [-600.0, 3600.0])
def test_a_server_clock_that_is_off_fails(tmp_path: Path, offset: float):
    server = radicale(tmp_path / "radicale")
    (tmp_path / "radicale").mkdir()
    server.start()
    proxy, _ = start_proxy(server.port, date_offset=offset)
    try:
        url = f"http://127.0.0.1:{proxy.server_address[1]}/"
        code, found = doctor_in_process(caldav_config(tmp_path, url, "runner", "Strength"),
                                        tmp_path / "state")
        assert code is ExitCode.FAILURE
        clock = found["clock"]
        assert clock.startswith("FAIL") and "NTP" in clock
        assert f"{abs(offset) / 60:.0f} min {'ahead of' if offset > 0 else 'behind'}" in clock
    finally:
        proxy.shutdown()
        server.stop()


def test_a_server_that_does_not_answer_fails_without_a_traceback(tmp_path: Path):
    from tests.integration.servers import free_port

    config = caldav_config(tmp_path, f"http://127.0.0.1:{free_port()}/", "runner", "Strength")
    res = syncd(config, tmp_path / "state", "doctor")
    assert res.returncode == 1 and "Traceback" not in res.stderr + res.stdout
    assert lines(res.stdout)["calendar 'Strength'"].startswith("FAIL")
    assert "did not answer" in res.stdout


def test_state_dir_and_file_modes(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(BASE + '[ics]\npath = "out.ics"\n')
    state = tmp_path / "state"
    assert syncd(config, state, "run", "--once").returncode == 0
    code, found = doctor_in_process(config, state)
    assert code is ExitCode.OK, found
    state.chmod(0o755)
    (state / "state.sqlite3").chmod(0o644)
    code, found = doctor_in_process(config, state)
    assert code is ExitCode.FAILURE
    assert "chmod 700" in found["state dir"] and found["state dir"].startswith("FAIL")
    assert f"chmod 600 {state / 'state.sqlite3'}" in found["state files"]
    state.chmod(0o700)
    (state / "state.sqlite3").chmod(0o600)
    assert doctor_in_process(config, state)[0] is ExitCode.OK


def test_a_bad_config_is_one_failing_line(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("[athlete]\nrest_days = ['funday']\n")
    res = syncd(config, tmp_path / "state", "doctor")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    line = lines(res.stdout)["config"]
    assert line.startswith("FAIL") and "athlete.rest_days" in line


def jwt(claims: dict[str, object]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def garmin_config(tmp_path: Path, garmin: FakeGarmin) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BASE + f'[ics]\npath = "out.ics"\n[sources.garmin]\nenabled = true\n'
                    f'api_url = "{garmin.url}"\n')
    return path


def test_garmin_login_that_fails_then_heals(tmp_path: Path, fake_garmin: FakeGarmin):
    state = tmp_path / "state"
    config = garmin_config(tmp_path, fake_garmin)
    code, found = doctor_in_process(config, state)
    assert code is ExitCode.FAILURE and "run `syncd login`" in found["garmin login"]
    write_tokens(state)
    code, found = doctor_in_process(config, state)
    assert code is ExitCode.OK, found
    assert "saved 0 min ago" in found["garmin login"]
    assert "accepts the saved login" in found["garmin refresh"]
    fake_garmin.mode = "401"
    code, found = doctor_in_process(config, state)
    assert code is ExitCode.FAILURE
    assert found["garmin refresh"].startswith("FAIL") and "syncd login" in found["garmin refresh"]
    fake_garmin.mode = None  # Garmin takes the login again
    assert doctor_in_process(config, state)[0] is ExitCode.OK


def expired_tokens(state: Path) -> Path:
    path = write_tokens(state)
    now = int(time.time())
    path.write_text(json.dumps({
        "di_token": jwt({"iat": now - 86400 * 3, "exp": now - 7200, "client_id": "fake-client"}),
        "di_refresh_token": jwt({"exp": now + 86400 * 60}), "di_client_id": "fake-client"}))
    return path


def test_an_expired_token_garmin_will_not_refresh_fails(tmp_path: Path,
                                                         fake_garmin: FakeGarmin):
    state = tmp_path / "state"
    expired_tokens(state)
    code, found = doctor_in_process(garmin_config(tmp_path, fake_garmin), state)
    assert code is ExitCode.FAILURE
    assert "saved 3 days ago" in found["garmin login"]
    assert "access token expired 2 h ago" in found["garmin login"]
    assert "refresh token valid for 60 days more" in found["garmin login"]
    assert "did not refresh" in found["garmin refresh"]
    assert any(p.startswith("/di-oauth2-service") for p in fake_garmin.log), "it was asked"


def test_an_expired_token_that_refreshes_passes_and_stays_private(tmp_path: Path,
                                                                   fake_garmin: FakeGarmin):
    fresh = jwt({"iat": int(time.time()), "exp": int(time.time()) + 3600,
                 "client_id": "fake-client"})
    plain = fake_garmin.handle

    def refreshing(request: Request) -> Response:
        if request.path.startswith("/di-oauth2-service"):
            fake_garmin.log.append(request.path)
            return Response(json.dumps({"access_token": fresh, "refresh_token": "r2"}),
                            content_type="application/json")
        return plain(request)

    fake_garmin.server.clear()
    fake_garmin.server.expect_request(re.compile(".*")).respond_with_handler(refreshing)
    state = tmp_path / "state"
    path = expired_tokens(state)
    code, found = doctor_in_process(garmin_config(tmp_path, fake_garmin), state)
    assert code is ExitCode.OK, found
    assert "refreshed the expired access token" in found["garmin refresh"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert json.loads(path.read_text())["di_token"] == fresh, "the new token was saved"


def test_feed_reachable_only_while_the_daemon_serves_it(tmp_path: Path):
    from syncd.config.loader import load_config
    from syncd.feed.server import FeedServer
    from syncd.state import State
    from tests.integration.servers import free_port

    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(BASE + f'[feed]\nlisten = "127.0.0.1:{port}"\n'
                      f'public_url = "http://127.0.0.1:{port}/syncd/"\n')
    state = tmp_path / "state"
    code, found = doctor_in_process(config, state)
    assert code is ExitCode.FAILURE and "no token yet" in found["feed"]
    assert syncd(config, state, "run", "--once").returncode == 0  # writes the bodies
    assert syncd(config, state, "feed", "rotate-token").returncode == 0  # makes a token
    code, found = doctor_in_process(config, state)
    assert code is ExitCode.FAILURE and "did not answer" in found["feed"]
    assert "is `syncd run` running" in found["feed"]
    settings = load_config(str(config)).feed
    assert settings is not None
    server = FeedServer(settings, state)
    server.start(lambda: None)
    try:
        code, found = doctor_in_process(config, state)
        assert code is ExitCode.OK, found
        assert "answers 200" in found["feed"] and "answers 200" in found["feed public URL"]
        token = (state / "feed_token").read_text().strip()
        assert token not in "".join(found.values()), "the token is masked"
    finally:
        server.stop()
    State(state).close()
