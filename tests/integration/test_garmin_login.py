"""A Garmin login that lasts, through the real garminconnect against the fake's sign-in and
token service: logging in, rotated refresh tokens saved every time, one refresher across
processes, garth-era tokens, and login throttles."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.errors import AuthError, TransientError
from syncd.sources.garmin_client import interactive_login, login_with_tokens, token_path
from syncd.sources.garmin_tokens import (
    THROTTLE_FILE,
    RateLimited,
    TokenWriteError,
    throttled_until,
)
from tests.integration.fake_garmin_sso import FakeSso
from tests.integration.fake_garmin_workouts import FakeWorkouts
from tests.integration.garmin_workouts_helpers import config_text

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)


@pytest.fixture
def sso(fake_garmin) -> FakeSso:
    return FakeSso(fake_garmin)


def saved(state: Path, tokens: dict[str, str]) -> Path:
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = token_path(state)
    path.write_text(json.dumps(tokens))
    path.chmod(0o600)
    return path


def on_disk(path: Path) -> dict[str, str]:
    return json.loads(path.read_text())


# -- syncd login ------------------------------------------------------------------------------

def test_login_goes_to_api_url_and_saves_only_tokens(fake_garmin, sso, tmp_path):
    path = token_path(tmp_path / "state")
    who = interactive_login(fake_garmin.url, path, "ana@example.org", "hunter2",
                            lambda: pytest.fail("no MFA asked"), now=NOW)
    assert who in ("fake-runner", "ana@example.org")
    assert sso.logins == 1 and sso.grants == ["ticket"], "signed in at the fake's SSO"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert on_disk(path)["di_refresh_token"] == sso.refresh_token
    assert "hunter2" not in path.read_text()


def test_login_with_mfa(fake_garmin, tmp_path):
    sso = FakeSso(fake_garmin, mfa="424242")
    path = token_path(tmp_path)
    interactive_login(fake_garmin.url, path, "ana@example.org", "hunter2", lambda: " 424242 ",
                      now=NOW)
    assert on_disk(path)["di_refresh_token"] == sso.refresh_token


def test_a_wrong_password_says_so(fake_garmin, sso, tmp_path):
    with pytest.raises(AuthError, match="did not accept that email and password"):
        interactive_login(fake_garmin.url, token_path(tmp_path), "ana@example.org", "nope",
                          lambda: "", now=NOW)
    assert not token_path(tmp_path).exists()


def test_offline_login_says_check_the_network(tmp_path):
    with pytest.raises(TransientError) as err:
        interactive_login("http://127.0.0.1:9", token_path(tmp_path), "a@b.c", "pw",
                          lambda: "", now=NOW)
    assert str(err.value).endswith("check the network and run `syncd login` again")
    assert "will retry" not in str(err.value)


@pytest.mark.parametrize(("retry_after", "wait"), [(None, 3600), ("7200", 7200)])
def test_a_login_429_is_recorded_and_honoured(fake_garmin, sso, tmp_path, retry_after, wait):
    sso.login_429, sso.retry_after = True, retry_after
    path = token_path(tmp_path)
    with pytest.raises(RateLimited, match="throttling logins") as err:
        interactive_login(fake_garmin.url, path, "ana@example.org", "hunter2", lambda: "",
                          now=NOW)
    assert throttled_until(tmp_path) == NOW + timedelta(seconds=wait)
    assert (NOW + timedelta(seconds=wait)).strftime("%H:%M") in str(err.value)
    tries = sso.logins
    sso.login_429 = False
    with pytest.raises(RateLimited, match="next try at"):
        interactive_login(fake_garmin.url, path, "ana@example.org", "hunter2", lambda: "",
                          now=NOW + timedelta(seconds=wait - 60))
    assert sso.logins == tries, "nothing sent while throttled"
    interactive_login(fake_garmin.url, path, "ana@example.org", "hunter2", lambda: "",
                      now=NOW + timedelta(seconds=wait + 1))
    assert not (tmp_path / THROTTLE_FILE).exists()


# -- refreshes ------------------------------------------------------------------------------

def test_a_refresh_saves_the_rotated_token_atomically(fake_garmin, sso, tmp_path):
    path = saved(tmp_path, sso.issue(expires_in=60))  # expires within the library's 900 s
    first = sso.refresh_token
    g = login_with_tokens(fake_garmin.url, path, now=NOW)
    g.get_activities(0, 1)
    assert sso.grants == ["refresh"]
    assert on_disk(path)["di_refresh_token"] == sso.refresh_token != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["garmin_tokens.json",
                                                          "garmin_tokens.lock"], "no temp left"
    # A new process with the saved file needs no refresh, and the old token is dead.
    login_with_tokens(fake_garmin.url, path, now=NOW).get_activities(0, 1)
    assert sso.grants == ["refresh"]


def test_a_failed_token_write_is_an_error_the_user_sees(fake_garmin, sso, tmp_path,
                                                        monkeypatch):
    path = saved(tmp_path, sso.issue(expires_in=60))
    import syncd.sources.garmin_tokens as tokens

    def full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tokens.os, "fsync", full)
    from syncd.sources.garmin_client import garmin_errors

    with pytest.raises(TokenWriteError, match=r"No space left on device.*syncd login"), \
            garmin_errors("reading activities"):
        login_with_tokens(fake_garmin.url, path, now=NOW).get_activities(0, 1)


def test_a_401_refreshes_once_and_the_call_goes_through(fake_garmin, sso, tmp_path):
    sso.strict = True
    pair = sso.issue()
    sso.valid_access.clear()  # Garmin no longer takes this access token
    path = saved(tmp_path, pair)
    assert login_with_tokens(fake_garmin.url, path, now=NOW).get_activities(0, 1) == []
    assert sso.grants == ["refresh"]
    assert on_disk(path)["di_refresh_token"] == sso.refresh_token


def test_tokens_another_process_refreshed_are_taken_not_refreshed_again(fake_garmin, sso,
                                                                       tmp_path):
    sso.strict = True
    path = saved(tmp_path, sso.issue(expires_in=60))
    daemon = login_with_tokens(fake_garmin.url, path, now=NOW)  # holds the old tokens
    oneshot = login_with_tokens(fake_garmin.url, path, now=NOW)
    oneshot.get_activities(0, 1)  # rotates them and saves the new pair
    daemon.get_activities(0, 1)  # must take the new pair from disk
    assert sso.grants == ["refresh"], "no second refresh and no reuse of a dead token"
    assert daemon.client.di_refresh_token == sso.refresh_token


SCRIPT = """
import sys, time
from pathlib import Path
from syncd.sources.garmin_client import login_with_tokens
g = login_with_tokens(sys.argv[1], Path(sys.argv[2]))  # both hold the same, old, tokens
Path(sys.argv[3]).touch()
while not Path(sys.argv[4]).exists():
    time.sleep(0.01)
assert g.get_activities(0, 1) == []
print(g.client.di_refresh_token)
"""


def test_two_processes_refreshing_at_once_share_one_refresh(fake_garmin, sso, tmp_path):
    import time

    sso.strict = True
    sso.refresh_delay = 0.5  # both are inside their refresh at the same time
    path = saved(tmp_path, sso.issue(expires_in=60))
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, fake_garmin.url, str(path),
                               str(tmp_path / f"ready{i}"), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{i}").exists() for i in range(2)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    go.touch()
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sso.grants == ["refresh"], "one refreshed, the other took its tokens"
    assert {o.strip() for o, _ in outs} == {sso.refresh_token}
    assert on_disk(path)["di_refresh_token"] == sso.refresh_token


def test_a_refresh_429_is_recorded_and_nothing_is_sent_until_it_ends(fake_garmin, sso,
                                                                     tmp_path):
    from syncd.sources.garmin_client import garmin_errors

    sso.refresh_429 = True
    path = saved(tmp_path, sso.issue(expires_in=60))
    with pytest.raises(RateLimited, match="next try at 2026-11-24 12:00 UTC, in 60 min"), \
            garmin_errors("reading activities"):
        login_with_tokens(fake_garmin.url, path, now=NOW).get_activities(0, 1)
    assert sso.grants == ["throttled"]
    for later in (10, 59):
        with pytest.raises(RateLimited, match="next try at 2026-11-24 12:00 UTC, in "), \
                garmin_errors("reading activities"):
            login_with_tokens(fake_garmin.url, path, now=NOW + timedelta(minutes=later)
                              ).get_activities(0, 1)
    assert sso.grants == ["throttled"], "no refresh sent while throttled"
    sso.refresh_429 = False
    g = login_with_tokens(fake_garmin.url, path, now=NOW + timedelta(minutes=61))
    g.get_activities(0, 1)
    assert sso.grants == ["throttled", "refresh"]


# -- garth-era tokens -------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["files", "garth-dump", "oauth-json"])
def test_garth_era_tokens_say_log_in_again(tmp_path, layout):
    if layout == "files":
        (tmp_path / "oauth1_token.json").write_text('{"oauth_token": "a"}')
        (tmp_path / "oauth2_token.json").write_text('{"access_token": "b"}')
    elif layout == "garth-dump":
        import base64

        dump = base64.b64encode(json.dumps([{"oauth_token": "a"}, {"access_token": "b"}])
                                .encode()).decode()
        token_path(tmp_path).write_text(dump)
    else:
        token_path(tmp_path).write_text(json.dumps({"oauth_token": "a",
                                                    "oauth_token_secret": "s"}))
    with pytest.raises(AuthError, match=r"log in again with `syncd login`$") as err:
        login_with_tokens("http://127.0.0.1:9", token_path(tmp_path), now=NOW)
    assert "\n" not in str(err.value)


def test_the_daemon_backs_off_until_the_throttle_ends(fake_garmin, sso, tmp_path):
    from syncd.config.loader import load_config
    from syncd.cycle import run_cycle
    from syncd.state import State

    cfg = tmp_path / "syncd.toml"
    cfg.write_text(config_text(fake_garmin.url))
    config = load_config(str(cfg))
    FakeWorkouts(fake_garmin)
    state_dir = tmp_path / "state"
    saved(state_dir, sso.issue(expires_in=60))
    sso.refresh_429 = True
    state = State(state_dir)
    result = run_cycle(config, state, NOW, honour_backoff=True)
    assert "next try at 2026-11-24 12:00 UTC" in result.errors["garmin"]
    comp = state.component("source:garmin")
    assert comp is not None and comp.next_try is not None
    assert datetime.fromisoformat(comp.next_try) >= NOW + timedelta(minutes=60)
    seen = len(fake_garmin.log)
    for minutes in (15, 30, 45):
        run_cycle(config, state, NOW + timedelta(minutes=minutes), honour_backoff=True)
    assert len(fake_garmin.log) == seen, "the daemon sent nothing while throttled"
    sso.refresh_429 = False
    later = run_cycle(config, state, NOW + timedelta(minutes=61), honour_backoff=True)
    assert "garmin" not in later.errors
    assert sso.grants == ["throttled", "refresh"]
