"""The ICS file: an existing file keeps its mode, a new one honours the umask, and a
mistyped path does not grow folders (issue 20)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from syncd.atomic import atomic_write
from syncd.config.loader import IcsSettings
from syncd.errors import SyncdError
from syncd.sinks.ics import IcsFileSink
from syncd.state import State
from tests.unit.sinks.test_ics_sink import demo_sessions


@pytest.fixture
def state(tmp_path: Path):
    s = State(tmp_path / "state")
    yield s
    s.close()


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda m: os.umask(m)
    os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _push(path: Path, state: State, shift: int = 0) -> None:
    now, sessions = demo_sessions()
    from dataclasses import replace
    from datetime import timedelta

    sessions = [replace(s, start=s.start + timedelta(minutes=shift),
                        end=s.end + timedelta(minutes=shift)) for s in sessions]
    sink = IcsFileSink(IcsSettings(path, "Strength", None), state, "Europe/Berlin")
    assert sink.push(sessions, now, dry_run=False).written


@pytest.mark.parametrize("mask, expected", [(0o077, 0o600), (0o022, 0o644), (0o027, 0o640)])
def test_a_new_file_honours_the_umask(tmp_path: Path, state: State, umask, mask, expected):
    umask(mask)
    _push(tmp_path / "s.ics", state)
    assert _mode(tmp_path / "s.ics") == expected


def test_an_existing_files_mode_is_kept_across_writes(tmp_path: Path, state: State, umask):
    path = tmp_path / "s.ics"
    _push(path, state)
    path.chmod(0o600)
    _push(path, state, shift=30)  # every session moved: the file is rewritten
    assert _mode(path) == 0o600
    path.chmod(0o664)
    _push(path, state, shift=60)
    assert _mode(path) == 0o664
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".s.ics")]


def test_the_files_own_folder_is_made_when_its_parent_exists(tmp_path: Path, state: State):
    _push(tmp_path / "new" / "s.ics", state)
    assert (tmp_path / "new" / "s.ics").is_file()


def test_a_path_under_a_missing_folder_is_one_line_naming_ics_path(tmp_path: Path,
                                                                    state: State):
    path = tmp_path / "nonexistent" / "dir" / "s.ics"
    with pytest.raises(SyncdError) as info:
        _push(path, state)
    msg = str(info.value)
    assert msg.startswith("ics.path: the folder ") and "\n" not in msg
    assert str(tmp_path / "nonexistent") in msg
    assert not (tmp_path / "nonexistent").exists(), "no folder is made for a mistyped path"


def test_a_private_file_gets_its_mode_exactly(tmp_path: Path, umask):
    umask(0o000)
    atomic_write(tmp_path / "token", b"x", 0o600)
    assert _mode(tmp_path / "token") == 0o600
    (tmp_path / "token").chmod(0o644)
    atomic_write(tmp_path / "token", b"y", 0o600)
    assert _mode(tmp_path / "token") == 0o600


def test_doctor_names_ics_path_under_a_missing_folder(tmp_path: Path):
    from syncd.config.loader import parse_config
    from syncd.doctor.local import check_sinks

    bad = parse_config('[ics]\npath = "/nonexistent/dir/strength.ics"\n', "c",
                       base_dir=tmp_path, env={})
    check = check_sinks(bad)
    assert not check.ok and "at 'ics.path'" in check.detail and "/nonexistent" in check.detail
    good = parse_config('[ics]\npath = "sub/strength.ics"\n', "c", base_dir=tmp_path, env={})
    assert check_sinks(good).ok
