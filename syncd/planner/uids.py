"""Stable identities for sessions, so a moved session is an update, never a new event.

A new session takes the UID of a still-planned published session of the same family
(lifting or core) in the same ISO week. Within a week and family, old and new sessions are
matched by minimum change (G3): the calendar sees as few updates, creations and deletions as
possible, so a published session that stays where it is keeps its UID, rather than lending
it to an earlier new session and being re-created itself ("moved Sun 29 → Fri 27" plus "new
Sun 29" when "new Fri 27" says it all). Ties go to fewer sessions changing day, then the
nearest days, then the same kind, then the nearest time. A new session left unmatched gets a
fresh UID that was never used before: servers such as Nextcloud keep deleted UIDs in a trash
bin and refuse to see them re-created.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from syncd.model import Session, SessionStatus
from syncd.planner.realtime import elapsed, local_day, utc

UID_PREFIX = "syncd-"
UID_DOMAIN = "@syncd"


def is_syncd_uid(uid: str) -> bool:
    return uid.startswith(UID_PREFIX) and uid.endswith(UID_DOMAIN)


Cost = tuple[int, int, int, int, float]
# Beyond this many published sessions in one week and family (never, in practice) matching
# falls back to nearest-first, to keep the search bounded.
EXACT_LIMIT = 8


def assign_uids(new: list[Session], published: tuple[Session, ...], known: frozenset[str],
                now: datetime, tz: ZoneInfo) -> list[Session]:
    reusable = sorted((s for s in published if s.status is SessionStatus.PLANNED
                       and utc(s.start) > utc(now)), key=lambda s: (utc(s.start), s.uid))
    taken = set(known) | {s.uid for s in published}
    ordered = sorted(new, key=lambda s: utc(s.start))

    def group(s: Session) -> tuple[tuple[int, int], bool]:
        return local_day(s.start, tz).isocalendar()[:2], s.kind.is_lifting

    olds: dict[tuple[tuple[int, int], bool], list[Session]] = {}
    for p in reusable:
        olds.setdefault(group(p), []).append(p)
    news: dict[tuple[tuple[int, int], bool], list[int]] = {}
    for i, s in enumerate(ordered):
        news.setdefault(group(s), []).append(i)
    uid_of: dict[int, str] = {}
    for key, idx in news.items():
        for i, p in _match([ordered[i] for i in idx], olds.get(key, []), tz).items():
            uid_of[idx[i]] = p.uid
    out = []
    for i, s in enumerate(ordered):
        if i in uid_of:
            out.append(replace(s, uid=uid_of[i]))
            continue
        day = local_day(s.start, tz)
        n = 1
        # The date is only where the session was first placed: it may move, and change kind.
        while (uid := f"{UID_PREFIX}{day:%Y%m%d}-{n}{UID_DOMAIN}") in taken:
            n += 1
        taken.add(uid)
        out.append(replace(s, uid=uid))
    return out


def _cost(s: Session, p: Session, tz: ZoneInfo) -> Cost:
    """What giving new session ``s`` the UID of published ``p`` costs: an unchanged event
    saves two calendar changes (no creation, no deletion), a moved one saves one."""
    same = utc(s.start) == utc(p.start) and utc(s.end) == utc(p.end) and s.kind is p.kind
    days = abs((local_day(s.start, tz) - local_day(p.start, tz)).days)
    return (-2 if same else -1, int(days > 0), days, int(s.kind is not p.kind),
            abs(elapsed(p.start, s.start).total_seconds()))


def _match(new: list[Session], old: list[Session], tz: ZoneInfo) -> dict[int, Session]:
    """Index of each new session → the published session whose UID it takes."""
    if not old:
        return {}
    if len(old) > EXACT_LIMIT:
        return _nearest_first(new, old, tz)
    costs = [[_cost(s, p, tz) for p in old] for s in new]
    zero: Cost = (0, 0, 0, 0, 0.0)

    @functools.cache
    def best(i: int, used: int) -> tuple[Cost, tuple[int, ...]]:
        if i == len(new):
            return zero, ()
        rest, picks = best(i + 1, used)
        choice = (rest, (-1, *picks))
        for j in range(len(old)):
            if used & (1 << j):
                continue
            rest, picks = best(i + 1, used | (1 << j))
            total = _add(costs[i][j], rest)
            if total < choice[0]:
                choice = (total, (j, *picks))
        return choice

    _, picks = best(0, 0)
    return {i: old[j] for i, j in enumerate(picks) if j >= 0}


def _add(a: Cost, b: Cost) -> Cost:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4])


def _nearest_first(new: list[Session], old: list[Session], tz: ZoneInfo) -> dict[int, Session]:
    free = list(old)
    out = {}
    for i, s in enumerate(new):
        if not free:
            break
        p = min(free, key=lambda p: _cost(s, p, tz))
        free.remove(p)
        out[i] = p
    return out
