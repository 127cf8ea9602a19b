"""Decide whether a run was (or will be) easy, long, quality or a race, and say why.

Every source describes a run as ``Evidence`` and calls ``classify``. The evidence is weighed
in order of trust, and the first signal that speaks decides:

1. a race flag or race event type;
2. Garmin's training-effect label and anaerobic training effect;
3. the share of time in heart-rate zones 4-5 (or, without zones, the average heart rate
   against the maximum the watch knows);
4. pace against the athlete's recent easy pace;
5. duration or distance against the athlete's recent runs (long = at least 1.5× the median
   of the last 4 weeks, or 90 minutes or more);
6. keywords in the title and description, in several languages (configurable);
7. otherwise easy.

A long run stays long even when its training effect says tempo (a progression long run is
both): long and quality are both hard days for the planner, and "long" is what it was.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from syncd.model import RunKind

RUN_TYPES = frozenset({
    "running", "trail_running", "treadmill_running", "track_running", "street_running",
    "indoor_running", "virtual_run", "ultra_run", "obstacle_run",
})
STRENGTH_TYPES = frozenset({"strength_training"})
QUALITY_LABELS = frozenset({"VO2MAX", "ANAEROBIC_CAPACITY", "SPEED", "LACTATE_THRESHOLD",
                            "TEMPO"})
EASY_LABELS = frozenset({"RECOVERY", "AEROBIC_BASE", "BASE"})
LONG_MINUTES = 90.0
LONG_FACTOR = 1.5
ZONE45_SHARE = 0.25
ANAEROBIC_TE = 2.0
PACE_FACTOR = 1.10
HR_SHARE = 0.85
# A treadmill's or indoor run's speed comes from the wrist and is an estimate.
ESTIMATED_SPEED = frozenset({"treadmill_running", "indoor_running"})

# Built-in keywords (lowercase; matched as whole words or word prefixes). English, German,
# French, Spanish, Italian and Dutch.
DEFAULT_KEYWORDS: dict[RunKind, tuple[str, ...]] = {
    RunKind.RACE: ("race", "parkrun", "wettkampf", "rennen", "course officielle", "carrera",
                   "gara", "wedstrijd", "half marathon", "halbmarathon", "semi-marathon",
                   "marathon", "10k race", "5k race"),
    RunKind.QUALITY: ("interval", "intervals", "tempo", "threshold", "repeats", "repetitions",
                      "fartlek", "hill", "hills", "track", "vo2", "speed", "strides session",
                      "intervalle", "schwelle", "tempolauf", "hügel", "bergläufe",
                      "fractionné", "seuil", "côtes", "series", "umbral", "cuestas",
                      "ripetute", "soglia", "salite", "drempel", "heuvel", "x400", "x800",
                      "x1000", "x1k", "cruise"),
    RunKind.LONG: ("long run", "long", "langer lauf", "langer dauerlauf", "sortie longue",
                   "tirada larga", "fondo lungo", "lungo", "lange duurloop", "duurloop lang"),
    RunKind.EASY: ("easy", "recovery", "shake-out", "shakeout", "base", "locker",
                   "regeneration", "footing", "récupération", "suave", "rodaje",
                   "recupero", "herstel", "rustig"),
}


# Phrases that name a race without being one: a pace, a run before or after it, its week.
NOT_RACE = re.compile(
    r"(?:half[- ]?)?marathon[- ]?(?:pace|tempo|effort)|race[- ]?(?:pace|week|effort)"
    r"|(?:after|post|before|pre)[- ](?:the |a |my |your )?(?:race|marathon|parkrun)"
    r"|(?:halb)?marathontempo|wettkampftempo|renntempo|nach dem (?:wettkampf|rennen)"
    r"|allure (?:semi-)?marathon|ritmo (?:de )?(?:marat[oó]n|carrera|gara)"
    r"|(?:después de|despues de) la carrera|dopo la gara|na de wedstrijd")


@dataclass(frozen=True)
class Evidence:
    title: str = ""
    description: str = ""
    type_key: str = "running"
    is_race: bool = False
    duration_s: float | None = None
    distance_m: float | None = None
    avg_speed: float | None = None
    te_label: str | None = None
    anaerobic_te: float | None = None
    hr_zone_s: tuple[float, ...] = ()
    avg_hr: float | None = None
    max_hr: float | None = None

    @property
    def richness(self) -> int:
        """How many signals this record carries: of two copies of one run, the richer wins."""
        return sum(bool(x) for x in (
            self.title.strip(), self.description.strip(), self.is_race, self.duration_s,
            self.distance_m, self.avg_speed, self.te_label, self.anaerobic_te is not None,
            self.hr_zone_s, self.avg_hr))


@dataclass(frozen=True)
class History:
    """The athlete's recent runs, for the relative signals (pace, duration)."""

    durations_s: tuple[float, ...] = ()
    easy_speeds: tuple[float, ...] = ()

    @property
    def median_duration(self) -> float | None:
        return statistics.median(self.durations_s) if len(self.durations_s) >= 3 else None

    @property
    def easy_speed(self) -> float | None:
        return statistics.median(self.easy_speeds) if len(self.easy_speeds) >= 3 else None


@dataclass(frozen=True)
class Keywords:
    by_kind: dict[RunKind, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_KEYWORDS))

    def extended(self, extra: Mapping[RunKind, Iterable[str]]) -> Keywords:
        merged = {k: tuple(extra.get(k, ())) + v for k, v in self.by_kind.items()}
        return Keywords(merged)


def is_run(type_key: str) -> bool:
    return type_key in RUN_TYPES or type_key.endswith("_running")


def is_strength(type_key: str) -> bool:
    return type_key in STRENGTH_TYPES


def classify(e: Evidence, history: History | None = None,
             keywords: Keywords | None = None) -> tuple[RunKind, str]:
    """Return the run's kind and a short reason naming the signal that decided it."""
    history = history or History()
    long_reason = _long_reason(e, history)
    if e.is_race:
        return RunKind.RACE, "marked as a race"
    label = (e.te_label or "").upper()
    if label in QUALITY_LABELS and not (label == "TEMPO" and long_reason):
        return RunKind.QUALITY, f"training effect {label}"
    if e.anaerobic_te is not None and e.anaerobic_te >= ANAEROBIC_TE and not long_reason:
        return RunKind.QUALITY, f"anaerobic training effect {e.anaerobic_te:g}"
    if long_reason:
        suffix = f" (training effect {label})" if label else ""
        return RunKind.LONG, long_reason + suffix
    if label in EASY_LABELS:
        return RunKind.EASY, f"training effect {label}"
    zones = e.hr_zone_s
    if len(zones) >= 5 and sum(zones) > 0:
        share = (zones[3] + zones[4]) / sum(zones)
        if share >= ZONE45_SHARE:
            return RunKind.QUALITY, f"{share:.0%} of the time in HR zones 4-5"
        return RunKind.EASY, f"{share:.0%} of the time in HR zones 4-5"
    if e.avg_hr and e.max_hr and e.avg_hr >= HR_SHARE * e.max_hr:
        return RunKind.QUALITY, (f"average HR {e.avg_hr:.0f} is {e.avg_hr / e.max_hr:.0%} "
                                 f"of your maximum {e.max_hr:.0f}")
    easy = history.easy_speed
    if (e.avg_speed and easy and (e.duration_s or 0) >= 15 * 60
            and e.type_key not in ESTIMATED_SPEED and e.avg_speed >= easy * PACE_FACTOR):
        return RunKind.QUALITY, (f"pace {_pace(e.avg_speed)} is faster than your easy "
                                 f"pace {_pace(easy)}")
    kw = _keyword(e, keywords or Keywords())
    if kw is not None:
        return kw
    if e.avg_speed and easy:
        return RunKind.EASY, f"pace {_pace(e.avg_speed)} near your easy pace {_pace(easy)}"
    return RunKind.EASY, "no sign of a hard effort"


def _long_reason(e: Evidence, history: History) -> str:
    if e.duration_s is None:
        return ""
    minutes = e.duration_s / 60
    if minutes >= LONG_MINUTES:
        return f"{minutes:.0f} min (90 min or more)"
    median = history.median_duration
    if median and e.duration_s >= LONG_FACTOR * median:
        return f"{minutes:.0f} min, {e.duration_s / median:.1f}× your median of {median / 60:.0f}"
    return ""


def _keyword(e: Evidence, keywords: Keywords) -> tuple[RunKind, str] | None:
    text = f"{e.title} {e.description}".lower()
    if not text.strip():
        return None
    # "Marathon pace", "after the race": a race named, but the run is not one.
    not_race = NOT_RACE.sub(" ", text)
    for kind in (RunKind.RACE, RunKind.QUALITY, RunKind.LONG, RunKind.EASY):
        for word in keywords.by_kind.get(kind, ()):
            if _matches(word, not_race if kind is RunKind.RACE else text):
                return kind, f"title says '{word}'"
    return None


def _matches(word: str, text: str) -> bool:
    """A whole word or a word's start. A repetition ("x800") may follow its count: "6x800m"."""
    before = r"(?<![^\W\d])" if re.match(r"x\d", word) else r"(?<![\w])"
    return re.search(before + re.escape(word), text) is not None


def _pace(speed: float) -> str:
    secs = 1000 / speed
    return f"{int(secs // 60)}:{int(secs % 60):02d}/km"
