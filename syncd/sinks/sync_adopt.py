"""Adoption: syncd's own events that the state does not know are taken back, not copied.

The state is a cache of the calendar. When it is lost (moved away, a reinstall, a container
without a volume), rebuilt, or shared with a second writer, the calendar still holds the
events syncd wrote. Each event the state does not know is read once; one that carries
syncd's markers (``ownership``) is recorded again as syncd's, and the session it stands for
goes to the planner as published: unchanged, it is matched to the plan (updated if need be,
never added twice); edited by the user, it is theirs (pinned) where they put it. Anything
else is remembered as foreign by its ETag, so it is not read again until it changes.

What no calendar can tell: a session the user deleted before the state was lost. Its event
is gone, so a fresh state may plan it again (the README says so).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from syncd.sinks.base import SinkReport
from syncd.sinks.caldav_store import Poll
from syncd.sinks.ownership import claim
from syncd.sinks.sync_items import Item, Records

log = logging.getLogger(__name__)


def strangers(records: Records, poll: Poll, by_href: dict[str, Item]) -> list[str]:
    """Events the state does not know and has not found foreign at their current ETag."""
    foreign = records.foreign()
    if poll.complete:
        records.prune_foreign(set(poll.changed))
    return sorted(h for h, e in poll.changed.items()
                  if h not in by_href and not (e and foreign.get(h) == e))


def adopt(records: Records, hrefs: list[str], fetched: dict[str, tuple[str, str]],
          tz: ZoneInfo, report: SinkReport) -> None:
    """Record syncd's events among ``hrefs`` as its own again; the rest as foreign."""
    if not hrefs:
        return
    items = records.items()
    taken = pinned = 0
    for href in hrefs:
        got = fetched.get(href)
        if got is None:
            continue  # gone since the listing
        etag, text = got
        c = claim(text, tz)
        if c is None:
            records.mark_foreign(href, etag)
            continue
        uid = c.session.uid
        if uid in items:
            # A second event for a session the state knows (two writers created it at
            # once): not ours to remove, as the user may have put it there; said once.
            records.mark_foreign(href, etag)
            report.warnings.append(f"{uid}: a second syncd event for this session is in "
                                   f"the calendar ({href}); left alone")
            continue
        state = "user" if c.edited else "synced"
        it = Item(uid, href, etag, c.now_hash if c.edited else c.written, c.sequence, state,
                  None, text, c.session.start.isoformat(),
                  None if c.event_uid == uid else c.event_uid)
        records.save(it)
        items[uid] = it
        report.adopted.append(c.session)
        taken += 1
        pinned += c.edited
    if taken:
        msg = (f"found {taken} of syncd's events in the calendar that the state did not know "
               "(a lost, fresh or shared state): taken back as syncd's, none added twice"
               + (f"; {pinned} you had edited stay where you put them" if pinned else ""))
        log.warning("%s: %s", records.name, msg)
        report.warnings.append(msg)
