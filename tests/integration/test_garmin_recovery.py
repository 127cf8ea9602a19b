"""Garmin heals after a rejected login: the source and the daemon carry on, cycle after cycle.

Through the real garminconnect library against the fake service. The rejected login is
recorded in the state; once the pause has passed (or the token file changed) Garmin is called
again, and when it answers the record is cleared as NULL. That NULL must come back as None on
every later cycle: it once came back as ``'None'`` and every cycle died on
``fromisoformat('None')``.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from syncd.config.loader import GarminConfig
from syncd.errors import AuthError
from syncd.sources.garmin import AUTH_PAUSE, GarminSource
from syncd.state import State
from tests.integration.test_daemon import Daemon, server, wait_until  # noqa: F401 (fixture)
from tests.integration.test_garmin_source import NOW, source, window

pytestmark = pytest.mark.integration


def test_a_401_that_heals_after_the_pause_keeps_working(fake_garmin, tmp_path):
    fake_garmin.generate(30, NOW - timedelta(hours=2))
    src = source(fake_garmin, tmp_path)
    fake_garmin.mode = "401"
    with pytest.raises(AuthError):
        src.fetch(window())
    fake_garmin.mode = None  # Garmin accepts the same token file again
    with pytest.raises(AuthError):
        src.fetch(window(NOW + AUTH_PAUSE - timedelta(minutes=1)))  # still pausing
    later = NOW + AUTH_PAUSE + timedelta(minutes=1)
    healed = src.fetch(window(later))
    assert healed.completed_runs
    assert src.state.get("garmin", "rejected_at") is None
    for cycle in range(1, 6):  # the cycles after the healing one, where it used to die
        again = src.fetch(window(later + timedelta(minutes=15 * cycle)))
        assert again.completed_runs == healed.completed_runs


def test_a_fresh_source_after_healing_reads_the_cleared_record(fake_garmin, tmp_path):
    """Each daemon cycle builds a new source in a new process: only the state carries over."""
    fake_garmin.generate(30, NOW - timedelta(hours=2))
    fake_garmin.mode = "401"
    with pytest.raises(AuthError):
        source(fake_garmin, tmp_path).fetch(window())
    fake_garmin.mode = None
    later = NOW + AUTH_PAUSE + timedelta(minutes=1)

    def fresh() -> GarminSource:  # the same token file, untouched since it was rejected
        return GarminSource(GarminConfig(fake_garmin.url, 112, False), State(tmp_path))

    assert fresh().fetch(window(later)).completed_runs
    for cycle in range(1, 4):
        assert fresh().fetch(window(later + timedelta(minutes=15 * cycle))).completed_runs


def _rewind_rejection(state_dir: Path) -> None:
    """Six hours pass: the rejection and the backoff move into the past."""
    db = sqlite3.connect(state_dir / "state.sqlite3", timeout=30)
    try:
        past = (datetime.now().astimezone() - AUTH_PAUSE - timedelta(minutes=5)).isoformat()
        with db:
            db.execute("UPDATE kv SET value=? WHERE scope='garmin' AND key='rejected_at' "
                       "AND value IS NOT NULL", (past,))
            db.execute("UPDATE components SET next_try=? WHERE name='source:garmin'", (past,))
    finally:
        db.close()


def _garmin_row(state_dir: Path) -> tuple[int, str | None, str | None] | None:
    db = sqlite3.connect(f"file:{state_dir / 'state.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        row = db.execute("SELECT failures, last_error, last_ok FROM components "
                         "WHERE name='source:garmin'").fetchone()
    finally:
        db.close()
    return row


def test_the_daemon_recovers_when_garmin_accepts_the_login_again(tmp_path, server,  # noqa: F811
                                                                 fake_garmin):
    daemon = Daemon(tmp_path, server.url, fake_garmin, "runner")
    fake_garmin.mode = "401"
    try:
        daemon.start()
        assert wait_until(lambda: (_garmin_row(daemon.state) or (0,))[0] >= 3, 60), \
            daemon.log.read_text()[-3000:]
        said = [line for line in daemon.log.read_text().splitlines()
                if "Garmin rejected the saved login" in line
                and (" WARNING " in line or " ERROR " in line)]
        assert len(said) == 1, said  # three failed cycles, one line (the rest at INFO)
        assert "Traceback" not in daemon.log.read_text()
        fake_garmin.mode = None
        _rewind_rejection(daemon.state)
        assert wait_until(lambda: (_garmin_row(daemon.state) or (1,))[0] == 0, 60), \
            daemon.log.read_text()[-3000:]
        healed_at = len(daemon.log.read_text())
        cycles_before = fake_garmin.log.count("/activitylist-service/activities/search/activities")
        # Several more cycles, each one reading the cleared rejection back from the state.
        assert wait_until(lambda: fake_garmin.log.count(
            "/activitylist-service/activities/search/activities") >= cycles_before + 4, 60)
        after = daemon.log.read_text()[healed_at:]
        assert daemon.alive()
        assert "the cycle failed" not in after and "ValueError" not in after, after[-3000:]
        row = _garmin_row(daemon.state)
        assert row is not None and row[0] == 0 and row[1] is None
    finally:
        daemon.stop()
