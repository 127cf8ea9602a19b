"""Stable identities for sessions, so a moved session is an update, never a new event.

A new session takes the UID of a still-planned published session of the same family
(lifting or core) in the same ISO week, preferring the same day and then the nearest one.
Otherwise it gets a fresh UID that was never used before: servers such as Nextcloud keep
deleted UIDs in a trash bin and refuse to see them re-created.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from syncd.model import Session, SessionStatus

UID_PREFIX = "syncd-"
UID_DOMAIN = "@syncd"


def is_syncd_uid(uid: str) -> bool:
    return uid.startswith(UID_PREFIX) and uid.endswith(UID_DOMAIN)


def assign_uids(new: list[Session], published: tuple[Session, ...], known: frozenset[str],
                now: datetime, tz: ZoneInfo) -> list[Session]:
    reusable = [s for s in published if s.status is SessionStatus.PLANNED and s.start > now]
    taken = set(known) | {s.uid for s in published}
    used: set[str] = set()
    out = []
    for s in sorted(new, key=lambda s: s.start):
        day = s.start.astimezone(tz).date()
        week = day.isocalendar()[:2]
        same = [p for p in reusable if p.uid not in used
                and p.kind.is_lifting == s.kind.is_lifting
                and p.start.astimezone(tz).date().isocalendar()[:2] == week]
        if same:
            best = min(same, key=lambda p: (abs((p.start.astimezone(tz).date() - day).days),
                                            p.kind is not s.kind, p.start))
            used.add(best.uid)
            out.append(replace(s, uid=best.uid))
            continue
        n = 1
        # The date is only where the session was first placed: it may move, and change kind.
        while (uid := f"{UID_PREFIX}{day:%Y%m%d}-{n}{UID_DOMAIN}") in taken:
            n += 1
        taken.add(uid)
        out.append(replace(s, uid=uid))
    return out
