"""What the watch recorded in strength activities, through the real garminconnect against the
fake (recorded-shape answers, tests/data/garmin/exercise_sets.strength.json), then through
the planner's pure estimation."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncd.config.loader import GarminConfig
from syncd.planner.lifted import advise, lift_history
from syncd.sources.base import FetchWindow
from syncd.sources.garmin import GarminSource
from syncd.sources.garmin_sets import MAX_GUESSES, MAX_SETS, parse_exercise_sets
from syncd.state import State
from tests.integration.fake_garmin import FakeGarmin, write_tokens

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)
STRENGTH = 5  # the fake's "Strength" kind
RUN = 0
RECORDED = Path(__file__).resolve().parents[1] / "data" / "garmin" / \
    "exercise_sets.strength.json"


def recorded(activity_id: int) -> dict:
    body = copy.deepcopy(json.loads(RECORDED.read_text())["body"])
    body["activityId"] = activity_id
    return body


def window(now: datetime = NOW) -> FetchWindow:
    return FetchWindow(now, now - timedelta(weeks=16), now + timedelta(days=21), TZ)


def source(fake: FakeGarmin, tmp_path: Path) -> GarminSource:
    write_tokens(tmp_path)
    return GarminSource(GarminConfig(fake.url, 112, False), State(tmp_path))


def set_calls(fake: FakeGarmin) -> list[str]:
    return [p for p in fake.log if p.endswith("/exerciseSets")]


def test_recorded_sets_read_back_as_the_watch_saw_them(fake_garmin, tmp_path):
    act = fake_garmin.add_newest(STRENGTH, NOW - timedelta(hours=20))
    fake_garmin.exercise_sets[act["activityId"]] = recorded(act["activityId"])
    obs = source(fake_garmin, tmp_path).fetch(window())
    (lift,) = obs.strength
    assert len(lift.sets) == 9
    first, rest = lift.sets[0], lift.sets[1]
    assert first.active and first.reps == 6 and first.weight_kg == 90.0, "grams → kg"
    assert first.step_index == 3 and len(first.guesses) == 2
    assert first.guesses[0].name == "BARBELL_BACK_SQUAT" and first.guesses[0].probability == 98
    assert not rest.active and rest.reps is None and rest.weight_kg is None
    lunge = lift.sets[6]
    assert lunge.weight_kg is None and lunge.guesses[0].name == "", "category without a name"
    assert lift.sets[7].step_index is None, "a set off the workout"
    assert first.start is not None and first.start.hour == 17


def test_only_confident_named_sets_feed_the_estimate(fake_garmin, tmp_path):
    act = fake_garmin.add_newest(STRENGTH, NOW - timedelta(hours=20))
    fake_garmin.exercise_sets[act["activityId"]] = recorded(act["activityId"])
    obs = source(fake_garmin, tmp_path).fetch(window())
    history = lift_history(obs.strength, TZ)
    squat = history["Back squat"][-1]
    # the four 6 × 90 kg sets; the 100 kg set guessed at 35 % is left out
    assert squat.sets == ((6, 90.0),) * 4
    assert squat.e1rm() == pytest.approx(108.0)
    rdl = history["Romanian deadlift"][-1]
    assert rdl.sets == ((8, 60.0),), "a 0-1 probability (0.93) read as 93 %"
    advice = advise(history["Back squat"], pct=85.0, step_pct=2.5)
    assert advice is not None and advice.kg == 92.5


def test_each_new_strength_activity_costs_one_call_and_a_quiet_cycle_none(fake_garmin,
                                                                          tmp_path):
    fake_garmin.generate(60, NOW - timedelta(hours=2))
    src = source(fake_garmin, tmp_path)
    src.fetch(window())
    lifts = [a for a in src.cached(window()).strength
             if a.start >= NOW - timedelta(days=42)]
    assert lifts and len(set_calls(fake_garmin)) == len(lifts)
    before = len(set_calls(fake_garmin))
    src.fetch(window(NOW + timedelta(minutes=15)))
    assert len(set_calls(fake_garmin)) == before, "quiet cycle: no call"
    fake_garmin.add_newest(RUN, NOW + timedelta(minutes=20))
    src.fetch(window(NOW + timedelta(minutes=30)))
    assert len(set_calls(fake_garmin)) == before, "a new run: no sets call"
    fake_garmin.add_newest(STRENGTH, NOW + timedelta(minutes=40))
    src.fetch(window(NOW + timedelta(hours=2)))
    assert len(set_calls(fake_garmin)) == before + 1, "one call for the new strength activity"


def test_a_failing_sets_call_is_retried_next_cycle_without_losing_the_activity(fake_garmin,
                                                                              tmp_path):
    act = fake_garmin.add_newest(STRENGTH, NOW - timedelta(hours=20))
    fake_garmin.exercise_sets[act["activityId"]] = recorded(act["activityId"])
    failing = {"on": True}

    def flaky(request):
        if failing["on"] and request.path.endswith("/exerciseSets"):
            from werkzeug import Response

            return Response("oops", status=500)
        return None

    fake_garmin.extensions.append(flaky)
    src = source(fake_garmin, tmp_path)
    (lift,) = src.fetch(window()).strength
    assert lift.sets == (), "the activity still counts; its sets come later"
    failing["on"] = False
    (lift,) = src.fetch(window(NOW + timedelta(minutes=15))).strength
    assert len(lift.sets) == 9


def stored_sets(src: GarminSource) -> set[str]:
    return {r[0] for r in src.state.db.execute(
        "SELECT key FROM kv WHERE scope='garmin' AND key LIKE 'sets:%'")}


def test_stored_sets_go_with_the_history_window_and_are_not_read_again(fake_garmin, tmp_path):
    old = fake_garmin.add_newest(STRENGTH, NOW - timedelta(days=30))
    new = fake_garmin.add_newest(STRENGTH, NOW - timedelta(days=2))
    gone = fake_garmin.add_newest(STRENGTH, NOW - timedelta(days=1))
    for act in (old, new, gone):
        fake_garmin.exercise_sets[act["activityId"]] = recorded(act["activityId"])
    write_tokens(tmp_path)
    src = GarminSource(GarminConfig(fake_garmin.url, 40, False), State(tmp_path))
    src.fetch(window())
    ids = {f"sets:garmin:{a['activityId']}" for a in (old, new, gone)}
    assert stored_sets(src) == ids
    fake_garmin.activities.remove(gone)  # deleted on Garmin: its sets go with it
    later = NOW + timedelta(days=12)  # the 30-day-old one is now 42 days old, outside 40
    src.fetch(window(later))
    assert stored_sets(src) == {f"sets:garmin:{new['activityId']}"}
    calls = len(set_calls(fake_garmin))
    src.fetch(window(later + timedelta(hours=25)))  # a deep re-read: the old one is seen again
    assert len(set_calls(fake_garmin)) == calls, "pruned sets are not read again"
    assert stored_sets(src) == {f"sets:garmin:{new['activityId']}"}


def test_pruning_is_bounded_a_cycle(fake_garmin, tmp_path, monkeypatch):
    from syncd.sources import garmin

    src = source(fake_garmin, tmp_path)
    with src.state.transaction():
        src.state.db.executemany("INSERT INTO kv (scope, key, value) VALUES ('garmin', ?, '[]')",
                                 [(f"sets:garmin:{n}",) for n in range(7)])
    monkeypatch.setattr(garmin, "MAX_SET_PRUNES", 3)
    assert src._prune_sets(NOW) == 3 and len(stored_sets(src)) == 4
    assert src._prune_sets(NOW) == 3 and src._prune_sets(NOW) == 1 and not stored_sets(src)


def test_hostile_answers_are_bounded():
    rows = [{"setType": "ACTIVE", "repetitionCount": 5, "weight": 1e300,
             "exercises": [{"category": "SQUAT", "name": "X" * 65, "probability": 90}] * 50}
            for _ in range(MAX_SETS + 50)]
    sets = parse_exercise_sets({"exerciseSets": rows})
    assert len(sets) == MAX_SETS
    assert sets[0].weight_kg is None, "an absurd weight is dropped"
    assert len(sets[0].guesses) == MAX_GUESSES and sets[0].guesses[0].name == ""
    assert parse_exercise_sets({"exerciseSets": None}) == ()
    assert parse_exercise_sets(["not", "a", "dict"]) == ()
    odd = parse_exercise_sets({"exerciseSets": [
        {"setType": "WARMUP"}, {"setType": "ACTIVE", "repetitionCount": True,
                                "wktStepIndex": -1, "startTime": "yesterday"}]})
    assert len(odd) == 1 and odd[0].reps is None and odd[0].step_index is None
    assert odd[0].start is None
