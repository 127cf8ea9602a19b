"""Calendars someone else writes: bounded work on hostile rules, one bad event costs one event.

Expansion of ordinary rules is checked against recurring_ical_events (an independent
implementation) and against instants computed by hand in UTC around the DST change.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncd.sources import calendar_events as ce
from syncd.sources.calendar_events import MAX_INSTANCES, events_in_window, file_chunks
from syncd.sources.ics_props import parse_block, split_property

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
START, END = NOW - timedelta(days=7), NOW + timedelta(days=28)
PLAN = Path(__file__).resolve().parents[2] / "data" / "training-plan.ics"


def cal(*events: str, header: str = "") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + header
            + "".join(events) + "END:VCALENDAR\r\n")


def vevent(uid: str, *lines: str, summary: str = "Easy run") -> str:
    body = "".join(f"{ln}\r\n" for ln in lines)
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary}\r\n{body}END:VEVENT\r\n"


GOOD = vevent("good@plan", "DTSTART:20261126T060000Z", "DTEND:20261126T070000Z",
              summary="Intervals 6x800m")


def read(text: str, start: datetime = START, end: datetime = END):
    warnings: list[str] = []
    return events_in_window([text], start, end, TZ, warnings), warnings


def test_secondly_rule_with_a_billion_repeats_is_capped_and_named():
    rule = vevent("sec@hostile", "DTSTART:20261122T060000Z", "DTEND:20261122T060001Z",
                  "RRULE:FREQ=SECONDLY;COUNT=1000000000", summary="Every second")
    events, warnings = read(cal(rule, GOOD))
    secs = [e for e in events if e.uid == "sec@hostile"]
    assert len(secs) == MAX_INSTANCES
    assert secs[0].start == datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    assert secs[-1].start == secs[0].start + timedelta(seconds=MAX_INSTANCES - 1)
    assert any("sec@hostile" in w and "Every second" in w and str(MAX_INSTANCES) in w
               for w in warnings), warnings
    assert any(e.uid == "good@plan" for e in events), "the rest of the feed is used"


def test_minutely_rule_from_2020_starts_inside_the_window():
    rule = vevent("min@hostile", "DTSTART:20200101T060030Z", "DURATION:PT1M",
                  "RRULE:FREQ=MINUTELY")
    events, warnings = read(cal(rule, GOOD))
    mins = [e for e in events if e.uid == "min@hostile"]
    assert len(mins) == MAX_INSTANCES and warnings
    # Hand-computed: the first minute-plus-30-s instant whose end is after the window start.
    assert mins[0].start == START.replace(second=30) - timedelta(minutes=1)
    assert all((m.start - mins[0].start) % timedelta(minutes=1) == timedelta(0) for m in mins)


def test_count_is_honoured_after_a_fast_forward():
    # Daily from 2020-01-01: the 2518th is 2026-11-22 (2518 - 1 days later), the last one.
    rule = vevent("daily@plan", "DTSTART:20200101T060000Z", "DTEND:20200101T070000Z",
                  "RRULE:FREQ=DAILY;COUNT=2518")
    events, warnings = read(cal(rule))
    assert not warnings
    starts = [e.start for e in events]
    assert starts[-1] == datetime(2020, 1, 1, 6, tzinfo=UTC) + timedelta(days=2517)
    assert starts[-1] == datetime(2026, 11, 22, 6, tzinfo=UTC)
    assert starts[0] == datetime(2026, 11, 18, 6, tzinfo=UTC), "17th ends before the window"


def test_a_rule_that_needs_too_many_steps_is_skipped_with_a_warning(monkeypatch):
    monkeypatch.setattr("syncd.sources.recurrence.BUDGET", 1000)
    rule = vevent("slow@hostile", "DTSTART:20200101T060000Z", "DURATION:PT1M",
                  "RRULE:FREQ=MINUTELY;BYSECOND=0,30;COUNT=100000000")
    events, warnings = read(cal(rule, GOOD))
    assert [e.uid for e in events] == ["good@plan"]
    assert any("slow@hostile" in w and "too many steps" in w for w in warnings)


def test_weekly_rule_keeps_local_time_across_dst():
    # 07:00 Berlin each Sunday from October: 05:00 UTC in summer time, 06:00 UTC after.
    rule = vevent("sun@plan", "DTSTART;TZID=Europe/Berlin:20261004T070000",
                  "DTEND;TZID=Europe/Berlin:20261004T080000", "RRULE:FREQ=WEEKLY")
    events, _ = read(cal(rule), datetime(2026, 10, 1, tzinfo=UTC),
                     datetime(2026, 11, 2, tzinfo=UTC))
    utc = [e.start.astimezone(UTC) for e in events]
    assert utc == [datetime(2026, 10, 4, 5, tzinfo=UTC), datetime(2026, 10, 11, 5, tzinfo=UTC),
                   datetime(2026, 10, 18, 5, tzinfo=UTC), datetime(2026, 10, 25, 6, tzinfo=UTC),
                   datetime(2026, 11, 1, 6, tzinfo=UTC)]
    assert all(e.end - e.start == timedelta(hours=1) for e in events)


ORACLE_RULES = [
    ("DTSTART;TZID=Europe/Berlin:20250106T063000", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"),
    ("DTSTART;TZID=Europe/Berlin:20240301T180000", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
    ("DTSTART;TZID=Europe/Berlin:20261101T070000",
     "RRULE:FREQ=DAILY;UNTIL=20261205T060000Z"),
    ("DTSTART:20190315T170000Z", "RRULE:FREQ=MONTHLY;BYDAY=-1SA"),
    ("DTSTART;VALUE=DATE:20230102", "RRULE:FREQ=WEEKLY;BYDAY=SU"),
    ("DTSTART;TZID=Europe/Berlin:20261120T060000", "RRULE:FREQ=HOURLY;INTERVAL=7;COUNT=40"),
]


@pytest.mark.parametrize(("start", "rule"), ORACLE_RULES)
def test_ordinary_rules_match_recurring_ical_events(start, rule):
    import icalendar
    import recurring_ical_events

    extra = ("EXDATE;TZID=Europe/Berlin:20261125T063000",)
    text = cal(vevent("r@plan", start, "DURATION:PT45M", rule, *extra))
    events, warnings = read(text)
    assert not warnings
    oracle = recurring_ical_events.of(icalendar.Calendar.from_ical(text)).between(START, END)

    def instant(v):
        return v if isinstance(v, datetime) else datetime.combine(v, datetime.min.time(), TZ)

    expected = sorted(instant(o.decoded("DTSTART")) for o in oracle)
    assert [e.start for e in events] == expected
    assert events, "each rule has instances in the window"


def test_rdate_exdate_and_a_moved_instance():
    master = vevent("s@plan", "DTSTART;TZID=Europe/Berlin:20261117T070000", "DURATION:PT1H",
                    "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=Europe/Berlin:20261201T070000",
                    "RDATE;TZID=Europe/Berlin:20261203T180000")
    moved = vevent("s@plan", "RECURRENCE-ID;TZID=Europe/Berlin:20261124T070000",
                   "DTSTART;TZID=Europe/Berlin:20261125T190000", "DURATION:PT1H",
                   summary="Moved run")
    events, _ = read(cal(moved, master), datetime(2026, 11, 16, tzinfo=UTC))
    local = [(e.start.astimezone(TZ).strftime("%d %H"), e.title) for e in events]
    assert local == [("17 07", "Easy run"), ("25 19", "Moved run"), ("03 18", "Easy run"),
                     ("08 07", "Easy run")]


def test_event_without_dtstart_costs_that_event_only():
    bad = vevent("nostart@plan", "DTEND:20261126T070000Z", summary="Mystery run")
    events, warnings = read(cal(bad, GOOD))
    assert [e.uid for e in events] == ["good@plan"]
    assert any("nostart@plan" in w and "Mystery run" in w and "DTSTART" in w for w in warnings)


def test_unreadable_start_costs_that_event_only():
    bad = vevent("garbled@plan", "DTSTART:2026-11-26 06:00", summary="Garbled")
    events, warnings = read(cal(bad, GOOD))
    assert [e.uid for e in events] == ["good@plan"]
    assert any("garbled@plan" in w and "Garbled" in w for w in warnings)


def test_unknown_tzid_says_which_zone_was_assumed():
    odd = vevent("odd@plan", "DTSTART;TZID=Mars/Olympus:20261126T070000",
                 "DTEND;TZID=Mars/Olympus:20261126T080000", summary="Red run")
    events, warnings = read(cal(odd))
    assert events[0].start == datetime(2026, 11, 26, 7, tzinfo=TZ)
    assert len(warnings) == 1
    assert "Mars/Olympus" in warnings[0] and "assumed Europe/Berlin" in warnings[0]
    assert "odd@plan" in warnings[0]


def test_calendar_zone_is_assumed_for_floating_times_and_unknown_tzids():
    odd = vevent("odd@plan", "DTSTART;TZID=Nowhere:20261126T070000", "DURATION:PT1H")
    floating = vevent("float@plan", "DTSTART:20261127T070000", "DURATION:PT1H")
    events, warnings = read(cal(odd, floating, header="X-WR-TIMEZONE:America/New_York\r\n"))
    ny = ZoneInfo("America/New_York")
    assert [e.start for e in events] == [datetime(2026, 11, 26, 7, tzinfo=ny),
                                         datetime(2026, 11, 27, 7, tzinfo=ny)]
    assert any("assumed America/New_York" in w for w in warnings)


def test_windows_and_custom_zones_are_known():
    custom = ("BEGIN:VTIMEZONE\r\nTZID:Coach Time\r\nBEGIN:STANDARD\r\n"
              "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"
              "END:STANDARD\r\nEND:VTIMEZONE\r\n")
    win = vevent("win@plan", "DTSTART;TZID=W. Europe Standard Time:20261126T070000",
                 "DURATION:PT1H")
    mine = vevent("custom@plan", "DTSTART;TZID=Coach Time:20261127T070000", "DURATION:PT1H")
    # The zone is defined after the event that uses it: still found.
    events, warnings = read(cal(win, mine, custom))
    assert not warnings
    assert [e.start.astimezone(UTC) for e in events] == [
        datetime(2026, 11, 26, 6, tzinfo=UTC), datetime(2026, 11, 27, 4, tzinfo=UTC)]


def test_folded_lines_quoted_params_escapes_and_alarms():
    text = cal("BEGIN:VEVENT\r\nUID:fold@plan\r\nSUMMARY:Tempo\\, then\r\n  strides\r\n"
               'DESCRIPTION;ALTREP="http://x.example/a:b":Line one\\nline two\r\n'
               "DTSTART;TZID=Europe/Berlin:20261126T\r\n 070000\r\nDURATION:PT50M\r\n"
               "BEGIN:VALARM\r\nDTSTART:20001010T000000Z\r\nDESCRIPTION:alarm\r\n"
               "END:VALARM\r\nEND:VEVENT\r\n")
    events, warnings = read(text)
    assert not warnings
    (e,) = events
    assert e.title == "Tempo, then strides" and e.description == "Line one\nline two"
    assert e.start == datetime(2026, 11, 26, 7, tzinfo=TZ)
    assert e.end - e.start == timedelta(minutes=50)


def test_split_property_and_lower_case_names():
    assert split_property('x-a;P="a:b;c";Q=1:v:w') == ("X-A", {"P": "a:b;c", "Q": "1"}, "v:w")
    ev = parse_block("uid:lower@plan\r\nsummary:Hills\r\n")
    assert ev.text("UID") == "lower@plan" and ev.text("SUMMARY") == "Hills"


def test_events_far_outside_the_window_are_not_parsed(monkeypatch):
    parsed: list[str] = []
    real = ce.parse_block
    monkeypatch.setattr(ce, "parse_block", lambda body: parsed.append(body) or real(body))
    old = vevent("old@plan", "DTSTART:20190101T060000Z", "DTEND:20190101T070000Z")
    later = vevent("later@plan", "DTSTART:20300101T060000Z", "DURATION:P2D")
    long_ago = vevent("long@plan", "DTSTART:20261101T060000Z", "DURATION:P3W")
    events, _ = read(cal(old, later, long_ago, GOOD))
    assert [e.uid for e in events] == ["long@plan", "good@plan"], "a 3-week event overlaps"
    assert len(parsed) == 2


def test_too_many_events_are_cut_with_a_warning(monkeypatch):
    monkeypatch.setattr(ce, "MAX_EVENTS", 10)
    many = [vevent(f"e{i}@plan", f"DTSTART:202611{20 + i // 10:02d}T{6 + i % 10:02d}0000Z",
                   "DURATION:PT30M") for i in range(30)]
    events, warnings = read(cal(*many))
    assert len(events) == 10
    assert any("more than 10 events" in w for w in warnings)


def test_byte_cap_names_the_size_and_keeps_what_was_read():
    text = cal(GOOD, *[vevent(f"pad{i}@plan", "DTSTART:20261130T060000Z", "DURATION:PT1H")
                       for i in range(200)])
    warnings: list[str] = []
    chunks = file_chunks(io.BytesIO(text.encode()), "plan.ics", warnings, limit=2**20 // 64)
    events = ce.read_calendar(chunks, START, END, TZ, warnings)
    assert events[0].uid == "good@plan" and 10 < len(events) < 200
    assert any("plan.ics is larger than" in w for w in warnings), warnings


def test_utf8_split_across_chunks_is_decoded(monkeypatch):
    monkeypatch.setattr(ce, "CHUNK", 7)
    text = cal(vevent("u@plan", "DTSTART:20261126T060000Z", "DURATION:PT1H",
                      summary="Läuft schön"))
    warnings: list[str] = []
    events = ce.read_calendar(file_chunks(io.BytesIO(text.encode()), "f", warnings),
                              START, END, TZ, warnings)
    assert [e.title for e in events] == ["Läuft schön"] and not warnings


def test_the_sample_plan_reads_as_before():
    events, warnings = read(PLAN.read_text(), NOW - timedelta(days=1), NOW + timedelta(days=21))
    assert not warnings
    titles = [e.title for e in events]
    assert titles.count("Intervals 6x800m") == 4 and "Nikolauslauf 10K race" in titles
