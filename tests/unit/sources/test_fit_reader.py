"""The fast FIT reader gives the full decoder's values, on every real and generated file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fitdecode
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.sources.fit_reader import SESSION, TIME_IN_ZONE, WANTED, parse, read_summary
from tests.fitwrite import Leg, activity_file

HERE = Path(__file__).resolve().parents[2]
# The project's copies, and the shared fixtures when they are beside the clone (as on CI).
SHARED = [p / "fixtures" / "fit" for p in (HERE.parents[1] / "shared", Path("/work/shared"))]
SAMPLES = sorted({*HERE.joinpath("data", "fit").glob("*.fit"),
                  *(f for folder in SHARED for f in folder.glob("*.fit"))})


def full_decode(data: bytes, tmp: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                   int | None]:
    """Sessions, time_in_zone messages and max HR as fitdecode sees them (up to any error)."""
    path = tmp / "f.fit"
    path.write_bytes(data)
    sessions, zones, max_hr = [], [], None
    try:
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                values = {f.name: f.value for f in frame.fields}
                if frame.name == "session":
                    sessions.append(values)
                elif frame.name == "time_in_zone":
                    zones.append(values)
                elif frame.name == "zones_target" and values.get("max_heart_rate"):
                    max_hr = values["max_heart_rate"]
    except fitdecode.FitError:
        pass
    return sessions, zones, max_hr


def assert_same(data: bytes, tmp: Path) -> None:
    sessions, zones, max_hr = full_decode(data, tmp)
    got = parse(data)
    assert len(got.sessions) == len(sessions)
    for mine, theirs in zip(got.sessions, sessions, strict=True):
        for name, _scale in WANTED[SESSION].values():
            assert mine.get(name) == theirs.get(name), name
    names = [name for name, _scale in WANTED[TIME_IN_ZONE].values()]
    assert [[z.get(n) for n in names] for z in got.zones] == [[z.get(n) for n in names]
                                                              for z in zones]
    assert got.max_heart_rate == max_hr


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_values_as_the_full_decoder(path: Path, tmp_path: Path) -> None:
    assert_same(path.read_bytes(), tmp_path)


def test_every_sample_was_compared() -> None:
    names = {p.name for p in SAMPLES}
    assert len(names) == 8 and "garmin-fenix-5-walk.fit" in names


def test_what_the_real_files_say() -> None:
    by_name = {p.name: read_summary(p) for p in SAMPLES}
    run = by_name["activity-small-fenix2-run.fit"]
    assert [s["sport"] for s in run.sessions] == ["running"]
    assert run.sessions[0]["total_training_effect"] == 3.8
    assert by_name["2013-02-06-12-11-14.fit"].sessions[0]["avg_heart_rate"] == 147
    walk = by_name["garmin-fenix-5-walk.fit"]
    assert walk.sessions[0]["sport"] == "walking"
    assert walk.zones[1]["reference_mesg"] == "session" and walk.zones[1]["max_heart_rate"] == 183
    assert by_name["garmin-fenix-5-bike.fit"].max_heart_rate == 183
    assert isinstance(by_name["antfs-dump.63.fit"].sessions[0]["start_time"], int)
    corrupt = by_name["activity-settings-corruptheader.fit"]
    assert corrupt.error is None and len(corrupt.sessions) == 1
    assert "corrupt header" in corrupt.notes[0] and "771" in corrupt.notes[0]


T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def multisport() -> bytes:
    """A brick: run 38 min, transition, ride, transition, run 113 min, cool-down walk, swim."""
    legs = [("running", 38), ("transition", 3), ("cycling", 95), ("transition", 2),
            ("running", 113), ("walking", 10), ("swimming", 20)]
    out, start = [], T0
    for sport, minutes in legs:
        out.append(Leg(sport, start, minutes, distance_m=minutes * 170, avg_hr=140))
        start += timedelta(minutes=minutes)
    return activity_file(out)


def treadmill() -> bytes:
    return activity_file([Leg("running", T0, 40, sub_sport="treadmill", distance_m=8000,
                              avg_hr=165, aerobic_te=3.9, anaerobic_te=2.4,
                              moving_minutes=38.5,
                              hr_zone_minutes=(1, 4, 10, 10, 10, 4, 1), records=500)],
                         max_hr=190)


GENERATED = {"multisport": multisport, "treadmill": treadmill}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_files_same_values_as_the_full_decoder(name: str, tmp_path: Path) -> None:
    data = GENERATED[name]()
    sessions, _, _ = full_decode(data, tmp_path)
    assert sessions, "fitdecode reads the generated file"
    assert_same(data, tmp_path)


def test_every_session_of_a_multisport_file() -> None:
    got = parse(multisport())
    assert [s["sport"] for s in got.sessions] == [
        "running", "transition", "cycling", "transition", "running", "walking", "swimming"]
    runs = [s["total_elapsed_time"] / 60 for s in got.sessions if s["sport"] == "running"]
    assert runs == [38, 113]


def test_treadmill_zones_and_training_effect() -> None:
    got = parse(treadmill())
    s = got.sessions[0]
    assert (s["sport"], s["sub_sport"]) == ("running", "treadmill")
    assert s["total_training_effect"] == 3.9 and s["total_anaerobic_training_effect"] == 2.4
    assert s["total_moving_time"] == 38.5 * 60 and s["avg_heart_rate"] == 165
    assert got.zones[0]["time_in_hr_zone"] == (60, 240, 600, 600, 600, 240, 60)
    assert got.max_heart_rate == 190


def test_a_cut_tail_keeps_the_session_with_a_note(tmp_path: Path) -> None:
    data = treadmill()
    cut = data[:-12]  # the activity message and the CRC are gone; the session is whole
    got = parse(cut)
    assert got.error is None and len(got.sessions) == 1
    assert "cut short" in got.notes[0]
    assert_same(cut, tmp_path)


def test_a_file_cut_before_its_session_is_an_error_that_says_so() -> None:
    data = treadmill()
    got = parse(data[: len(data) // 2])
    assert got.sessions == [] and got.error is not None and "cut short" in got.error


@pytest.mark.parametrize("data, why", [(b"", "empty"), (b"\x00" * 100, "corrupt header"),
                                       (b"\x0e\x10", "header cut short")])
def test_not_fit_at_all(data: bytes, why: str) -> None:
    got = parse(data)
    assert got.error is not None and why in got.error


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(multisport())))
def test_a_file_cut_anywhere_never_raises_and_agrees_with_the_full_decoder(cut, tmp_path_factory):
    data = multisport()[:cut]
    got = parse(data)
    assert (got.error is None) == bool(got.sessions)
    assert_same(data, tmp_path_factory.mktemp("cut"))


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(min_value=0, max_value=len(treadmill()) - 1),
       byte=st.integers(min_value=0, max_value=255))
def test_a_corrupt_byte_anywhere_never_raises(pos, byte):
    """Neither in the reader nor in the folder source: what comes out is numbers or None."""
    from syncd.sources.fit_folder import summarise

    data = bytearray(treadmill())
    data[pos] = byte
    got = parse(bytes(data))
    assert got.error is not None or got.sessions
    result = summarise(got)
    json.dumps(result)
    for s in result["sessions"]:
        assert all(isinstance(s[k], float) or s[k] is None
                   for k in ("seconds", "moving", "distance", "hr", "te", "anaerobic_te"))
