"""Training phases from the race calendar, and what each phase asks of the week (G1).

Counting back from the next A race: race-week (the 6 days before it and the day itself),
taper (``rules.taper_days``), peak (4 weeks), build (12 weeks), base before that. After an
A race comes recovery (``rules.recovery_days``); with no A race ahead, maintenance.
"""

from __future__ import annotations

from datetime import date

from syncd.model import Phase, Race, RacePriority, RuleSettings, SessionKind

# G1: the most lifting sessions a week each phase asks for, and the kinds it uses in order
# of preference. race-week holds none: R6 already forbids the last two days, and the week
# belongs to the race.
PHASE_CAP = {
    Phase.BASE: 3,
    Phase.BUILD: 2,
    Phase.PEAK: 2,
    Phase.TAPER: 1,
    Phase.RACE_WEEK: 0,
    Phase.RECOVERY: 1,
    Phase.MAINTENANCE: 3,
}
PHASE_KINDS: dict[Phase, tuple[SessionKind, ...]] = {
    Phase.BASE: (SessionKind.HEAVY,),
    Phase.BUILD: (SessionKind.HEAVY,),
    Phase.PEAK: (SessionKind.HEAVY, SessionKind.LIGHT),
    Phase.TAPER: (SessionKind.LIGHT,),
    Phase.RACE_WEEK: (),
    Phase.RECOVERY: (SessionKind.LIGHT,),
    Phase.MAINTENANCE: (SessionKind.HEAVY,),
}
# R4: heavy lifting on an easy day only in these phases.
HEAVY_ON_EASY_DAYS = frozenset({Phase.BASE, Phase.MAINTENANCE})


def a_races(races: tuple[Race, ...]) -> list[date]:
    return sorted(r.day for r in races if r.priority is RacePriority.A)


def phase_for(day: date, races: tuple[Race, ...], rules: RuleSettings) -> Phase:
    if rules.phase is not None:
        return rules.phase
    days = a_races(races)
    ahead = [d for d in days if d >= day]
    if ahead:
        to_race = (ahead[0] - day).days
        behind = [d for d in days if d < day]
        if behind and (day - behind[-1]).days <= rules.recovery_days and to_race > 28:
            return Phase.RECOVERY
        if to_race <= 6:
            return Phase.RACE_WEEK
        if to_race <= rules.taper_days:
            return Phase.TAPER
        if to_race <= 28:
            return Phase.PEAK
        if to_race <= 84:
            return Phase.BUILD
        return Phase.BASE
    behind = [d for d in days if d < day]
    if behind and (day - behind[-1]).days <= rules.recovery_days:
        return Phase.RECOVERY
    return Phase.MAINTENANCE


def describe_phase(day: date, races: tuple[Race, ...], phase: Phase) -> str:
    ahead = [r for r in races if r.priority is RacePriority.A and r.day >= day]
    if not ahead:
        return phase.value
    race = min(ahead, key=lambda r: r.day)
    days = (race.day - day).days
    when = f"in {days // 7} weeks" if days >= 14 else f"in {days} days"
    return f"{phase.value} ({race.name} {when})"
