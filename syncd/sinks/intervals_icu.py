"""The intervals.icu sink: each session of the next days as a WeightTraining workout event.

Events follow intervals.icu's ``Event`` schema (OpenAPI description at
https://intervals.icu/api/v1/docs): ``category`` "WORKOUT", ``type`` "WeightTraining",
``name``, ``description``, ``start_date_local`` (no offset: the athlete's wall clock),
``moving_time`` in seconds and ``external_id``, a free string the API keeps for the caller.

Safety rails, as for CalDAV:

* Ownership: an event is syncd's only when its id is recorded here *and* its
  ``external_id`` is ``syncd:<session uid>``; nothing else is ever updated or deleted.
* The athlete's word wins: each cycle's one listing is compared with what syncd last wrote
  (a hash of time, name, description, duration). An event moved or edited there is theirs
  (pinned, never written again); a deleted one is declined and not put back.
* Intent first: each write is recorded (``pending``) before it is sent. After a crash the
  next listing settles it: a create is found by its ``external_id`` (never sent twice),
  an update by comparing hashes, a delete by the event being gone.
* Quiet: one listing a cycle while syncd has events there, none when it has none; writes
  only for what changed. intervals.icu has no conditional writes (no ETag), so an edit made
  in the seconds between the listing and an update can be overwritten; the listing right
  before narrows that to one cycle's writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.config.loader import IntervalsIcuConfig
from syncd.errors import TransientError
from syncd.model import Session, SessionStatus
from syncd.planner.uids import is_syncd_uid
from syncd.sinks.base import Action, Op, SinkReport, UserChange
from syncd.sinks.events import description, summary
from syncd.sources.intervals_client import IntervalsApi, NotFound
from syncd.state import State

log = logging.getLogger(__name__)
SCOPE = "sink:intervals_icu"
MARK = "syncd:"
WANTED = (SessionStatus.PLANNED, SessionStatus.PINNED)
LOOK_BACK = timedelta(days=7)
LOOK_AHEAD = timedelta(days=14)  # beyond the written days: a session the athlete moved later
EMPTY_GUARD = 3
KEY_PATH = "sources.intervals_icu.api_key"


@dataclass
class Record:
    uid: str
    state: str = "live"  # live | user (moved/edited there) | declined (deleted there)
    event_id: int | None = None
    start: str | None = None  # start_date_local as written
    hash: str | None = None  # of the event as the server showed it after our write
    sent: str | None = None  # of what syncd sent: the plan's side of the comparison
    pending: dict[str, Any] | None = None


def body_for(s: Session, tz: ZoneInfo) -> dict[str, Any]:
    return {"category": "WORKOUT", "type": "WeightTraining", "name": summary(s),
            "description": description(s, editable=True),
            "start_date_local": s.start.astimezone(tz).replace(tzinfo=None).isoformat(
                timespec="seconds"),
            "moving_time": s.duration_min * 60, "external_id": MARK + s.uid}


def fields_hash(ev: dict[str, Any]) -> str:
    """The fields syncd writes, as the server shows them; a different hash is an edit."""
    parts = [str(ev.get(k) or "").replace("\r\n", "\n").strip()
             for k in ("start_date_local", "name", "description")]
    parts.append(str(int(ev.get("moving_time") or 0)))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


class IntervalsIcuSink:
    name = "intervals_icu"

    def __init__(self, settings: IntervalsIcuConfig, state: State, tz_name: str,
                 api: IntervalsApi | None = None) -> None:
        self.settings = settings
        self.state = state
        self.tz = ZoneInfo(tz_name)
        self.api = api or IntervalsApi(settings.api_url, settings.athlete_id,
                                       settings.api_key, KEY_PATH)
        self._frozen = False

    # -- records ---------------------------------------------------------------------------

    def records(self) -> dict[str, Record]:
        rows = self.state.db.execute("SELECT key, value FROM kv WHERE scope=?", (SCOPE,))
        return {r[0]: Record(**json.loads(r[1])) for r in rows}

    def _save(self, rec: Record) -> None:
        self.state.put(SCOPE, rec.uid, json.dumps(asdict(rec)))

    def _forget(self, uid: str) -> None:
        with self.state.transaction():
            self.state.db.execute("DELETE FROM kv WHERE scope=? AND key=?", (SCOPE, uid))

    # -- pull: one listing -----------------------------------------------------------------

    def _listing(self, now: datetime) -> list[dict[str, Any]]:
        today = now.astimezone(self.tz).date()
        last = today + timedelta(days=self.settings.days) + LOOK_AHEAD
        got = self.api.get_list("/events", {"oldest": (today - LOOK_BACK).isoformat(),
                                            "newest": last.isoformat(),
                                            "category": "WORKOUT"}, "listing calendar events")
        return [e for e in got if isinstance(e, dict) and isinstance(e.get("id"), int)]

    def pull(self, now: datetime) -> SinkReport:
        report = SinkReport(self.name)
        self._frozen = False
        cutoff = (now.astimezone(self.tz).date() - LOOK_BACK).isoformat()
        recs = {u: r for u, r in self.records().items() if r.state == "live"
                and (r.pending is not None or (r.start or "") >= cutoff)}
        if not recs:
            return report  # nothing of ours there to look at: no call
        events = self._listing(now)
        ours = {e["external_id"][len(MARK):]: e for e in sorted(events, key=lambda e: e["id"])
                if isinstance(e.get("external_id"), str) and e["external_id"].startswith(MARK)}
        by_id = {e["id"]: e for e in events}
        inside = [r for r in recs.values() if r.event_id is not None
                  and (r.start or "") >= cutoff]
        if len(inside) >= EMPTY_GUARD and not any(r.event_id in by_id for r in inside):
            self._frozen = True
            report.warnings.append(f"intervals.icu lists none of syncd's {len(inside)} events: "
                                   "taken as a server problem, nothing written this cycle")
            return report
        for rec in recs.values():
            if rec.pending is not None:
                self._settle(rec, ours.get(rec.uid), events, report)
                continue
            if rec.event_id is None or (rec.start or "") < cutoff:
                continue
            ev = by_id.get(rec.event_id)
            if ev is None or ev.get("external_id") != MARK + rec.uid:
                self._declined(rec, report)
            elif fields_hash(ev) != rec.hash:
                self._pinned(rec, ev, report)
        return report

    def _forget_history(self, cutoff: str) -> None:
        """Records of days long past go (their events stay on the athlete's calendar)."""
        old = (date.fromisoformat(cutoff) - timedelta(days=30)).isoformat()
        for uid, rec in self.records().items():
            if rec.pending is None and rec.start is not None and rec.start[:10] < old:
                self._forget(uid)

    def _declined(self, rec: Record, report: SinkReport) -> None:
        rec.state, rec.pending = "declined", None
        self._save(rec)
        start = datetime.fromisoformat(rec.start).replace(tzinfo=self.tz) if rec.start else None
        report.changes.append(UserChange(rec.uid, pinned=False))
        report.actions.append(Action(Op.DECLINE, rec.uid, "", start,
                                     "you deleted it in intervals.icu: not put back"))

    def _pinned(self, rec: Record, ev: dict[str, Any], report: SinkReport) -> None:
        rec.state, rec.pending = "user", None
        self._save(rec)
        try:
            start = datetime.fromisoformat(str(ev.get("start_date_local"))[:40])
            start = start.replace(tzinfo=self.tz) if start.tzinfo is None else start
        except ValueError:
            start = None
        secs = ev.get("moving_time")
        end = start + timedelta(seconds=secs) if start and isinstance(secs, int) and \
            0 < secs < 86400 else None
        report.changes.append(UserChange(rec.uid, pinned=True, start=start, end=end))
        report.actions.append(Action(Op.PIN, rec.uid, str(ev.get("name") or "")[:200], start,
                                     "you edited it in intervals.icu: kept as you left it"))

    def _settle(self, rec: Record, ev: dict[str, Any] | None, events: list[dict[str, Any]],
                report: SinkReport) -> None:
        """A write whose answer was lost: the listing says whether it landed."""
        op = (rec.pending or {}).get("op")
        want = (rec.pending or {}).get("hash")
        if op == "create":
            if ev is None:
                self._forget(rec.uid)  # never landed: the plan creates it again
                return
            rec.event_id, rec.start = ev["id"], str(ev.get("start_date_local"))
            rec.hash, rec.sent, rec.pending = fields_hash(ev), want, None
            self._save(rec)
            for extra in events:  # a second copy of ours (never expected): ours, so removed
                if extra is not ev and extra.get("external_id") == MARK + rec.uid:
                    self._delete_quietly(extra["id"])
        elif op == "update":
            if ev is None or ev.get("id") != rec.event_id:
                self._declined(rec, report)
                return
            # Changed since our last write: the update in flight landed (an edit by the
            # athlete in the same seconds is not told apart; the next edit is). Unchanged:
            # it did not land, and the plan sends it again.
            got = fields_hash(ev)
            if got != rec.hash:
                rec.sent = want
            rec.hash, rec.start, rec.pending = got, str(ev.get("start_date_local")), None
            self._save(rec)
        else:  # delete
            if ev is not None and ev.get("id") == rec.event_id:
                self._delete_quietly(ev["id"])
            self._forget(rec.uid)
        log.info("intervals.icu: settled a %s interrupted last time", op)

    def _delete_quietly(self, event_id: int) -> None:
        with contextlib.suppress(NotFound):
            self.api.request("DELETE", self.api.athlete_path(f"/events/{event_id}"),
                             what="deleting an event")

    # -- push ------------------------------------------------------------------------------

    def _day(self, s: Session) -> date:
        return s.start.astimezone(self.tz).date()

    def plan_actions(self, sessions: Sequence[Session], now: datetime
                     ) -> list[tuple[Op, Session | None, Record | None]]:
        today = now.astimezone(self.tz).date()
        last = today + timedelta(days=self.settings.days)
        want = {s.uid: s for s in sessions if is_syncd_uid(s.uid) and s.status in WANTED
                and today <= self._day(s) < last}
        done = {s.uid for s in sessions if s.status not in WANTED}
        recs = self.records()
        out: list[tuple[Op, Session | None, Record | None]] = []
        for uid, s in sorted(want.items(), key=lambda p: p[1].start):
            rec = recs.get(uid)
            if rec is None:
                out.append((Op.CREATE, s, None))
            elif rec.state == "live" and rec.pending is None and \
                    rec.sent != fields_hash(body_for(s, self.tz)):
                out.append((Op.UPDATE, s, rec))
        for uid, rec in recs.items():
            if uid in want or uid in done or rec.state != "live" or rec.event_id is None:
                continue
            if rec.start is not None and rec.start[:10] < today.isoformat():
                continue  # history: left as it was
            out.append((Op.DELETE, None, rec))
        return out

    def push(self, sessions: Sequence[Session], now: datetime, dry_run: bool,
             stop: Callable[[], bool] | None = None) -> SinkReport:
        report = SinkReport(self.name)
        if self._frozen:
            return report
        if not dry_run:
            self._forget_history((now.astimezone(self.tz).date() - LOOK_BACK).isoformat())
        for op, s, rec in self.plan_actions(sessions, now):
            uid = s.uid if s else rec.uid if rec else ""
            report.actions.append(Action(op, uid, s.title if s else "a removed session",
                                         s.start if s else None, _detail(op)))
            if dry_run:
                if s is not None:
                    report.details.append(json.dumps(body_for(s, self.tz), ensure_ascii=False))
                continue
            if stop is not None and stop():
                report.warnings.append("stopped before all writes: the rest next cycle")
                break
            self._apply(op, s, rec, report)
        report.written = bool(report.actions) and not dry_run
        return report

    def _apply(self, op: Op, s: Session | None, rec: Record | None,
               report: SinkReport) -> None:
        if op is Op.DELETE:
            assert rec is not None and rec.event_id is not None
            rec.pending = {"op": "delete"}
            self._save(rec)
            self._delete_quietly(rec.event_id)
            self._forget(rec.uid)
            return
        assert s is not None
        body = body_for(s, self.tz)
        h = fields_hash(body)
        rec = rec or Record(s.uid)
        rec.pending = {"op": "create" if op is Op.CREATE else "update", "hash": h}
        self._save(rec)
        if op is Op.CREATE:
            got = self.api.request("POST", self.api.athlete_path("/events"), body=body,
                                   what="creating an event")
        else:
            try:
                got = self.api.request("PUT", self.api.athlete_path(f"/events/{rec.event_id}"),
                                       body=body, what="updating an event")
            except NotFound:  # deleted there since the listing
                self._declined(rec, report)
                return
        if not isinstance(got, dict) or not isinstance(got.get("id"), int):
            raise TransientError("intervals.icu's answer has no event id; the next cycle "
                                 "looks for the event")
        rec.event_id, rec.start = got["id"], str(got.get("start_date_local")
                                                 or body["start_date_local"])
        # The server's echo is what the next listing is compared with (it may tidy a text).
        rec.hash = fields_hash(got) if "start_date_local" in got else h
        rec.sent, rec.pending = h, None
        self._save(rec)


def _detail(op: Op) -> str:
    return {Op.CREATE: "new workout on intervals.icu", Op.UPDATE: "changed",
            Op.DELETE: "removed from intervals.icu"}.get(op, "")
