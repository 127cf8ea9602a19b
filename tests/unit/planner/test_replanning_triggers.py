"""One test per re-planning trigger of the rules contract.

Each starts from the plan made on Monday morning of the contract's example week (heavy Tue
and Thu after the quality runs), publishes it, changes one thing, and re-plans. A session
that moves keeps its UID: the calendar sees an update, not a new event.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from syncd.model import (
    BusyInterval,
    Phase,
    Race,
    RacePriority,
    Readiness,
    RuleSettings,
    Run,
    RunKind,
    RunStatus,
    Session,
    SessionKind,
    SessionStatus,
    StrengthActivity,
)
from syncd.planner import Plan, PlanInputs, plan
from tests.helpers import MONDAY, TZ, at, athlete, example_week, run
from tests.unit.planner.checker import check_plan

T0 = MONDAY.replace(hour=6)
RULES = RuleSettings(phase=Phase.BUILD)


def history() -> tuple[Run, ...]:
    """Ten weeks of three easy runs: an established runner for R7."""
    return tuple(run(d - 7 * w, "07:00", 45, RunKind.EASY, "Easy", status=RunStatus.COMPLETED,
                     ident=f"h{w}-{d}") for w in range(1, 11) for d in (1, 3, 5))


def inputs(**kw) -> PlanInputs:
    base = {"athlete": athlete(rest_days=frozenset({0}), core_per_week=0), "rules": RULES,
            "planned_runs": tuple(example_week())}
    base.update(kw)
    base["completed_runs"] = history() + tuple(kw.get("completed_runs", ()))
    return PlanInputs(**base)


def checked(i: PlanInputs, now: datetime) -> Plan:
    p = plan(i, now)
    assert check_plan(i, now, p) == []
    return p


def day_of(s: Session) -> str:
    return s.start.astimezone(TZ).strftime("%a")


def heavy_days(p: Plan, week: int = 0) -> dict[str, Session]:
    lo = MONDAY + timedelta(days=7 * week)
    return {day_of(s): s for s in p.sessions if s.kind is SessionKind.HEAVY
            and lo <= s.start < lo + timedelta(days=7)}


def first_plan(**kw) -> Plan:
    p = checked(inputs(**kw), T0)
    assert set(heavy_days(p)) == {"Tue", "Thu"}
    return p


def done(day: int, hhmm: str, minutes: int, kind: RunKind, title: str) -> Run:
    return run(day, hhmm, minutes, kind, title, status=RunStatus.COMPLETED, ident=f"c{day}")


def lifted(day: int, hhmm: str = "18:05") -> StrengthActivity:
    s = at(day, hhmm)
    return StrengthActivity(f"s{day}", "test", s, s + timedelta(minutes=50))


def test_unplanned_hard_run_becomes_a_hard_day():
    # Thursday was planned easy, so Sunday's long run held the second heavy session.
    week = [r if r.start.weekday() != 3 else replace(r, kind=RunKind.EASY, title="Easy")
            for r in example_week()]
    p0 = checked(inputs(planned_runs=tuple(week)), T0)
    assert set(heavy_days(p0)) == {"Tue", "Sun"}
    now = at(3, "10:00")
    p1 = checked(inputs(planned_runs=tuple(week), published=p0.sessions,
                        completed_runs=(done(3, "07:00", 50, RunKind.QUALITY, "Fartlek"),),
                        strength=(lifted(1),)), now)
    moved = heavy_days(p1)
    assert set(moved) == {"Tue", "Thu"}
    assert moved["Thu"].uid == heavy_days(p0)["Sun"].uid, "moved, not re-created"
    assert moved["Tue"].status is SessionStatus.DONE
    assert "Fartlek" in moved["Thu"].explanation


def test_skipped_quality_run_frees_the_day():
    p0 = first_plan()
    now = at(2, "08:00")  # Wednesday morning: Tuesday ended with no hill repeats recorded
    p1 = checked(inputs(published=p0.sessions), now)
    notes = p1.report(date(2026, 11, 24)).notes
    assert any("was skipped" in n for n in notes)
    assert p1.report(date(2026, 11, 24)).day_type == "rest"


def test_a_planned_run_is_not_yet_done_until_its_day_ends():
    # Tuesday noon, hill repeats planned 07:00 not recorded yet: the athlete may run later.
    p0 = first_plan()
    p1 = checked(inputs(published=p0.sessions), at(1, "12:00"))
    assert [(s.uid, s.start, s.kind) for s in p1.sessions] == [
        (s.uid, s.start, s.kind) for s in p0.sessions], "no new input, no change"
    assert not any("skipped" in n for n in p1.report(date(2026, 11, 24)).notes)
    assert p1.report(date(2026, 11, 24)).day_type == "hard"


LATE = RuleSettings(phase=Phase.BUILD, heavy_to_quality_hours=24)
HILLS_AT_FOUR = done(1, "16:00", 60, RunKind.QUALITY, "Hill repeats")


def test_a_late_run_re_anchors_the_day():
    p0 = first_plan(rules=LATE)
    tue0 = heavy_days(p0)["Tue"]
    p1 = checked(inputs(rules=LATE, published=p0.sessions), at(1, "12:00"))
    assert heavy_days(p1)["Tue"].start == tue0.start
    p2 = checked(inputs(rules=LATE, published=p1.sessions, completed_runs=(HILLS_AT_FOUR,)),
                 at(1, "17:30"))
    tue = heavy_days(p2)["Tue"]
    assert tue.uid == tue0.uid, "the same event, moved"
    assert tue.start >= at(1, "20:00"), "R3: 3 h after the run's real end (17:00)"
    assert "Hill repeats 16:00–17:00" in tue.explanation
    assert set(heavy_days(p2)) == {"Tue", "Thu"}


def test_the_tuesday_heavy_comes_back_when_the_late_run_arrives():
    # A plan made while the run was taken as skipped moved Tuesday's heavy to Sunday; when
    # the run arrives, Tuesday is a hard day again and the session goes back (same event).
    p0 = first_plan(rules=LATE)
    tue0 = heavy_days(p0)["Tue"]
    sunday = replace(tue0, start=at(6, "18:00"), end=at(6, "18:45"))
    published = tuple(sunday if s.uid == tue0.uid else s for s in p0.sessions)
    p1 = checked(inputs(rules=LATE, published=published, completed_runs=(HILLS_AT_FOUR,)),
                 at(1, "17:30"))
    days = heavy_days(p1)
    assert set(days) == {"Tue", "Thu"}
    assert days["Tue"].uid == tue0.uid
    assert days["Tue"].start >= at(1, "20:00")


def test_run_done_at_another_time_moves_the_lift_later():
    p0 = first_plan()
    now = at(3, "16:30")  # the threshold run was done 15:00-16:00 instead of 07:00
    p1 = checked(inputs(published=p0.sessions, strength=(lifted(1),),
                        completed_runs=(done(3, "15:00", 60, RunKind.QUALITY, "Threshold"),)),
                 now)
    thu = heavy_days(p1)["Thu"]
    assert thu.uid == heavy_days(p0)["Thu"].uid
    assert thu.start >= at(3, "19:00"), "R3: 3 h after the run's real end"


def test_run_done_on_another_day_moves_the_hard_day():
    p0 = first_plan()
    now = at(2, "10:00")  # Wednesday: the threshold was run today instead of Thursday
    p1 = checked(inputs(published=p0.sessions, strength=(lifted(1),),
                        completed_runs=(done(2, "07:00", 60, RunKind.QUALITY, "Threshold"),)),
                 now)
    days = heavy_days(p1)
    # Thursday is no longer a hard day; Wednesday is, but only 24 h after Tuesday's lift
    # (R9). Sunday's long run would put three heavy sessions in the 7 days before next
    # Tuesday's (R9, one week of lookahead), so Thursday's session stays where it is (G3).
    assert set(days) == {"Tue", "Thu"}
    assert (days["Thu"].uid, days["Thu"].start) == (heavy_days(p0)["Thu"].uid,
                                                    heavy_days(p0)["Thu"].start)
    assert set(heavy_days(p1, week=1)) == {"Tue", "Thu"}
    assert p1.report(date(2026, 11, 25)).day_type == "hard"
    assert p1.report(date(2026, 11, 26)).day_type == "rest"
    assert any("done early" in n for n in p1.report(date(2026, 11, 26)).notes)


def test_missed_session_is_replanned_into_the_days_left():
    p0 = first_plan()
    now = at(2, "10:00")  # Tuesday's session passed with no strength activity
    p1 = checked(inputs(published=p0.sessions,
                        completed_runs=(done(1, "07:00", 60, RunKind.QUALITY, "Hills"),)), now)
    tue = next(s for s in p1.sessions if s.uid == heavy_days(p0)["Tue"].uid)
    assert tue.status is SessionStatus.MISSED
    planned = {d for d, s in heavy_days(p1).items() if s.status is SessionStatus.PLANNED}
    # The only day left for a catch-up is Sunday, and Thu, Sun and next Tuesday would be
    # three heavy sessions in 7 days (R9): the catch-up is left out rather than push next
    # week's published sessions off their quality days for good (G2, G3), and a warning
    # says so.
    assert planned == {"Thu"}
    assert {d: s.uid for d, s in heavy_days(p1, week=1).items()} == {
        d: s.uid for d, s in heavy_days(p0, week=1).items()}
    assert any("only 1 of 2" in w and "Sun: would crowd next week's heavy session on Tue 01"
               in w for w in p1.warnings), p1.warnings


def test_a_missed_session_is_caught_up_when_next_week_leaves_room():
    # Next week holds only Thursday's quality run: a Sunday catch-up crowds nothing.
    runs = tuple(r for r in example_week() if not (r.start.astimezone(TZ).weekday() == 1
                                                   and r.start > at(7, "00:00")))
    p0 = checked(inputs(planned_runs=runs), T0)
    now = at(2, "10:00")
    p1 = checked(inputs(planned_runs=runs, published=p0.sessions,
                        completed_runs=(done(1, "07:00", 60, RunKind.QUALITY, "Hills"),)), now)
    planned = {d for d, s in heavy_days(p1).items() if s.status is SessionStatus.PLANNED}
    assert planned == {"Thu", "Sun"}


def test_done_session_counts_toward_the_week():
    p0 = first_plan()
    now = at(2, "10:00")
    p1 = checked(inputs(published=p0.sessions, strength=(lifted(1),),
                        completed_runs=(done(1, "07:00", 60, RunKind.QUALITY, "Hills"),)), now)
    days = heavy_days(p1)
    assert days["Tue"].status is SessionStatus.DONE
    assert set(days) == {"Tue", "Thu"}, "the target of 2 is met with Thursday"


def test_session_pinned_by_the_user_stays_and_is_planned_around():
    p0 = first_plan()
    thu = heavy_days(p0)["Thu"]
    pinned = replace(thu, start=at(4, "12:00"), end=at(4, "12:45"),
                     status=SessionStatus.PINNED)
    published = tuple(pinned if s.uid == thu.uid else s for s in p0.sessions)
    p1 = checked(inputs(published=published), T0 + timedelta(hours=1))
    kept = next(s for s in p1.sessions if s.uid == thu.uid)
    assert (kept.start, kept.end, kept.status) == (pinned.start, pinned.end,
                                                   SessionStatus.PINNED)
    assert set(heavy_days(p1)) == {"Tue", "Fri"}, "no second session added on Thursday"


def test_declined_session_is_not_recreated_in_that_slot():
    p0 = first_plan()
    thu = heavy_days(p0)["Thu"]
    published = tuple(replace(s, status=SessionStatus.DECLINED) if s.uid == thu.uid else s
                      for s in p0.sessions)
    p1 = checked(inputs(published=published), T0 + timedelta(hours=1))
    days = heavy_days(p1)
    assert "Thu" not in days
    assert thu.uid not in {s.uid for s in p1.sessions}
    # Sunday, next Tuesday and next Thursday would be three heavy sessions in 7 days (R9,
    # with a week of lookahead): the week keeps one rather than push next week's out.
    assert set(days) == {"Tue"}, "no other day holds it without pushing next week's out"
    assert set(heavy_days(p1, week=1)) == {"Tue", "Thu"}


def test_race_added_cuts_heavy_lifting():
    p0 = first_plan()
    race = Race(date(2026, 12, 3), "Winter 10K", RacePriority.A)  # Thu next week: 9 days
    p1 = checked(inputs(published=p0.sessions, races=(race,), rules=RuleSettings()), T0)
    assert p1.phase is Phase.TAPER
    before = [s for s in p1.sessions if s.start.astimezone(TZ).date() <= race.day]
    assert all(s.kind is not SessionKind.HEAVY for s in before), "R6: light at most"
    assert all((race.day - s.start.astimezone(TZ).date()).days > 2 for s in before)
    light = [s for s in before if s.kind is SessionKind.LIGHT]
    assert len(light) == 1, "the taper keeps one light maintenance session (G1)"
    assert light[0].uid in {s.uid for s in p0.sessions}, "an update of a published session"


def test_same_inputs_same_plan():
    i = inputs()
    assert plan(i, T0) == plan(i, T0)


def test_a_change_that_affects_nothing_moves_nothing():
    p0 = first_plan()
    noise = (BusyInterval(at(2, "09:00"), at(2, "10:00"), "dentist"),)
    old_run = done(-30, "07:00", 40, RunKind.EASY, "Old easy run")
    p1 = checked(inputs(published=p0.sessions, busy=noise, completed_runs=(old_run,)),
                 T0 + timedelta(minutes=30))
    assert [(s.uid, s.start) for s in p1.sessions] == [(s.uid, s.start) for s in p0.sessions]


def test_published_sessions_keep_their_time_when_still_valid():
    p0 = first_plan()
    tue = heavy_days(p0)["Tue"]
    odd = replace(tue, start=at(1, "12:15"), end=at(1, "13:00"))
    published = tuple(odd if s.uid == tue.uid else s for s in p0.sessions)
    p1 = checked(inputs(published=published), T0 + timedelta(hours=1))
    assert heavy_days(p1)["Tue"].start == odd.start, "G3 beats G6"


def test_low_readiness_turns_heavy_into_light():
    now = at(1, "07:30")
    p = checked(inputs(readiness=(Readiness(date(2026, 11, 24), 21, "LOW"),)), now)
    tue = next(s for s in p.sessions if day_of(s) == "Tue")
    assert tue.kind is SessionKind.LIGHT
    assert "readiness 21 is below 33" in tue.explanation


def test_replanning_a_missed_session_keeps_the_uids_that_stay():
    # Issue 10: the missed Tuesday session is re-planned on Friday while Sunday's stays.
    # Greedy matching gave Friday Sunday's UID ("moved Sun 29 → Fri 27") and re-created
    # Sunday ("new Sun 29"); minimum change says "new Fri 27" and leaves Sunday alone.
    week = tuple(r if r.start.weekday() != 3 else replace(r, kind=RunKind.EASY, title="Easy")
                 for r in example_week())
    kw = {"planned_runs": week, "rules": RuleSettings(phase=Phase.BASE),
          "athlete": athlete(rest_days=frozenset({0, 3}), core_per_week=0)}
    p0 = checked(inputs(**kw), T0)
    h0 = heavy_days(p0)
    assert set(h0) == {"Tue", "Sun"}
    # A horizon ending this Sunday: next week is out of view, so the lookahead that keeps
    # a catch-up from crowding next Tuesday (R9) does not apply and Friday gets one (with
    # next week in view, the catch-up is left out: test_missed_session_is_replanned...).
    p1 = checked(inputs(**kw, published=p0.sessions, horizon_days=4,
                        completed_runs=(done(1, "07:00", 60, RunKind.QUALITY, "Hills"),)),
                 at(3, "10:00"))
    h1 = heavy_days(p1)
    assert h1["Tue"].status is SessionStatus.MISSED
    assert (h1["Sun"].uid, h1["Sun"].start) == (h0["Sun"].uid, h0["Sun"].start), "untouched"
    assert h1["Fri"].uid not in {s.uid for s in p0.sessions}, "a new event, not a move"


def test_a_session_an_hour_away_stays_where_it_is():
    # The lead time keeps new sessions 2 h out; one already in the calendar stays put.
    p0 = first_plan()
    tue = heavy_days(p0)["Tue"]
    now = tue.start - timedelta(hours=1)
    p1 = checked(inputs(published=p0.sessions,
                        completed_runs=(done(1, "07:00", 60, RunKind.QUALITY, "Hills"),)), now)
    assert (heavy_days(p1)["Tue"].uid, heavy_days(p1)["Tue"].start) == (tue.uid, tue.start)


def test_a_core_circuit_the_watch_recorded_is_the_core_session_not_lifting():
    # The watch logs a core circuit as "strength" too. Read as lifting on the athlete's own,
    # Saturday's circuit filled R9's 7-day window with Thursday's heavy session and pushed
    # next Tuesday's heavy session out.
    i = inputs(athlete=athlete(rest_days=frozenset({0}), core_per_week=1))
    p0 = checked(i, T0)
    core = next(s for s in p0.sessions if s.kind is SessionKind.CORE)
    assert day_of(core) == "Sat" and set(heavy_days(p0, week=1)) == {"Tue", "Thu"}
    circuit = StrengthActivity("core1", "test", core.start + timedelta(minutes=2),
                               core.start + timedelta(minutes=21))
    now = core.end + timedelta(hours=12)
    ran = tuple(done(r.start.astimezone(TZ).weekday(), f"{r.start.astimezone(TZ):%H:%M}",
                     int((r.end - r.start).total_seconds() // 60), r.kind, r.title)
                for r in example_week(weeks=1) if r.start < now)
    p1 = checked(replace(i, published=p0.sessions, strength=(lifted(1), lifted(3), circuit),
                         completed_runs=history() + ran), now)
    assert next(s for s in p1.sessions if s.uid == core.uid).status is SessionStatus.DONE
    nxt = heavy_days(p1, week=1)
    assert {d: s.uid for d, s in nxt.items()} == {
        d: s.uid for d, s in heavy_days(p0, week=1).items()}
