"""The run classifier on real Garmin shapes and on the edge cases."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.classify import Evidence, History, Keywords, classify, is_run
from syncd.model import RunKind, StrengthActivity
from syncd.sources.garmin_shapes import activity_to_record, evidence, records_from_activities
from tests.helpers import TZ

DATA = Path(__file__).resolve().parents[1] / "data" / "garmin"
REAL = json.loads((DATA / "test_activity_list.0.json").read_text())["body"]


def test_real_activity_list_shapes():
    records = [activity_to_record(a) for a in REAL]
    run = records[0]
    assert run is not None and not isinstance(run, StrengthActivity)
    assert run.kind is RunKind.EASY and run.reason == "training effect AEROBIC_BASE"
    assert run.start == datetime(2026, 1, 8, 14, 10, 21, tzinfo=UTC)
    assert records[1:] == [None, None], "a hike and a paddle are not runs"


def variant(**changes):
    act = copy.deepcopy(REAL[0])
    act.update(changes)
    return act


@pytest.mark.parametrize("changes, kind, reason", [
    ({"eventType": {"typeKey": "race"}}, RunKind.RACE, "marked as a race"),
    ({"trainingEffectLabel": "VO2MAX"}, RunKind.QUALITY, "training effect VO2MAX"),
    ({"trainingEffectLabel": "TEMPO", "duration": 7200.0}, RunKind.LONG,
     "120 min (90 min or more) (training effect TEMPO)"),
    ({"trainingEffectLabel": None, "anaerobicTrainingEffect": 2.4}, RunKind.QUALITY,
     "anaerobic training effect 2.4"),
    ({"duration": 5.5 * 3600, "activityName": "Ultra 50K"}, RunKind.LONG,
     "330 min (90 min or more) (training effect AEROBIC_BASE)"),
])
def test_order_of_trust(changes, kind, reason):
    rec = activity_to_record(variant(**changes))
    assert rec is not None and not isinstance(rec, StrengthActivity)
    assert (rec.kind, rec.reason) == (kind, reason)


def test_hr_zones_decide_when_there_is_no_training_effect():
    secs = 3000.0
    hard = variant(trainingEffectLabel=None, anaerobicTrainingEffect=None,
                   hrTimeInZone_1=0.1 * secs, hrTimeInZone_2=0.2 * secs,
                   hrTimeInZone_3=0.3 * secs, hrTimeInZone_4=0.3 * secs,
                   hrTimeInZone_5=0.1 * secs)
    rec = activity_to_record(hard)
    assert rec is not None and rec.kind is RunKind.QUALITY  # type: ignore[union-attr]
    assert rec.reason == "40% of the time in HR zones 4-5"  # type: ignore[union-attr]


def test_no_hr_falls_back_to_pace_then_keywords():
    no_hr = {f"hrTimeInZone_{i}": None for i in range(1, 6)}
    fast = Evidence(title="Morning run", duration_s=2400, avg_speed=3.8)
    history = History(durations_s=(2700, 2600, 3000), easy_speeds=(3.0, 3.1, 2.9))
    assert classify(fast, history)[0] is RunKind.QUALITY
    assert classify(fast, history)[1] == "pace 4:23/km is faster than your easy pace 5:33/km"
    rec = activity_to_record(variant(trainingEffectLabel=None, anaerobicTrainingEffect=None,
                                     activityName="Fartlek in the park", **no_hr))
    assert (rec.kind, rec.reason) == (RunKind.QUALITY, "title says 'fartlek'")  # type: ignore[union-attr]


def test_treadmill_pace_is_not_trusted():
    e = Evidence(title="Treadmill", type_key="treadmill_running", duration_s=2400,
                 avg_speed=4.0)
    history = History(easy_speeds=(3.0, 3.0, 3.0))
    assert classify(e, history) == (RunKind.EASY, "pace 4:10/km near your easy pace 5:33/km")


def test_manual_activity_without_metrics_uses_its_title():
    manual = {"activityId": 1, "activityName": "Tempo 3x10'", "manualActivity": True,
              "startTimeGMT": "2026-01-08 06:00:00",
              "activityType": {"typeKey": "running"}, "duration": 3000.0}
    rec = activity_to_record(manual)
    assert (rec.kind, rec.reason) == (RunKind.QUALITY, "title says 'tempo'")  # type: ignore[union-attr]


def test_long_is_relative_to_recent_runs():
    history = History(durations_s=(1800, 2000, 2100, 1900))
    kind, reason = classify(Evidence(title="Run", duration_s=3300), history)
    assert kind is RunKind.LONG and "1.7× your median of 32" in reason


def test_two_runs_in_a_day_are_two_runs():
    morning = variant(activityId=1, startTimeGMT="2026-01-08 06:00:00")
    evening = variant(activityId=2, startTimeGMT="2026-01-08 18:00:00",
                      trainingEffectLabel="LACTATE_THRESHOLD")
    runs, lifts, problems = records_from_activities([evening, morning], TZ)
    assert [r.kind for r in runs] == [RunKind.EASY, RunKind.QUALITY]
    assert lifts == [] and problems == []


@pytest.mark.parametrize("type_key", ["walking", "road_biking", "hiking", "lap_swimming"])
def test_walks_rides_and_swims_are_not_runs(type_key):
    assert activity_to_record(variant(activityType={"typeKey": type_key})) is None


def test_running_types():
    for key in ("running", "trail_running", "treadmill_running", "track_running",
                "ultra_run", "indoor_running"):
        assert is_run(key)
    assert not is_run("walking")


def test_strength_training_is_strength():
    rec = activity_to_record(variant(activityType={"typeKey": "strength_training"},
                                     activityName="Legs"))
    assert isinstance(rec, StrengthActivity) and rec.title == "Legs"
    assert rec.end - rec.start == timedelta(seconds=REAL[0]["duration"])


def test_malformed_activities_are_reported_and_skipped():
    broken = [variant(activityId=5, startTimeGMT="yesterday"), "not an object",
              {k: v for k, v in REAL[0].items() if k != "startTimeGMT"}]
    runs, _, problems = records_from_activities([*broken, REAL[0]], TZ)
    assert len(runs) == 1 and len(problems) == 3


def test_keywords_in_several_languages_and_extensions():
    cases = {"Intervalle 10x400": RunKind.QUALITY, "Sortie longue": RunKind.LONG,
             "Tirada larga": RunKind.LONG, "Ripetute": RunKind.QUALITY,
             "Lockerer Lauf": RunKind.EASY, "parkrun": RunKind.RACE}
    for title, kind in cases.items():
        assert classify(Evidence(title=title))[0] is kind, title
    custom = Keywords().extended({RunKind.QUALITY: ("kenyans",)})
    assert classify(Evidence(title="Kenyans on the hill"), keywords=custom)[0] is RunKind.QUALITY


def test_the_single_activity_shape_reads_like_a_list_entry():
    single = json.loads((DATA / "test_activity_get.1.json").read_text())["body"]
    e = evidence(single)
    assert (e.type_key, e.te_label, e.duration_s) == ("trail_running", "AEROBIC_BASE", 2223.327)
    rec = activity_to_record(single)
    listed = activity_to_record(REAL[0])
    assert rec is not None and listed is not None
    assert (rec.id, rec.start, rec.kind) == (listed.id, listed.start, listed.kind)


@pytest.mark.parametrize("title", ["6x800m", "Track 5x1000", "10x400 @5k", "8 x400", "x800s"])
def test_repetition_keywords_follow_their_count(title):
    kind, reason = classify(Evidence(title=title))
    assert kind is RunKind.QUALITY, title
    assert reason.startswith("title says '")


def test_a_repetition_keyword_inside_a_word_does_not_match():
    assert classify(Evidence(title="Sandbox800 shakeout"))[0] is RunKind.EASY


@pytest.mark.parametrize("title, kind", [
    ("Marathon pace long run", RunKind.LONG),
    ("Recovery run after race", RunKind.EASY),
    ("Easy jog before the parkrun", RunKind.EASY),
    ("Lockerer Lauf nach dem Wettkampf", RunKind.EASY),
    ("Half marathon pace, then easy", RunKind.EASY),
    ("Race week shakeout", RunKind.EASY),
    ("Half marathon", RunKind.RACE),
    ("City marathon", RunKind.RACE),
    ("Saturday parkrun", RunKind.RACE),
    ("Recovery run after race, then the 10k race", RunKind.RACE),
])
def test_a_race_named_is_not_always_a_race(title, kind):
    assert classify(Evidence(title=title))[0] is kind, title
