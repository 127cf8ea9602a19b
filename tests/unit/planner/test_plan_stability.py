"""A plan does not change without new input: rotation and progression are stable."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from syncd.model import (
    Exercise,
    Phase,
    RuleSettings,
    RunKind,
    Session,
    SessionKind,
    SessionStatus,
)
from syncd.planner import Plan, PlanInputs, plan
from syncd.planner.uids import assign_uids
from tests.helpers import MONDAY, TZ, athlete, example_week, run, session

ORM = (("back_squat", 100.0), ("deadlift", 140.0), ("front_squat", 80.0))


def seed_week_tuesday_afternoon() -> tuple:
    runs = [r for r in example_week() if r.start.weekday() != 1]
    runs += [run(1 + 7 * w, "14:00", 60, RunKind.QUALITY, "Hill repeats") for w in range(3)]
    return tuple(sorted(runs, key=lambda r: r.start))


def published(p: Plan) -> tuple[Session, ...]:
    """What the cycle stores after writing a plan: the sessions as planned."""
    return tuple(p.sessions)


def by_uid(p: Plan) -> dict[str, Session]:
    return {s.uid: s for s in p.sessions}


def test_an_earlier_session_starting_does_not_rewrite_the_later_ones():
    # The repro of issue 10: Tue quality 14:00, heavy Tue 18:00; at 18:00 the Tuesday session
    # is under way, and Thursday used to take over Tuesday's exercises.
    i = PlanInputs(athlete(rest_days=frozenset({0}), one_rep_max=ORM), RuleSettings(),
                   planned_runs=seed_week_tuesday_afternoon())
    noon = plan(i, MONDAY.replace(hour=12) + timedelta(days=1))
    tue = next(s for s in noon.sessions if s.start.astimezone(TZ).weekday() == 1)
    assert tue.kind is SessionKind.HEAVY and tue.start.astimezone(TZ).hour == 18
    evening = plan(replace(i, published=published(noon)),
                   MONDAY.replace(hour=18) + timedelta(days=1))
    before, after = by_uid(noon), by_uid(evening)
    assert before.keys() == after.keys()
    changed = [uid for uid in before if before[uid] != after[uid]]
    assert changed == [], [before[u].title + " " + str(before[u].start) for u in changed]
    thu = next(s for s in evening.sessions if s.start.astimezone(TZ).weekday() == 3)
    assert [e.name for e in thu.exercises] != [e.name for e in tue.exercises]


def test_rotation_is_a_function_of_week_and_slot():
    i = PlanInputs(athlete(rest_days=frozenset({0})), RuleSettings(phase=Phase.BUILD),
                   planned_runs=tuple(example_week()))
    monday = plan(i, MONDAY.replace(hour=6))
    # Re-planned from Tuesday night (Tue's session is over), the later ones keep their content.
    later = plan(replace(i, published=published(monday)),
                 MONDAY.replace(hour=20) + timedelta(days=1))
    old = by_uid(monday)
    for s in later.sessions:
        if s.start > later.now:
            assert s.exercises == old[s.uid].exercises, s.title
    heavy = [s for s in monday.sessions if s.kind is SessionKind.HEAVY]
    assert heavy[0].exercises[1].name != heavy[1].exercises[1].name, "Tue and Thu differ"


def done_history(n: int) -> tuple[Session, ...]:
    return tuple(session(f"syncd-done{k}@syncd", -3 - 3 * k, "18:00",
                         status=SessionStatus.DONE) for k in range(n))


def test_one_progression_step_changes_only_the_next_heavy_session():
    # 84-day horizon: a step used to rewrite all sixteen future heavy sessions at once.
    base = PlanInputs(athlete(rest_days=frozenset({0}), one_rep_max=ORM),
                      RuleSettings(phase=Phase.BUILD),
                      planned_runs=tuple(example_week(weeks=13)), horizon_days=84)
    now = MONDAY.replace(hour=6)
    three = plan(replace(base, published=done_history(3)), now)
    four = plan(replace(base, published=done_history(4)), now)
    a = [s for s in three.sessions if s.status is SessionStatus.PLANNED]
    b = [s for s in four.sessions if s.status is SessionStatus.PLANNED]
    assert [(s.start, s.kind) for s in a] == [(s.start, s.kind) for s in b]
    assert sum(1 for s in a if s.kind is SessionKind.HEAVY) >= 16
    differ = [(x.start, x.kind) for x, y in zip(a, b, strict=True)
              if x.exercises != y.exercises or x.explanation != y.explanation]
    first_heavy = next(s for s in a if s.kind is SessionKind.HEAVY)
    assert differ == [(first_heavy.start, SessionKind.HEAVY)]
    nxt = next(s for s in b if s.kind is SessionKind.HEAVY)
    assert "+5 % after 4 completed heavy sessions" in nxt.explanation
    assert _main(nxt).load.startswith("85 kg (~85 % of ")


def test_a_later_session_takes_the_step_when_it_becomes_next():
    base = PlanInputs(athlete(rest_days=frozenset({0}), one_rep_max=ORM),
                      RuleSettings(phase=Phase.BUILD), planned_runs=tuple(example_week()))
    monday = plan(replace(base, published=done_history(2)), MONDAY.replace(hour=6))
    tue, thu = [s for s in monday.sessions if s.kind is SessionKind.HEAVY][:2]
    assert "kg (~82.5 % of " in _main(tue).load
    assert "–" in _main(thu).load and "next heavy session" in _main(thu).note
    # Tuesday's session is recorded as done: Thursday is next and shows the load.
    done = replace(tue, status=SessionStatus.DONE)
    rest = tuple(s for s in monday.sessions if s.uid != tue.uid)
    wed = plan(replace(base, published=(*done_history(2), done, *rest)),
               MONDAY.replace(hour=9) + timedelta(days=2))
    thu_now = next(s for s in wed.sessions if s.uid == thu.uid)
    assert "–" not in _main(thu_now).load and _main(thu_now).load.endswith("1RM)")


def _main(s: Session) -> Exercise:
    """The session's first main lift (plyometrics may or may not come before it, R13)."""
    return next(e for e in s.exercises if "main lift" in e.note)


def test_uids_of_a_replan_are_unchanged_by_content():
    # Guard for the tests above: published sessions keep their UIDs across plans.
    i = PlanInputs(athlete(), RuleSettings(phase=Phase.BUILD), planned_runs=tuple(example_week()))
    p = plan(i, MONDAY.replace(hour=6))
    again = assign_uids(list(p.sessions), tuple(p.sessions), frozenset(), p.now, TZ)
    assert [s.uid for s in again] == [s.uid for s in p.sessions]


def test_time_passing_alone_changes_no_session_text():
    # Thursday's "Not Wed: ..." used to vanish once Wednesday passed, and the progression
    # count dropped as done sessions aged past 6 weeks from now.
    old_done = tuple(session(f"syncd-old{k}@syncd", -40 + 2 * k, "18:00",
                             status=SessionStatus.DONE) for k in range(4))
    i = PlanInputs(athlete(rest_days=frozenset({0}), one_rep_max=ORM),
                   RuleSettings(phase=Phase.BUILD), planned_runs=tuple(example_week()))
    monday = plan(replace(i, published=old_done), MONDAY.replace(hour=6))
    tue = next(s for s in monday.sessions if s.kind is SessionKind.HEAVY)
    kept = (*old_done, replace(tue, status=SessionStatus.DONE),
            *(s for s in monday.sessions if s.uid != tue.uid and s.uid not in
              {d.uid for d in old_done}))
    wed = plan(replace(i, published=kept), MONDAY.replace(hour=1) + timedelta(days=2))
    # The state keeps history; a plan shows only the weeks it plans.
    thu_morning = plan(replace(i, published=(*old_done, *wed.sessions)),
                       MONDAY.replace(hour=9) + timedelta(days=3))
    a, b = by_uid(wed), by_uid(thu_morning)
    thu = next(s for s in wed.sessions if s.start.astimezone(TZ).weekday() == 3)
    assert "Not Wed: Thu has a quality run" in thu.explanation
    assert "+5 % after 4 completed heavy sessions" in thu.explanation
    changed = [u for u in a if u in b and a[u].start > thu_morning.now and a[u] != b[u]]
    assert changed == []
