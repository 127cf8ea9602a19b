"""Discovery configs and states, checked against Home Assistant's rules without a broker,
and the entity values read from the state, on days around a DST change."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncd.model import Exercise, SessionKind, SessionStatus
from syncd.mqtt.entities import ENTITIES, Topics, device_name, discovery, state_messages
from syncd.mqtt.snapshot import StateView, values
from syncd.state import ComponentStatus
from tests.ha_mqtt_schema import problems, state_problems
from tests.helpers import session

TZ = ZoneInfo("Europe/Berlin")
# Sunday 25 Oct 2026: Berlin leaves summer time at 03:00 (UTC+2 → UTC+1).
DST_MONDAY = datetime(2026, 10, 19, tzinfo=TZ)
NOW = datetime(2026, 10, 25, 12, 0, tzinfo=TZ)


def comp(name: str, error: str | None = None) -> ComponentStatus:
    return ComponentStatus(name, "2026-10-25T11:00:00+01:00", None, error, 1 if error else 0,
                           None, None)


def test_every_discovery_config_is_one_home_assistant_accepts():
    configs = discovery(Topics("homeassistant", "syncd"), device_name("Alex"))
    assert len(configs) == len(ENTITIES)
    assert [p for t, c in configs.items() for p in problems(t, c)] == []
    parsed = [json.loads(c) for c in configs.values()]
    assert len({c["unique_id"] for c in parsed}) == len(parsed)
    assert {c["device"]["name"] for c in parsed} == {"syncd (Alex)"}
    assert len({json.dumps(c["device"], sort_keys=True) for c in parsed}) == 1
    assert device_name(None) == "syncd"


def test_another_base_topic_is_another_device_with_other_ids_and_topics():
    a = discovery(Topics("homeassistant", "syncd"), "syncd")
    b = discovery(Topics("ha", "syncd/partner"), "syncd")
    ids_a = {json.loads(c)["unique_id"] for c in a.values()}
    ids_b = {json.loads(c)["unique_id"] for c in b.values()}
    assert not ids_a & ids_b
    assert all(t.startswith("ha/") for t in b)
    assert [p for t, c in b.items() for p in problems(t, c, prefix="ha")] == []
    assert all(json.loads(c).get("state_topic", "syncd/partner/").startswith("syncd/partner/")
               for c in b.values())


def planned_week() -> StateView:
    heavy = replace(session("heavy", 6, "18:00", base=DST_MONDAY),  # Sunday, the DST day
                    title="Heavy strength · 45 min",
                    exercises=(Exercise("Back squat", "squat", 4, "5", "80 kg", 180),),
                    rules=("R2", "R3"), explanation="after the long run")
    return StateView(sessions=(
        session("prev", -1, "23:30", base=DST_MONDAY, status=SessionStatus.DONE),  # last week
        session("mon", 0, "00:30", SessionKind.CORE, SessionStatus.DONE, base=DST_MONDAY),
        session("wed", 2, "18:00", status=SessionStatus.DECLINED, base=DST_MONDAY),
        session("thu", 3, "18:00", SessionKind.LIGHT, SessionStatus.MISSED, base=DST_MONDAY),
        heavy,
        session("late", 7, "00:30", SessionKind.CORE, base=DST_MONDAY),  # Monday, next week
    ), components=(comp("cycle"), comp("source:garmin", "Garmin did not answer"),
                   comp("sink:ics")),
        readiness={"score": 58, "hrv": "BALANCED", "tried": "x"})


def test_values_on_the_dst_sunday():
    v = values(planned_week(), NOW, TZ, "build", cycle_failed=False)
    state, attrs = v["today"]
    assert state == "Heavy strength · 45 min"
    assert attrs is not None
    assert attrs["time"] == "18:00" and attrs["kind"] == "heavy"
    assert attrs["start"] == "2026-10-25T18:00:00+01:00"
    assert attrs["exercises"] == ["Back squat: 4 × 5, 80 kg, rest 3:00"]
    assert attrs["rules"] == ["R2", "R3"] and attrs["explanation"] == "after the long run"
    assert v["next_session"][0] == "2026-10-25T18:00:00+01:00"
    # Mon core (done), Thu light (missed), Sun heavy; the declined one does not count.
    assert v["week"] == ("1/3", {"done": 1, "planned": 3, "missed": 1,
                                 "week_of": "2026-10-19"})
    assert v["phase"] == ("build", None)
    assert v["readiness"] == ("58", {"hrv_status": "BALANCED"})
    assert v["hrv_status"] == ("BALANCED", None)
    assert v["last_result"] == ("ok", {})
    assert v["garmin_login"] == ("OFF", None)
    assert v["calendar_problem"] == ("OFF", {"failing": {}})  # a source failing is no calendar


def test_values_after_the_session_and_late_at_night():
    late = datetime(2026, 10, 25, 23, 45, tzinfo=TZ)  # 22:45 UTC, still Sunday in Berlin
    v = values(planned_week(), late, TZ, None, cycle_failed=False)
    assert v["today"][0] == "Heavy strength · 45 min"  # it was today's, done or not
    assert v["next_session"][0] == "2026-10-26T00:30:00+01:00"
    assert v["phase"] == ("None", None)
    monday = values(planned_week(), late + timedelta(hours=1), TZ, None, cycle_failed=False)
    assert monday["today"][0] == "core · 45 min"
    assert monday["week"][0] == "0/1"


def test_problems_and_results():
    view = StateView(components=(comp("cycle", "caldav: the server did not answer"),
                                 comp("sink:caldav", "the server did not answer")),
                     garmin_rejected=True)
    v = values(view, NOW, TZ, "base", cycle_failed=False)
    assert v["last_result"] == ("errors", {"errors": "caldav: the server did not answer"})
    assert v["garmin_login"] == ("ON", None)
    assert v["calendar_problem"] == ("ON", {"failing": {"caldav": "the server did not answer"}})
    assert values(view, NOW, TZ, "base", cycle_failed=True)["last_result"][0] == "failed"
    empty = values(StateView(), NOW, TZ, None, cycle_failed=False)
    assert empty["today"] == ("No session", {})
    assert empty["next_session"][0] == "None" and empty["readiness"][0] == "None"
    assert empty["last_result"] == ("None", {}) and empty["week"][0] == "0/0"


def test_every_state_is_one_home_assistant_accepts():
    topics = Topics("homeassistant", "syncd")
    configs = [json.loads(c) for c in discovery(topics, "syncd").values()]
    for view, failed in ((planned_week(), False), (StateView(), True)):
        msgs = state_messages(topics, values(view, NOW, TZ, "taper", failed))
        msgs[topics.state("last_change")] = NOW.isoformat()
        errors = [p for c in configs if "state_topic" in c
                  for p in state_problems(c, msgs.get(c["state_topic"]),
                                          msgs.get(c.get("json_attributes_topic", "")))]
        assert errors == []
