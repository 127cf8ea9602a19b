"""Strength sets from FIT ``set`` messages (written by tests/fitwrite.py, checked by fitdecode,
an independent decoder), through the fast reader, the FIT folder source and the estimate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import fitdecode

from syncd.planner.lifted import lift_history
from syncd.sources.base import FetchWindow
from syncd.sources.fit_folder import FitFolderSource
from syncd.sources.fit_reader import parse
from syncd.state import State
from tests.fitwrite import FitSet, Leg, activity_file

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
SQUAT, DEADLIFT, LUNGE = 28, 8, 17  # exercise_category numbers of the FIT profile
BACK_SQUAT, RDL = 6, 23  # squat_exercise_name / deadlift_exercise_name numbers
WINDOW = FetchWindow(datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC),
                     datetime(2027, 1, 1, tzinfo=UTC), ZoneInfo("UTC"))


def session_sets() -> list[FitSet]:
    at = [START + timedelta(minutes=3 * i) for i in range(8)]
    return [
        FitSet(at[0], 30, True, 6, 90.0, SQUAT, BACK_SQUAT, 3),
        FitSet(at[0] + timedelta(seconds=30), 120, False, step_index=4),  # REST
        FitSet(at[1], 30, True, 6, 90.0, SQUAT, BACK_SQUAT, 3),
        FitSet(at[2], 30, True, 5, 90.0, SQUAT, BACK_SQUAT, 3),
        FitSet(at[3], 40, True, 12, None, LUNGE, None, 6),  # a category without a name
        FitSet(at[4], 30, True, 8, 60.5, DEADLIFT, RDL, None),  # off the workout
    ]


def strength_file() -> bytes:
    return activity_file([Leg("training", START, 40, sub_sport="strength_training")],
                         sets=session_sets())


def test_fitdecode_reads_the_written_set_messages():
    import io

    with fitdecode.FitReader(io.BytesIO(strength_file())) as fit:
        sets = [f for f in fit if isinstance(f, fitdecode.FitDataMessage) and f.name == "set"]
    assert len(sets) == 6
    assert sets[0].get_value("weight") == 90.0 and sets[0].get_value("repetitions") == 6
    assert sets[0].get_value("category") in ("squat", ("squat",))
    assert sets[1].get_value("set_type") == "rest"


def test_the_fast_reader_names_category_and_exercise():
    fit = parse(strength_file())
    assert fit.error is None and len(fit.sets) == 6
    first = fit.sets[0]
    assert (first["category"], first["category_subtype"]) == ("SQUAT", "BARBELL_BACK_SQUAT")
    assert first["weight"] == 90.0 and first["repetitions"] == 6
    assert first["wkt_step_index"] == 3 and first["set_type"] == 1
    assert first["start_time"] == START
    rest = fit.sets[1]
    assert rest["set_type"] == 0 and rest["repetitions"] is None and rest["weight"] is None
    lunge = fit.sets[4]
    assert lunge["category"] == "LUNGE" and lunge["category_subtype"] is None
    assert fit.sets[5]["weight"] == 60.5 and fit.sets[5]["wkt_step_index"] is None


def test_the_folder_source_carries_the_sets_to_the_estimate(tmp_path: Path):
    folder = tmp_path / "fit"
    folder.mkdir()
    (folder / "strength.fit").write_bytes(strength_file())
    obs = FitFolderSource((folder,), State(tmp_path / "state")).fetch(WINDOW)
    (lift,) = obs.strength
    assert len(lift.sets) == 6 and sum(s.active for s in lift.sets) == 5
    assert lift.sets[0].guesses[0].name == "BARBELL_BACK_SQUAT"
    assert lift.sets[4].guesses[0].name == "" and lift.sets[4].weight_kg is None
    history = lift_history(obs.strength, ZoneInfo("UTC"))
    assert history["Back squat"][0].sets == ((6, 90.0), (6, 90.0), (5, 90.0))
    assert round(history["Back squat"][0].e1rm() or 0, 1) == 108.0
    assert history["Romanian deadlift"][0].sets == ((8, 60.5),)
    again = FitFolderSource((folder,), State(tmp_path / "state")).fetch(WINDOW)
    assert again.strength == obs.strength, "the sets survive the state's cache"


def test_status_reads_the_fit_sets_from_the_state_alone(tmp_path: Path):
    from syncd.model import Exercise, Session, SessionKind
    from syncd.sources.fit_folder import stored_strength
    from syncd.status_lifted import lifted_lines, recorded

    folder = tmp_path / "fit"
    folder.mkdir()
    (folder / "strength.fit").write_bytes(strength_file())
    state = State(tmp_path / "state")
    obs = FitFolderSource((folder,), state).fetch(WINDOW)
    (folder / "strength.fit").unlink()  # status scans no folder: the state is enough
    assert stored_strength(state, START - timedelta(days=1)) == list(obs.strength)
    assert stored_strength(state, START + timedelta(minutes=1)) == [], "since bounds it"
    acts = recorded(state, WINDOW.now, ZoneInfo("UTC"))
    squat = Exercise("Back squat", "squat", 3, "6", "90 kg", 180)
    plan = Session("u1", SessionKind.HEAVY, START, START + timedelta(minutes=45),
                   title="Heavy", exercises=(squat,))
    lines = lifted_lines(acts, [plan], ZoneInfo("UTC"))
    # 6 × 90 → 108; the 5-rep set was short of the planned 6; RDL 60.5 × (1 + 8/30) = 76.6
    assert lines == [
        "what you lifted (from the watch):",
        "  Back squat: Mon 23 Nov 6, 6, 5 at 90 kg, missed reps; e1RM 108 kg",
        "  Romanian deadlift: Mon 23 Nov 1 × 8 at 60.5 kg; e1RM 77 kg",
        "  last strength session (Mon 23 Nov, Heavy): partly done: "
        "Back squat: 1 set(s) short of 6 reps"]
    assert lifted_lines(acts, [], ZoneInfo("UTC"))[-1].startswith("  Romanian"), \
        "no planned session matched: no verdict"
    assert lifted_lines([], [plan], ZoneInfo("UTC")) == [], "nothing recorded: no section"
