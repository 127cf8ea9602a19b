"""Sources that fail are visible until the cause is gone (issue 23): a FIT folder that is
not there and a FIT file cut short are warned of by every run and shown by `syncd status`,
not only by the first scan; `syncd doctor` checks each source."""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
NOW = "2026-11-24T06:30:00+01:00"


def setup(cli) -> tuple[Path, Path, Path]:
    fit = cli.home / "fit"
    fit.mkdir()
    for name in ("activity-small-fenix2-run.fit", "activity-settings-corruptheader.fit"):
        shutil.copy(DATA / "fit" / name, fit / name)
    missing = cli.home / "watch"
    plan = cli.home / "plan.ics"
    shutil.copy(DATA / "training-plan.ics", plan)
    config = cli.cwd / "config.toml"
    config.write_text('[athlete]\ntimezone = "Europe/Berlin"\n'
                      f'[sources.fit]\nfolders = ["{missing}", "{fit}"]\n'
                      f'[sources.calendar]\nics_path = "{plan}"\n'
                      f'[ics]\npath = "{cli.cwd / "out.ics"}"\n')
    return config, missing, fit


def test_fit_problems_are_warned_every_run_and_shown_until_fixed(cli):
    config, missing, fit = setup(cli)
    for _ in range(2):  # the second run reads no file again, and still says so
        res = cli("--config", str(config), "--now", NOW, "run", "--once")
        assert res.returncode == 0, res.stderr
        assert f"syncd: WARNING: cannot read FIT folder {missing}" in res.stderr
        assert "activity-settings-corruptheader.fit: not a FIT file (corrupt header)" \
            in res.stderr
        assert res.stderr.count("corrupt header") == 1, res.stderr  # said once, not twice
        status = cli("--config", str(config), "status")
        assert "warnings (until their cause is gone):" in status.stdout
        assert f"WARNING: cannot read FIT folder {missing}" in status.stdout
        assert "corrupt header" in status.stdout
    missing.mkdir()
    (fit / "activity-settings-corruptheader.fit").unlink()
    res = cli("--config", str(config), "--now", NOW, "run", "--once")
    assert res.returncode == 0 and "WARNING" not in res.stderr, res.stderr
    status = cli("--config", str(config), "status")
    assert "WARNING" not in status.stdout and "warnings (" not in status.stdout, status.stdout


def test_verbose_still_names_each_problem_file_when_it_is_read(cli):
    config, _, _ = setup(cli)
    res = cli("-v", "--config", str(config), "--now", NOW, "run", "--once")
    assert "INFO syncd.sources.fit_folder: FIT file" in res.stderr


def test_doctor_checks_each_source(cli):
    config, missing, fit = setup(cli)
    res = cli("--config", str(config), "--now", NOW, "doctor")
    lines = res.stdout.splitlines()
    assert f"FAIL  source fit {missing}: not there (is the watch or disk connected?); fix " \
        "sources.fit.folders" in lines
    assert f"ok    source fit {fit}: readable, 2 .fit files" in lines
    assert any(line.startswith("ok    source calendar ics_path") and "planned runs" in line
               for line in lines), lines
    assert res.returncode == 1 and "1 check failed" in res.stdout
    # doctor wrote no state: a first real run still reads the folder fresh
    assert not (cli.home / ".state").exists()
    # (permission checks cannot fail under root, where this suite may run: not tested)
    missing.symlink_to(cli.home / "unplugged")
    again = cli("--config", str(config), "--now", NOW, "doctor")
    assert f"FAIL  source fit {missing}: a link to a folder that is not there" in again.stdout
    missing.unlink()
    missing.write_text("")
    again = cli("--config", str(config), "--now", NOW, "doctor")
    assert f"FAIL  source fit {missing}: not a folder" in again.stdout
    (cli.home / "plan.ics").write_text("not a calendar")
    empty = cli("--config", str(config), "--now", NOW, "doctor")
    assert "no planned run in the planning window: is this your running plan?" in empty.stdout
    (cli.home / "plan.ics").unlink()
    broken = cli("--config", str(config), "--now", NOW, "doctor")
    assert any(line.startswith("FAIL  source calendar ics_path") for line in
               broken.stdout.splitlines()), broken.stdout


def test_doctor_hides_the_secret_of_a_feed_url(cli):
    from tests.integration.servers import free_port

    config = cli.cwd / "config.toml"
    config.write_text('[athlete]\ntimezone = "Europe/Berlin"\n[sources.calendar]\n'
                      f'ics_url = "http://127.0.0.1:{free_port()}/s3cr3t-token/plan.ics"\n')
    res = cli("--config", str(config), "--now", NOW, "doctor")
    assert "s3cr3t-token" not in res.stdout + res.stderr
    assert "FAIL  source calendar ics_url http://127.0.0.1/…" in res.stdout
