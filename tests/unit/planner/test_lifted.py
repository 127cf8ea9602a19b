"""The pure estimation: which sets count, Epley's e1RM, the bounds on today's load, and how an
activity is matched to its planned session. Every expected figure is worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd.model import (
    Exercise,
    ExerciseGuess,
    LiftedSet,
    Session,
    SessionKind,
    StrengthActivity,
)
from syncd.planner.lifted import (
    JUDGED_IDS,
    LIFT_IDS,
    LiftSession,
    advise,
    confident_id,
    epley,
    lift_history,
    match_session,
    outcome,
    outcome_notes,
    planned_reps,
)

TZ = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
SQUAT = ExerciseGuess("SQUAT", "BARBELL_BACK_SQUAT", 98.0)


def lift(reps, kg, guesses=(SQUAT,), step=None, active=True):
    return LiftedSet(active, reps, kg, step, None, tuple(guesses))


def activity(sets, start=T0, ident="a1"):
    return StrengthActivity(ident, "garmin", start, start + timedelta(minutes=50), "", tuple(sets))


def test_epley_by_hand():
    assert epley(90, 6) == pytest.approx(108.0)
    assert epley(100, 1) == pytest.approx(103.333, abs=1e-3)


def test_which_guess_counts():
    assert confident_id(lift(5, 80)) == ("SQUAT", "BARBELL_BACK_SQUAT")
    low = ExerciseGuess("SQUAT", "BARBELL_BACK_SQUAT", 40.0)
    assert confident_id(lift(5, 80, [low])) is None, "a low-probability guess"
    both = [ExerciseGuess("DEADLIFT", "ROMANIAN_DEADLIFT", 35.0), SQUAT]
    assert confident_id(lift(5, 80, both)) == ("SQUAT", "BARBELL_BACK_SQUAT"), "the likeliest"
    assert confident_id(lift(5, 80, [ExerciseGuess("SQUAT", "", 99.0)])) is None, "no name"
    assert confident_id(lift(5, 80, [ExerciseGuess("UNKNOWN", "UNKNOWN", 90)])) is None
    unit = ExerciseGuess("SQUAT", "BARBELL_BACK_SQUAT", 0.93)  # some watches say 0-1
    assert confident_id(lift(5, 80, [unit])) == ("SQUAT", "BARBELL_BACK_SQUAT")
    assert confident_id(lift(5, 80, [])) is None


def test_history_keeps_only_confident_working_sets_of_at_most_ten_reps_for_e1rm():
    sets = [lift(6, 90.0), lift(None, None, active=False), lift(6, 90.0),
            lift(12, 60.0),  # counts as a set, but not for e1RM
            lift(5, 100.0, [ExerciseGuess("SQUAT", "BARBELL_BACK_SQUAT", 30.0)]),
            lift(8, None)]  # weight null: not a working set
    hist = lift_history([activity(sets)], TZ)
    squat = hist["Back squat"][0]
    assert squat.sets == ((6, 90.0), (6, 90.0), (12, 60.0))
    assert squat.e1rm() == pytest.approx(108.0), "the 12-rep set is left out"
    assert squat.all_reps is None, "no plan to compare with"


def _plan(reps="6", sets=4, start=T0):
    ex = Exercise("Back squat", "squat", sets, reps, "90 kg", 120)
    return Session("u1", SessionKind.HEAVY, start, start + timedelta(minutes=45),
                   exercises=(ex,))


def test_the_issue_example_reads_as_the_runner_would():
    acts = [activity([lift(6, 90.0)] * 4)]
    hist = lift_history(acts, TZ, {"a1": _plan()})
    advice = advise(hist["Back squat"], pct=85.0, step_pct=2.5)
    assert advice is not None
    # e1RM 108; 85 % = 91.8 → 92.5; within one step (2.5 % of 108 = 2.7 → 2.5) of 90
    assert advice.kg == 92.5 and advice.bound == ""
    assert advice.explain() == "last time: 4 × 6 at 90 kg, all reps; e1RM 108 kg → today 92.5 kg"


def test_no_jump_over_one_progression_step():
    hist = (LiftSession(T0.date(), ((5, 100.0),) * 3, True),)  # e1RM 116.7
    advice = advise(hist, pct=90.0, step_pct=2.5)  # 105 would be +5
    assert advice is not None and advice.kg == 102.5
    assert "one step up" in advice.bound


def test_missed_reps_hold_then_two_in_a_row_drop_a_step():
    ok = LiftSession(T0.date(), ((5, 100.0),) * 3, True)
    missed = LiftSession(T0.date(), ((5, 100.0), (4, 100.0), (3, 100.0)), False)
    hold = advise((ok, missed), pct=90.0, step_pct=2.5)
    assert hold is not None and hold.kg == 100.0 and "no increase" in hold.bound
    drop = advise((missed, missed), pct=90.0, step_pct=2.5)
    assert drop is not None and drop.kg == 97.5 and "one step down" in drop.bound


def test_no_evidence_no_advice():
    assert advise((), 80.0, 2.5) is None
    assert advise((LiftSession(T0.date(), ((15, 50.0),), True),), 80.0, 2.5) is None


def test_all_reps_is_judged_against_the_plan():
    acts = [activity([lift(6, 90.0), lift(6, 90.0), lift(5, 90.0), lift(6, 90.0)])]
    hist = lift_history(acts, TZ, {"a1": _plan()})
    assert hist["Back squat"][0].all_reps is False
    assert planned_reps(Exercise("x", "y", 3, "6 each leg")) == 12
    assert planned_reps(Exercise("x", "y", 3, "20-30 s")) is None
    assert planned_reps(Exercise("x", "y", 3, "30 m each hand")) is None


def test_matching_by_schedule_then_by_time():
    morning = _plan(start=T0 - timedelta(hours=9))  # same local day, 9 h earlier
    evening = _plan(start=T0 + timedelta(days=1))
    followed = activity([lift(6, 90.0, step=2)])
    assert match_session(followed, [morning, evening], TZ) is morning, "wktStepIndex: the day"
    free = activity([lift(6, 90.0)])
    assert match_session(free, [morning, evening], TZ) is None, "9 h away, no schedule"
    near = _plan(start=T0 + timedelta(hours=1))
    assert match_session(free, [morning, near], TZ) is near


def test_done_partial_replaced():
    plan = _plan()
    done = outcome(activity([lift(6, 90.0)] * 4), plan, LIFT_IDS)
    assert (done.status, done.missed) == ("done", ())
    short = outcome(activity([lift(6, 90.0)] * 3 + [lift(4, 90.0)]), plan, LIFT_IDS)
    assert short.status == "partial"
    assert short.missed == ("Back squat: 1 set(s) short of 6 reps",)
    fewer = outcome(activity([lift(6, 90.0)] * 2), plan, LIFT_IDS)
    assert fewer.missed == ("Back squat: 2 of 4 sets",)
    other = [lift(8, 40.0, [ExerciseGuess("BENCH_PRESS", "BARBELL_BENCH_PRESS", 97.0)])]
    assert outcome(activity(other), plan, LIFT_IDS).status == "replaced"
    assert outcome(activity([]), plan, LIFT_IDS).status == "done", "no sets: it happened"


def test_lift_ids_are_the_workout_sinks_ids():
    from syncd.planner import garmin_ids
    from syncd.sinks import garmin_exercises

    assert garmin_exercises.EXERCISES is garmin_ids.EXERCISES, "one table, not a copy"
    for name, ident in LIFT_IDS.items():
        assert garmin_exercises.EXERCISES[name] == ident, name
    for name, ident in JUDGED_IDS.items():
        assert garmin_exercises.lookup(name) == (ident, True), name
    assert "Pogo hops" not in JUDGED_IDS, "a category-only pick is not judged"
    assert JUDGED_IDS["Suitcase carry"] == ("CARRY", "FARMERS_WALK")


def test_every_exercise_with_a_garmin_name_is_judged():
    carry = Exercise("Suitcase carry", "carry/core", 3, "30 m each hand")
    plan = replace(_plan(), exercises=(*_plan().exercises, carry))
    walk = ExerciseGuess("CARRY", "FARMERS_WALK", 90.0)
    squats_only = activity([lift(6, 90.0)] * 4)
    result = outcome(squats_only, plan, JUDGED_IDS)
    assert (result.status, result.missed) == ("partial", ("Suitcase carry: 0 of 3 sets",))
    carried = [LiftedSet(True, None, 24.0, None, None, (walk,))] * 3  # timed: no reps
    assert outcome(activity([lift(6, 90.0)] * 4 + carried), plan, JUDGED_IDS).status == "done"
    core = replace(_plan(), exercises=(carry,))
    bench = [lift(8, 40.0, [ExerciseGuess("BENCH_PRESS", "BARBELL_BENCH_PRESS", 97.0)])]
    assert outcome(activity(bench), core, JUDGED_IDS).status == "replaced"
    notes = outcome_notes([activity(squats_only.sets)], [plan], TZ)  # the default: all named
    assert notes and "partly done: Suitcase carry: 0 of 3 sets" in notes[0][1], notes


def test_exercises_without_an_id_are_not_judged():
    carry = Exercise("Suitcase carry", "carry/core", 3, "30 m each hand")
    plan = replace(_plan(), exercises=(*_plan().exercises, carry))
    assert outcome(activity([lift(6, 90.0)] * 4), plan, LIFT_IDS).status == "done"
    core = replace(_plan(), exercises=(carry,))
    other = [lift(8, 40.0, [ExerciseGuess("BENCH_PRESS", "BARBELL_BENCH_PRESS", 97.0)])]
    assert outcome(activity(other), core, LIFT_IDS).status == "done", "nothing to judge"


def test_an_unsure_set_on_the_lifts_step_of_the_followed_workout_counts():
    plan = _plan()  # warm-up 0, Back squat 1, rest 2, repeat 3
    unsure = [ExerciseGuess("SQUAT", "BARBELL_BACK_SQUAT", 45.0),
              ExerciseGuess("LUNGE", "DUMBBELL_LUNGE", 40.0)]
    on_step = activity([lift(6, 90.0, unsure, step=1)] * 4)
    hist = lift_history([on_step], TZ, {"a1": plan})
    assert hist["Back squat"][0].sets == ((6, 90.0),) * 4 and hist["Back squat"][0].all_reps
    assert outcome(on_step, plan, LIFT_IDS).status == "done"
    elsewhere = activity([lift(6, 90.0, unsure, step=2)] * 4)  # the rest step: not a lift
    assert lift_history([elsewhere], TZ, {"a1": plan}) == {}
    sure_other = [ExerciseGuess("BENCH_PRESS", "BARBELL_BENCH_PRESS", 95.0)]
    assert lift_history([activity([lift(6, 60.0, sure_other, step=1)])], TZ,
                        {"a1": plan}) == {}, "the watch is sure it was something else"
    assert lift_history([on_step], TZ) == {}, "no plan: the step says nothing"
