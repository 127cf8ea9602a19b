"""A few words for each rule and goal id of docs/recovery-rules.md, for legends and texts.

The ids are the contract's; these phrases are how a runner reads them in a table.
"""

from __future__ import annotations

RULE_NAMES: dict[str, str] = {
    "R1": "no heavy the day before a quality, long or race run",
    "R2": "heavy ends long enough before the next hard run",
    "R3": "run first, lift at least 3 h after",
    "R4": "no heavy on easy days (except base/maintenance)",
    "R5": "nothing on rest days",
    "R6": "taper and race week: light at most, nothing 2 days out",
    "R7": "new to running or back from a break: foundation and core",
    "R8": "under 18: no heavy unless supervised",
    "R9": "weekly cap; heavy 48 h apart, no more than the target in any 7 days",
    "R10": "inside your availability, clear of busy events and runs",
    "R11": "your moved or edited sessions are yours (pinned)",
    "R12": "the day after a race: nothing heavy, no jumps",
    "R13": "no jumps on a long-run day or the day before a quality run",
    "G1": "the phase's weekly target",
    "G2": "heavy on hard days, after the run",
    "G3": "move as few sessions as possible",
    "G4": "spread across the week",
    "G5": "core on easy days",
    "G6": "your preferred time of day",
    "DST": "not at a clock time that occurs twice (daylight-saving change)",
}


def legend(codes: set[str]) -> list[str]:
    """``R2 = …`` lines for the codes given, in the contract's order."""
    order = list(RULE_NAMES)
    known = sorted((c for c in codes if c in RULE_NAMES), key=order.index)
    return [f"  {c:<4} {RULE_NAMES[c]}" for c in known]
