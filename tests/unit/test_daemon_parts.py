"""Small parts of the daemon: journal log lines, the notify protocol, state migrations."""

from __future__ import annotations

import logging
import socket
import sqlite3
import stat

import pytest

from syncd.errors import ConfigError
from syncd.logs import JournalFormatter
from syncd.notify import Notifier
from syncd.state import MIGRATIONS, SCHEMA_VERSION, State


def record(level: int, msg: str) -> logging.LogRecord:
    return logging.LogRecord("syncd.cycle", level, __file__, 1, msg, (), None)


@pytest.mark.parametrize("level, prefix", [(logging.ERROR, "<3>"), (logging.WARNING, "<4>"),
                                           (logging.INFO, "<6>"), (logging.DEBUG, "<7>")])
def test_journal_lines_carry_the_priority_and_no_timestamp(level, prefix):
    line = JournalFormatter().format(record(level, "calendar caldav: did not answer"))
    assert line == f"{prefix}syncd.cycle: calendar caldav: did not answer"


def test_journal_multiline_messages_keep_the_priority_on_each_line():
    line = JournalFormatter().format(record(logging.WARNING, "one\ntwo"))
    assert line.splitlines() == ["<4>syncd.cycle: one", "<4>two"]


def test_notifier_sends_to_a_socket_and_is_silent_without_one(tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    n = Notifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "4000000"})
    assert n.watchdog_s == 4.0
    n.ready("hello")
    assert sock.recv(1024) == b"READY=1\nSTATUS=hello"
    n.watchdog()
    assert sock.recv(1024) == b"WATCHDOG=1"
    sock.close()
    quiet = Notifier({})
    assert quiet.send("READY=1") is False and quiet.watchdog_s is None


def test_watchdog_for_another_pid_is_ignored():
    assert Notifier({"WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"}).watchdog_s is None


def test_state_is_private_and_migrates_from_an_old_schema(tmp_path):
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    for stmt in MIGRATIONS[0]:
        db.execute(stmt)
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO sink_items (sink, uid, state) VALUES ('caldav', 'syncd-x@syncd', "
               "'synced')")
    db.commit()
    db.close()
    state = State(tmp_path)
    assert state.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    rows = state.db.execute("SELECT uid, pending FROM sink_items").fetchall()
    assert [tuple(r) for r in rows] == [("syncd-x@syncd", None)]
    assert state.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE((tmp_path / "state.sqlite3").stat().st_mode) == 0o600
    state.close()


def test_state_from_a_newer_syncd_is_refused_clearly(tmp_path):
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(ConfigError) as info:
        State(tmp_path)
    assert "written by a newer syncd" in str(info.value)


def test_a_state_problem_is_logged_once_per_change(caplog):
    from syncd.daemon import StateReport

    report = StateReport()
    with caplog.at_level(logging.INFO, logger="syncd.daemon"):
        for _ in range(3):
            report("state.sqlite3: is damaged")
        report("state.sqlite3: the disk holding the state is full")
        report(None)
        report(None)
        report("another syncd writes to it", busy=True)
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert said == [(logging.ERROR, "state.sqlite3: is damaged"),
                    (logging.ERROR, "state.sqlite3: the disk holding the state is full"),
                    (logging.INFO, "the state is usable again"),
                    (logging.WARNING, "another syncd writes to it")]

