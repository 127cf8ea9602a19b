"""Discovery configs and states, checked against Home Assistant's rules without a broker,
and the entity values read from the state, on days around a DST change."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncd.model import Exercise, SessionKind, SessionStatus
from syncd.mqtt.entities import (
    ENTITIES,
    Topics,
    device_name,
    discovery,
    owned_state_topic,
    shown,
    state_messages,
)
from syncd.mqtt.memory import Memory
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
    assert len([c for c in configs.values() if c]) == len(ENTITIES)
    assert [p for t, c in configs.items() if c for p in problems(t, c)] == []
    parsed = [json.loads(c) for c in configs.values() if c]
    # Short names after the device's; entity ids fixed whatever the athlete's name.
    by_key = {c["unique_id"].removeprefix("syncd_syncd_"): c for c in parsed}
    assert by_key["today"]["name"] == "Today"
    assert by_key["today"]["default_entity_id"] == "sensor.syncd_today"
    assert by_key["sync_now"]["default_entity_id"] == "button.syncd_sync_now"
    assert by_key["garmin_login"]["default_entity_id"] == "binary_sensor.syncd_garmin_login"
    assert by_key["week_done"]["state_class"] == "measurement"
    assert by_key["hrv_status"]["options"] == ["balanced", "unbalanced", "low", "poor"]
    assert by_key["last_result"]["options"] == ["ok", "errors", "failed"]
    assert by_key["last_sync"]["entity_category"] == "diagnostic"
    assert not any(c["name"].startswith("syncd") for c in parsed)
    assert len({c["unique_id"] for c in parsed}) == len(parsed)
    assert {c["device"]["name"] for c in parsed} == {"syncd (Alex)"}
    assert len({json.dumps(c["device"], sort_keys=True) for c in parsed}) == 1
    assert device_name(None) == "syncd"


def test_another_base_topic_is_another_device_with_other_ids_and_topics():
    a = discovery(Topics("homeassistant", "syncd"), "syncd")
    b = discovery(Topics("ha", "syncd/Partner"), "syncd")
    ids_a = {json.loads(c)["unique_id"] for c in a.values() if c}
    ids_b = {json.loads(c)["unique_id"] for c in b.values() if c}
    assert not ids_a & ids_b
    eids_b = {json.loads(c)["default_entity_id"] for c in b.values() if c}
    assert "sensor.syncd_partner_today" in eids_b
    assert not eids_b & {json.loads(c)["default_entity_id"] for c in a.values() if c}
    assert all(t.startswith("ha/") for t in b)
    assert [p for t, c in b.items() if c for p in problems(t, c, prefix="ha")] == []
    assert all(json.loads(c).get("state_topic", "syncd/Partner/").startswith("syncd/Partner/")
               for c in b.values() if c)


def test_without_garmin_its_entities_are_removed_with_an_empty_config():
    topics = Topics("homeassistant", "syncd")
    garmin_keys = {"readiness", "hrv_status", "garmin_login"}
    plain = discovery(topics, "syncd", shown(garmin=False, readiness=False))
    removed = {t for t, c in plain.items() if c == ""}
    assert removed == {topics.config(e.component, e.key) for e in ENTITIES
                       if e.key in garmin_keys} | {topics.config("sensor", "week")}
    no_readiness = discovery(topics, "syncd", shown(garmin=True, readiness=False))
    assert {t.split("/")[3] for t, c in no_readiness.items() if c == ""} == {
        "readiness", "hrv_status", "week"}
    full = discovery(topics, "syncd", shown(garmin=True, readiness=True))
    assert {t.split("/")[3] for t, c in full.items() if c == ""} == {"week"}


def test_owned_state_topics():
    topics = Topics("homeassistant", "syncd/a")
    assert owned_state_topic(topics, "syncd/a/phase/state") == "phase"
    assert owned_state_topic(topics, "syncd/a/week/attributes") == "week"
    for other in ("syncd/a/availability", "syncd/a/sync_now/press", "syncd/b/phase/state",
                  "syncd/a/x/y/state", "syncd/a//state", "syncd/ab/phase/state"):
        assert owned_state_topic(topics, other) is None, other


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
    assert v["next_title"][0] == "Heavy strength · 45 min"
    # Mon core (done), Thu light (missed), Sun heavy; the declined one does not count.
    assert v["week_done"] == ("1", {"missed": 1, "week_of": "2026-10-19"})
    assert v["week_planned"] == ("3", None)
    assert v["phase"] == ("build", None)
    assert v["readiness"] == ("58", {"hrv_status": "BALANCED"})
    assert v["hrv_status"] == ("balanced", None)
    assert v["last_result"] == ("ok", {})
    assert v["garmin_login"] == ("OFF", None)
    assert v["calendar_problem"] == ("OFF", {"failing": {}})  # a source failing is no calendar


def test_values_after_the_session_and_late_at_night():
    late = datetime(2026, 10, 25, 23, 45, tzinfo=TZ)  # 22:45 UTC, still Sunday in Berlin
    v = values(planned_week(), late, TZ, None, cycle_failed=False)
    assert v["today"][0] == "Heavy strength · 45 min"  # it was today's, done or not
    assert v["next_session"][0] == "2026-10-26T00:30:00+01:00"
    assert v["phase"] == (None, None)  # not known: not published
    monday = values(planned_week(), late + timedelta(hours=1), TZ, None, cycle_failed=False)
    assert monday["today"][0] == "core · 45 min"
    assert (monday["week_done"][0], monday["week_planned"][0]) == ("0", "1")


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
    assert empty["next_title"][0] == "No session planned"
    assert empty["last_result"] == (None, {}) and empty["week_planned"][0] == "0"
    odd = values(StateView(readiness={"score": 40, "hrv": "SOMETHING_NEW"}), NOW, TZ, None,
                 cycle_failed=False)
    assert odd["hrv_status"] == ("None", None)  # not an option: unknown, never refused


def test_every_state_is_one_home_assistant_accepts():
    topics = Topics("homeassistant", "syncd")
    configs = [json.loads(c) for c in discovery(topics, "syncd").values() if c]
    for view, failed in ((planned_week(), False), (StateView(), True)):
        msgs = state_messages(topics, {**values(view, NOW, TZ, "taper", failed),
                                       "last_change": (NOW.isoformat(), None),
                                       "last_sync": (NOW.isoformat(), None)})
        errors = [p for c in configs if "state_topic" in c
                  for p in state_problems(c, msgs.get(c["state_topic"]),
                                          msgs.get(c.get("json_attributes_topic", "")))]
        assert errors == []


def test_unknown_values_are_not_published():
    topics = Topics("homeassistant", "syncd")
    msgs = state_messages(topics, values(StateView(), NOW, TZ, None, cycle_failed=False))
    assert topics.state("phase") not in msgs and topics.state("last_result") not in msgs
    assert topics.attributes("last_result") not in msgs
    assert msgs[topics.state("next_session")] == "None"  # known: nothing planned


def test_the_last_change_moves_only_when_the_plan_changed(tmp_path):
    m = Memory()
    m.after_cycle(NOW, changes=0, phase="build")
    assert (m.last_change, m.last_sync, m.phase) == (None, NOW.isoformat(), "build")
    m.after_cycle(NOW + timedelta(minutes=5), changes=2, phase="build")
    changed = (NOW + timedelta(minutes=5)).isoformat()
    assert m.last_change == changed
    m.after_cycle(NOW + timedelta(minutes=10), changes=0, phase="build")
    m.after_cycle(NOW + timedelta(minutes=15), changes=0, phase=None)  # a failed cycle
    assert m.last_change == changed and m.phase == "build"
    assert m.last_sync == (NOW + timedelta(minutes=15)).isoformat()
    m.after_cycle(NOW + timedelta(minutes=20), changes=0, phase="peak")  # a new phase
    assert m.last_change == (NOW + timedelta(minutes=20)).isoformat()
    m.save(tmp_path)
    assert (tmp_path / "mqtt.json").stat().st_mode & 0o777 == 0o600
    assert Memory.load(tmp_path) == m


def test_a_bad_memory_file_is_forgotten(tmp_path):
    path = tmp_path / "mqtt.json"
    for bad in ("not json", '{"last_change": "yesterday"}', "[1]", "x" * 5000):
        path.write_text(bad)
        assert Memory.load(tmp_path) == Memory()
    path.write_text('{"last_change": null, "phase": 5, "last_sync": "2026-10-25T12:00:00+01:00"}')
    assert Memory.load(tmp_path) == Memory(last_sync="2026-10-25T12:00:00+01:00")
    assert Memory.load(tmp_path / "nowhere") == Memory()
