"""The FIT folder source on real files from real watches."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from syncd.model import RunKind
from syncd.sources.base import FetchWindow
from syncd.sources.fit_folder import FitFolderSource, read_fit
from syncd.state import State

FIT = Path(__file__).resolve().parents[2] / "data" / "fit"
EVERYTHING = FetchWindow(datetime(2026, 1, 1, tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC),
                         datetime(2027, 1, 1, tzinfo=UTC), ZoneInfo("UTC"))


def test_each_real_file_is_read_for_what_it_is():
    got = {p.name: read_fit(p) for p in FIT.glob("*.fit")}
    assert got["2013-02-06-12-11-14.fit"]["kind"] == "run"
    assert got["2013-02-06-12-11-14.fit"]["seconds"] == 2625.14
    assert got["2013-02-06-12-11-14.fit"]["hr"] == 147
    assert got["activity-small-fenix2-run.fit"]["kind"] == "run"
    assert got["developer-types-sample.fit"]["kind"] == "run"
    assert got["garmin-fenix-5-bike.fit"]["kind"] == "other"
    assert got["garmin-fenix-5-walk.fit"]["kind"] == "other"
    assert got["activity-filecrc.fit"]["note"].startswith("CRC mismatch")
    assert got["activity-settings-corruptheader.fit"]["kind"] == "error"
    assert "device-relative" in got["antfs-dump.63.fit"]["error"]


def test_fetch_gives_classified_runs(tmp_path):
    obs = FitFolderSource((FIT,), State(tmp_path)).fetch(EVERYTHING)
    starts = {r.start for r in obs.completed_runs}
    assert datetime(2013, 2, 6, 12, 11, 14, tzinfo=UTC) in starts
    assert all(r.reason for r in obs.completed_runs)
    assert all(r.kind in (RunKind.EASY, RunKind.LONG, RunKind.QUALITY)
               for r in obs.completed_runs)
    assert len(obs.completed_runs) == 4, "four runs; the ride, the walk and bad files are not"


def test_rescan_reads_only_new_or_changed_files_and_reports_a_bad_one_once(tmp_path, caplog):
    folder = tmp_path / "watch"
    shutil.copytree(FIT, folder)
    src = FitFolderSource((folder,), State(tmp_path / "state"))
    src.scan()
    assert src.parsed == 8
    bad = [r for r in caplog.records if "corruptheader" in r.getMessage()]
    assert len(bad) == 1
    caplog.clear()
    src.parsed = 0
    src.scan()
    assert src.parsed == 0
    assert not [r for r in caplog.records if "corruptheader" in r.getMessage()]
    (folder / "sub").mkdir()
    shutil.copy(FIT / "2013-02-06-12-11-14.fit", folder / "sub" / "copy.fit")
    src.scan()
    assert src.parsed == 1


def test_a_corrupt_file_never_stops_the_scan(tmp_path):
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "zero.fit").write_bytes(b"")
    (folder / "junk.FIT").write_bytes(b"\x00" * 100)
    shutil.copy(FIT / "activity-small-fenix2-run.fit", folder / "run.fit")
    obs = FitFolderSource((folder,), State(tmp_path / "state")).fetch(EVERYTHING)
    assert len(obs.completed_runs) == 1


def test_missing_folder_is_a_warning_not_a_crash(tmp_path):
    obs = FitFolderSource((tmp_path / "unplugged",), State(tmp_path / "s")).fetch(EVERYTHING)
    assert obs.completed_runs == ()


def test_window_filters_old_runs(tmp_path):
    recent = FetchWindow(datetime(2026, 1, 1, tzinfo=UTC),
                         datetime(2026, 1, 1, tzinfo=UTC) - timedelta(weeks=16),
                         datetime(2026, 2, 1, tzinfo=UTC), ZoneInfo("UTC"))
    assert FitFolderSource((FIT,), State(tmp_path)).fetch(recent).completed_runs == ()
