"""syncd's exercise names → Garmin's exercise ids (category, exerciseName): the one table.

Data only, so both floors can use it: the workout sink names each step's exercise with it
(``syncd.sinks.garmin_exercises``, which adds the fallbacks by movement pattern) and the pure
planner holds the sets a watch recorded against it (``syncd.planner.lifted``). Every id is
checked against garminconnect's own catalogue, and every name of
``syncd/planner/catalogue.toml`` against this table, by tests/unit/sinks/test_garmin_exercises.py.
An empty exerciseName is a category-only pick (what Connect stores when only a category is
chosen, ``syncd.sinks.garmin_evidence``).
"""

from __future__ import annotations

GarminId = tuple[str, str]  # (category, exerciseName)

EXERCISES: dict[str, GarminId] = {
    # heavy / light: plyometrics
    "Pogo hops": ("PLYO", ""),  # no named plyo exercise is an ankle hop
    "Box jumps": ("PLYO", "BOX_JUMP"),
    "Alternating bounds": ("PLYO", "ALTERNATING_JUMP_LUNGE"),
    # main lifts
    "Back squat": ("SQUAT", "BARBELL_BACK_SQUAT"),
    "Romanian deadlift": ("DEADLIFT", "ROMANIAN_DEADLIFT"),
    "Front squat": ("SQUAT", "BARBELL_FRONT_SQUAT"),
    "Trap-bar deadlift": ("DEADLIFT", "TRAP_BAR_DEADLIFT"),
    # single leg
    "Bulgarian split squat": ("LUNGE", "DUMBBELL_BULGARIAN_SPLIT_SQUAT"),
    "Single-leg Romanian deadlift": ("DEADLIFT", "SINGLE_LEG_ROMANIAN_DEADLIFT_WITH_DUMBBELL"),
    "Step-up to knee drive": ("SQUAT", "STEP_UP"),
    "Reverse lunge": ("LUNGE", "DUMBBELL_REVERSE_LUNGE"),
    # calves and shins
    "Single-leg calf raise, slow lowering": ("CALF_RAISE", "SINGLE_LEG_STANDING_CALF_RAISE"),
    "Bent-knee calf raise (soleus)": ("CALF_RAISE", "SEATED_CALF_RAISE"),
    "Tibialis raise and ankle dorsiflexion": ("CALF_RAISE", "SEATED_DUMBBELL_TOE_RAISE"),
    # posterior chain, pull, push
    "Barbell hip thrust": ("HIP_RAISE", "BARBELL_HIP_THRUST_WITH_BENCH"),
    "Pull-up or lat pulldown": ("PULL_UP", "PULL_UP"),
    "Single-leg glute bridge": ("HIP_RAISE", "SINGLE_LEG_HIP_RAISE"),
    "Push-up or dumbbell bench press": ("PUSH_UP", "PUSH_UP"),
    # stability
    "Suitcase carry": ("CARRY", "FARMERS_WALK"),  # a one-handed farmer's walk
    "Pallof press": ("CORE", "CABLE_CORE_PRESS"),
    "Dead bug": ("HIP_STABILITY", "DEAD_BUG"),
    # core sessions
    "Front plank": ("PLANK", "PLANK"),
    "Side plank": ("PLANK", "SIDE_PLANK"),
    "Marching glute bridge": ("HIP_RAISE", "MARCHING_HIP_RAISE"),
    "Reverse plank": ("PLANK", "LYING_REVERSE_PLANK"),
    "Bicycle crunch": ("CRUNCH", "BICYCLE_CRUNCH"),
    "Side bend": ("CORE", "SIDE_BEND"),
    "Russian twist": ("CORE", "RUSSIAN_TWIST"),
    # foundation sessions
    "Bodyweight squat": ("SQUAT", "AIR_SQUAT"),
    "Walking lunge": ("LUNGE", "WALKING_LUNGE"),
    "Step-up": ("SQUAT", "STEP_UP"),
    "Glute bridge": ("HIP_RAISE", "HIP_RAISE"),
    "Calf raise": ("CALF_RAISE", "STANDING_CALF_RAISE"),
    "Band pull-apart": ("BANDED_EXERCISES", "PULL_APART"),
    "Banded lateral walk": ("BANDED_EXERCISES", "LATERAL_BAND_WALKS"),
    # alternatives by athlete.equipment (issue 22); the closest movement where Garmin has none
    "Squat jumps": ("PLYO", "BODY_WEIGHT_JUMP_SQUAT"),
    "Goblet squat": ("SQUAT", "GOBLET_SQUAT"),
    "Skater squat to a cushion": ("SQUAT", "PISTOL_SQUAT"),
    "Dumbbell Romanian deadlift": ("DEADLIFT", "ROMANIAN_DEADLIFT"),
    "Kettlebell Romanian deadlift": ("DEADLIFT", "ROMANIAN_DEADLIFT"),
    "Dumbbell deadlift": ("DEADLIFT", "DUMBBELL_DEADLIFT"),
    "Kettlebell deadlift": ("DEADLIFT", "KETTLEBELL_DEADLIFT"),
    "Single-leg hip hinge, 3 s lowering": ("DEADLIFT", "SINGLE_LEG_RDL_CIRCUIT"),
    "Reverse lunge to knee drive": ("LUNGE", "REVERSE_LUNGE_WITH_REACH_BACK"),
    "Hip thrust with a dumbbell or kettlebell": ("HIP_RAISE", "WEIGHTED_HIP_RAISE"),
    "Single-leg hip thrust": ("HIP_RAISE", "SINGLE_LEG_HIP_RAISE"),
    "One-arm row with a dumbbell or kettlebell": ("ROW", "DUMBBELL_ROW"),
    "Band row": ("BANDED_EXERCISES", "ROW"),
    "Inverted row under a sturdy table": ("ROW", "INVERTED_ROW"),
    "Side plank with top-leg lift": ("PLANK", "SIDE_PLANK_WITH_LEG_LIFT"),
    "Bird dog with a 3 s hold": ("HYPEREXTENSION", "KNEELING_SUPERMAN"),
    "Bird dog": ("HYPEREXTENSION", "KNEELING_SUPERMAN"),
    "Split squat": ("SQUAT", "DUMBBELL_SPLIT_SQUAT"),
    "Prone Y-T raise": ("SHOULDER_STABILITY", "FLOOR_Y_RAISE"),
    "Side-lying leg lift": ("HIP_STABILITY", "SIDE_LYING_LEG_RAISE"),
}
