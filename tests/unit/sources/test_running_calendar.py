"""Planned runs from a training calendar: classification, all-day events, feeds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from syncd.classify import Keywords
from syncd.config.loader import RunningCalendar
from syncd.model import RunKind
from syncd.sources.base import FetchWindow
from syncd.sources.busy import busy_from_events
from syncd.sources.calendar_events import events_in_window
from syncd.sources.running_calendar import DEFAULT_SKIP, RunningCalendarSource, runs_from_events
from syncd.state import State
from tests.helpers import MONDAY, TZ

PLAN = Path(__file__).resolve().parents[2] / "data" / "training-plan.ics"
WINDOW = FetchWindow(MONDAY, MONDAY - timedelta(days=112), MONDAY + timedelta(days=21), TZ)


def settings(**kw) -> RunningCalendar:
    base = {"ics_url": None, "ics_path": PLAN, "caldav_calendar": None, "keywords": {},
            "skip_keywords": None}
    base.update(kw)
    return RunningCalendar(**base)


def runs(tmp_path: Path, **kw):
    src = RunningCalendarSource(settings(**kw), State(tmp_path))
    return {r.start.astimezone(TZ).strftime("%a %d"): r
            for r in src.fetch(WINDOW).planned_runs}


def test_events_are_classified_and_non_runs_skipped(tmp_path):
    got = runs(tmp_path)
    assert got["Tue 24"].kind is RunKind.QUALITY and "interval" in got["Tue 24"].reason
    assert got["Wed 25"].kind is RunKind.EASY and "locker" in got["Wed 25"].reason
    assert got["Thu 26"].kind is RunKind.QUALITY and "seuil" in got["Thu 26"].reason
    assert got["Sun 29"].kind is RunKind.LONG, "two hours is long whatever the title"
    assert got["Sun 06"].kind is RunKind.RACE
    assert "Fri 27" not in got and "Sat 28" not in got, "rest and gym are not runs"


def test_all_day_event_means_time_unknown(tmp_path):
    thu = runs(tmp_path)["Thu 26"]
    assert thu.time_known is False
    assert runs(tmp_path)["Tue 24"].time_known is True


def test_recurring_events_are_expanded(tmp_path):
    tuesdays = [r for k, r in runs(tmp_path).items() if k.startswith("Tue")]
    assert len(tuesdays) == 3, "weekly RRULE inside the 3-week window"
    assert len({r.id for r in tuesdays}) == 3


def test_extra_keywords_are_used(tmp_path):
    got = runs(tmp_path, keywords={RunKind.QUALITY: ("progression",)})
    assert got["Sun 29"].kind is RunKind.LONG, "duration outranks keywords"
    text = PLAN.read_text().replace("Lockerer Dauerlauf", "Kenyan hills")
    other = tmp_path / "plan.ics"
    other.write_text(text)
    got = runs(tmp_path, ics_path=other, keywords={RunKind.QUALITY: ("kenyan",)})
    assert got["Wed 25"].kind is RunKind.QUALITY


def test_unreadable_file_is_one_clear_error(tmp_path):
    from syncd.errors import SyncdError

    with pytest.raises(SyncdError) as info:
        runs(tmp_path, ics_path=tmp_path / "missing.ics")
    assert "sources.calendar.ics_path" in str(info.value)


def test_feed_is_fetched_with_etag_and_304_reuses_it(tmp_path, httpserver):
    body = PLAN.read_text()
    httpserver.expect_ordered_request("/plan.ics").respond_with_data(
        body, headers={"ETag": '"v1"'}, content_type="text/calendar")
    httpserver.expect_ordered_request("/plan.ics", headers={"If-None-Match": '"v1"'}
                                      ).respond_with_data("", status=304)
    src = RunningCalendarSource(settings(ics_path=None, ics_url=httpserver.url_for("/plan.ics")),
                                State(tmp_path))
    first = src.fetch(WINDOW).planned_runs
    second = src.fetch(WINDOW).planned_runs
    assert first and first == second
    httpserver.check_assertions()


def test_feed_errors(tmp_path, httpserver):
    from syncd.errors import SyncdError, TransientError

    httpserver.expect_request("/down.ics").respond_with_data("", status=503)
    httpserver.expect_request("/nope.ics").respond_with_data("", status=404)
    down = RunningCalendarSource(settings(ics_path=None, ics_url=httpserver.url_for("/down.ics")),
                                 State(tmp_path))
    with pytest.raises(TransientError):
        down.fetch(WINDOW)
    nope = RunningCalendarSource(settings(ics_path=None, ics_url=httpserver.url_for("/nope.ics")),
                                 State(tmp_path))
    with pytest.raises(SyncdError) as info:
        nope.fetch(WINDOW)
    assert "404" in str(info.value) and "sources.calendar.ics_url" in str(info.value)


def test_busy_events_skip_free_time_and_syncd_sessions():
    text = PLAN.read_text().replace("SUMMARY:Gym: upper body", "SUMMARY:Gym\nTRANSP:TRANSPARENT")
    text = text.replace("UID:plan-wed@coach.example", "UID:syncd-20261125-1@syncd")
    events = events_in_window([text], MONDAY, MONDAY + timedelta(days=14), TZ)
    busy = busy_from_events(events)
    titles = {b.title for b in busy}
    assert "Gym" not in titles and "Lockerer Dauerlauf" not in titles
    assert "Rest day" in titles
    rest = next(b for b in busy if b.title == "Rest day")
    assert rest.end - rest.start == timedelta(days=1), "an all-day event blocks its day"


def test_runs_from_events_directly():
    events = events_in_window([PLAN.read_text()], MONDAY, MONDAY + timedelta(days=3), TZ)
    got = runs_from_events(events, Keywords(), DEFAULT_SKIP, "t", TZ)
    assert [r.kind for r in got] == [RunKind.QUALITY, RunKind.EASY]
    assert all(isinstance(r.start, datetime) and r.start.tzinfo for r in got)


def test_a_run_comes_back_from_the_state_as_it_went_in():
    from syncd.model import Run, RunStatus
    from syncd.sources.running_calendar import run_from_json, run_json

    r = Run(id="x", source="running-calendar", start=MONDAY, end=MONDAY + timedelta(hours=1),
            kind=RunKind.LONG, status=RunStatus.PLANNED, title="", reason="120 min",
            time_known=False, distance_m=None)
    back = run_from_json(json.loads(json.dumps(run_json(r))))
    assert back == r and back.distance_m is None and back.time_known is False
    assert back.start.utcoffset() == r.start.utcoffset()


def test_an_unreadable_plan_is_replaced_by_its_last_good_copy(tmp_path):
    from syncd.cycle import gather

    plan = tmp_path / "plan.ics"
    plan.write_text(PLAN.read_text())
    state = State(tmp_path)
    src = RunningCalendarSource(settings(ics_path=plan), state)
    good, _ = gather([src], WINDOW, state, {})
    assert good.planned_runs and not good.notes
    plan.unlink()  # a sync tool rewriting the file, a disk gone
    errors: dict[str, str] = {}
    later = FetchWindow(MONDAY + timedelta(hours=1), WINDOW.start, WINDOW.end, TZ)
    kept, _ = gather([src], later, state, errors)
    assert "cannot read" in errors["running-calendar"]
    assert kept.planned_runs == good.planned_runs
    assert not any("MISSING" in n for n in kept.notes)


def test_a_plan_never_read_is_said_to_be_missing(tmp_path):
    from syncd.cycle import gather

    state = State(tmp_path)
    src = RunningCalendarSource(settings(ics_path=tmp_path / "none.ics"), state)
    errors: dict[str, str] = {}
    obs, _ = gather([src], WINDOW, state, errors)
    assert obs.planned_runs == () and errors
    assert any("RUNNING PLAN MISSING" in n and "sources.calendar.ics_path" in n
               for n in obs.notes)


def test_one_part_failing_keeps_the_other_parts_fresh(tmp_path, httpserver):
    from syncd.cycle import gather

    feed = PLAN.read_text().replace("Lockerer Dauerlauf", "Feed easy run")
    httpserver.expect_request("/plan.ics").respond_with_data(feed, content_type="text/calendar")
    state = State(tmp_path)
    plan = tmp_path / "plan.ics"
    src = RunningCalendarSource(settings(ics_path=plan, ics_url=httpserver.url_for("/plan.ics")),
                                state)
    errors: dict[str, str] = {}
    obs, _ = gather([src], WINDOW, state, errors)
    titles = {r.title for r in obs.planned_runs}
    assert "Feed easy run" in titles, "the feed read well and is used fresh"
    assert any("MISSING" in n and "ics_path" in n for n in obs.notes)
    assert not any("ics_url" in n for n in obs.notes)
