"""FIT folder: no run lost, none counted twice (issue 9's cases, on generated and real files)."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.model import RunKind
from syncd.sources import fit_folder
from syncd.sources.fit_folder import FitFolderSource
from syncd.state import State
from tests.fitwrite import Leg, activity_file
from tests.unit.sources.test_fit_folder import EVERYTHING, FIT
from tests.unit.sources.test_fit_reader import T0, multisport, treadmill


def fetch(folder: Path, state: Path):
    return FitFolderSource((folder,), State(state)).fetch(EVERYTHING)


def test_every_run_leg_of_a_multisport_file_is_a_run(tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "brick.fit").write_bytes(multisport())
    runs = fetch(tmp_path / "w", tmp_path / "s").completed_runs
    assert [round(r.duration.total_seconds() / 60) for r in runs] == [38, 113]
    assert runs[1].kind is RunKind.LONG
    assert runs[1].start == T0 + timedelta(minutes=38 + 3 + 95 + 2)


def test_three_copies_of_one_file_are_one_run(tmp_path):
    for name in ("a", "b", "c/d"):
        (tmp_path / "w" / name).mkdir(parents=True)
        shutil.copy(FIT / "2013-02-06-12-11-14.fit", tmp_path / "w" / name / "run.fit")
    runs = fetch(tmp_path / "w", tmp_path / "s").completed_runs
    assert len(runs) == 1


def test_a_cut_tail_keeps_the_run_and_says_so_once(tmp_path, caplog):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "cut.fit").write_bytes(treadmill()[:-12])
    caplog.set_level(logging.INFO)
    obs = fetch(tmp_path / "w", tmp_path / "s")
    assert len(obs.completed_runs) == 1
    notes = [r.getMessage() for r in caplog.records if "cut.fit" in r.getMessage()]
    assert len(notes) == 1 and "cut short" in notes[0]
    # the cycle's warning, said by every cycle until the file changes (issue 23)
    assert len(obs.notes) == 1 and "cut.fit" in obs.notes[0] and "cut short" in obs.notes[0]


def test_an_empty_file_and_a_dangling_link_are_one_warning_each(tmp_path, caplog):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "empty.fit").write_bytes(b"")
    (folder / "gone.fit").symlink_to(tmp_path / "unplugged" / "x.fit")
    shutil.copy(FIT / "activity-small-fenix2-run.fit", folder / "run.fit")
    caplog.set_level(logging.INFO)
    src = FitFolderSource((folder,), State(tmp_path / "s"))
    assert len(src.fetch(EVERYTHING).completed_runs) == 1
    for _ in range(3):  # later cycles: no file is read again, so the log says nothing new
        obs = src.fetch(EVERYTHING)
        # ... but each cycle's warnings still name both, until they are fixed (issue 23)
        assert len(obs.notes) == 2, obs.notes
    lines = [r.getMessage() for r in caplog.records]
    empty = [m for m in lines if "empty.fit" in m]
    gone = [m for m in lines if "gone.fit" in m]
    assert len(empty) == 1 and "empty (0 bytes)" in empty[0]
    assert len(gone) == 1 and "not there" in gone[0]


def test_a_treadmill_run_gets_the_treadmill_rule_training_effect_and_moving_time(tmp_path):
    # 40 min at a pace far faster than the easy runs before it: outdoors that is a quality
    # run, on a treadmill the pace is a wrist estimate and does not count.
    folder = tmp_path / "w"
    folder.mkdir()
    for day in range(1, 5):
        start = T0 - timedelta(days=day)
        (folder / f"easy{day}.fit").write_bytes(activity_file(
            [Leg("running", start, 45, distance_m=45 * 60 * 2.8)]))
    fast = dict(distance_m=40 * 60 * 3.6)
    (folder / "tread.fit").write_bytes(activity_file(
        [Leg("running", T0, 40, sub_sport="treadmill", **fast)]))
    (folder / "road.fit").write_bytes(activity_file(
        [Leg("running", T0 + timedelta(days=1), 40, **fast)]))
    (folder / "hard.fit").write_bytes(activity_file(
        [Leg("running", T0 + timedelta(days=2), 40, sub_sport="treadmill", anaerobic_te=2.6,
             moving_minutes=36)]))
    runs = {r.start: r for r in fetch(folder, tmp_path / "s").completed_runs}
    tread, road, hard = (runs[T0], runs[T0 + timedelta(days=1)], runs[T0 + timedelta(days=2)])
    assert tread.kind is RunKind.EASY and tread.title == "treadmill running (FIT)"
    assert road.kind is RunKind.QUALITY and "pace" in road.reason
    assert hard.kind is RunKind.QUALITY and hard.reason == "anaerobic training effect 2.6"


def test_heart_rate_reaches_the_classifier(tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "zones.fit").write_bytes(activity_file([Leg(
        "running", T0, 50, hr_zone_minutes=(2, 3, 10, 15, 15, 5, 0))]))
    (folder / "avg.fit").write_bytes(activity_file(
        [Leg("running", T0 + timedelta(days=1), 50, avg_hr=172)], max_hr=190))
    (folder / "calm.fit").write_bytes(activity_file(
        [Leg("running", T0 + timedelta(days=2), 50, avg_hr=130)], max_hr=190))
    runs = sorted(fetch(folder, tmp_path / "s").completed_runs, key=lambda r: r.start)
    assert [r.kind for r in runs] == [RunKind.QUALITY, RunKind.QUALITY, RunKind.EASY]
    assert runs[0].reason == "40% of the time in HR zones 4-5"
    assert runs[1].reason.startswith("average HR 172 is 91% of your maximum 190")


def test_results_of_an_older_syncd_are_read_again(tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "brick.fit").write_bytes(multisport())
    state = State(tmp_path / "s")
    st = (folder / "brick.fit").stat()
    old = {"kind": "other", "start": T0.isoformat(), "seconds": 2280.0, "sport": "running"}
    state.db.execute("INSERT INTO fit_files VALUES (?,?,?,?)",
                     (str(folder / "brick.fit"), st.st_size, st.st_mtime_ns, json.dumps(old)))
    src = FitFolderSource((folder,), state)
    assert len(src.fetch(EVERYTHING).completed_runs) == 2
    assert src.parsed == 1


def test_a_killed_first_scan_resumes_where_it_stopped(tmp_path, monkeypatch):
    folder = tmp_path / "w"
    folder.mkdir()
    for i in range(30):
        (folder / f"{i:02d}.fit").write_bytes(activity_file(
            [Leg("running", T0 - timedelta(days=i), 30)]))
    monkeypatch.setattr(fit_folder, "BATCH_FILES", 10)
    real = fit_folder.read_fit
    calls = 0

    def dies_at_25(path: Path):
        nonlocal calls
        calls += 1
        if calls == 25:
            raise KeyboardInterrupt  # SIGINT, or the unit's start timeout
        return real(path)

    monkeypatch.setattr(fit_folder, "read_fit", dies_at_25)
    with pytest.raises(KeyboardInterrupt):
        FitFolderSource((folder,), State(tmp_path / "s")).scan()
    kept = State(tmp_path / "s").db.execute("SELECT count(*) FROM fit_files").fetchone()[0]
    assert kept == 24, "everything read before the kill was committed"
    monkeypatch.setattr(fit_folder, "read_fit", real)
    src = FitFolderSource((folder,), State(tmp_path / "s"))
    assert len(src.scan()) == 30 and src.parsed == 6


def test_a_scan_logs_one_summary_line(tmp_path, caplog):
    folder = tmp_path / "w"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.fit").write_bytes(activity_file(
            [Leg("running", datetime(2026, 3, 1 + i, 7, tzinfo=UTC), 30)]))
    caplog.set_level(logging.INFO, logger="syncd.sources.fit_folder")
    FitFolderSource((folder,), State(tmp_path / "s")).scan()
    lines = [r.getMessage() for r in caplog.records if r.name == "syncd.sources.fit_folder"]
    assert len(lines) == 1 and lines[0].startswith("FIT folder: read 5 new or changed files")
    assert "(5 runs, 0 strength, 0 skipped)" in lines[0]
