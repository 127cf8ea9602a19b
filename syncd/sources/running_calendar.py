"""Planned runs from the user's training calendar: a CalDAV calendar, an ICS URL or file.

Runna, TrainingPeaks, intervals.icu and Garmin all publish one. Each event is classified
easy/long/quality/race from its title, description and length by the shared classifier
(keywords configurable, several languages built in); an all-day event means the day is
known but not the time. Events that are not runs (rest days, gym, rides) are skipped. An ICS
URL is fetched with If-None-Match, so an unchanged feed costs a 304.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from datetime import datetime, time, timedelta
from typing import Any

from syncd.classify import Evidence, Keywords, classify
from syncd.config.loader import RunningCalendar
from syncd.errors import SyncdError, TransientError
from syncd.model import Run, RunKind, RunStatus
from syncd.planner.uids import is_syncd_uid
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.calendar_events import (
    MAX_BYTES,
    CalEvent,
    events_in_window,
    file_chunks,
    read_calendar,
)
from syncd.state import State
from syncd.text import TITLE_MAX, clean_title, printable, strip_controls

log = logging.getLogger(__name__)
TIMEOUT = 20
SCOPE = "running-calendar"
DESCRIPTION_READ = 4000  # characters of an event's description the classifier reads
DEFAULT_SKIP = ("rest", "ruhetag", "repos", "descanso", "riposo", "rustdag", "strength",
                "kraft", "gym", "yoga", "pilates", "swim", "schwimm", "bike", "ride", "cycling",
                "rad", "vélo", "cross-training", "crosstraining", "mobility", "stretch")


def runs_from_events(events: list[CalEvent], keywords: Keywords, skip: tuple[str, ...],
                     source: str, tz: Any) -> list[Run]:
    skipped = _words(skip)
    out = []
    for e in events:
        # The feed is anyone's text: one clean line of at most TITLE_MAX characters from
        # here on (the ICS file, the live feed, the terminal), and a bounded description.
        title = clean_title(e.title)
        description = strip_controls(e.description[:DESCRIPTION_READ])
        text = f"{title} {description}".lower()
        if is_syncd_uid(e.uid) or (skipped is not None and skipped.search(text)):
            continue
        duration = None if e.all_day else (e.end - e.start).total_seconds()
        kind, reason = classify(Evidence(title=title, description=description,
                                         duration_s=duration), keywords=keywords)
        start, end = e.start, e.end
        if e.all_day:
            start = datetime.combine(e.start.astimezone(tz).date(), time(6, 0), tz)
            end = start + timedelta(hours=1)
        out.append(Run(id=f"{source}:{e.uid}:{e.start.isoformat()}", source=source,
                       start=start, end=end, kind=kind, status=RunStatus.PLANNED,
                       title=title or "planned run", reason=reason,
                       time_known=not e.all_day))
    return out


def _words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all skip words, each matched as a whole word."""
    if not words:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w])")


def run_json(r: Run) -> dict[str, Any]:
    return {"id": r.id, "source": r.source, "start": r.start.isoformat(),
            "end": r.end.isoformat(), "kind": r.kind.value, "status": r.status.value,
            "title": r.title, "reason": r.reason, "time_known": r.time_known,
            "distance_m": r.distance_m}


def run_from_json(d: dict[str, Any]) -> Run:
    return Run(id=d["id"], source=d["source"], start=datetime.fromisoformat(d["start"]),
               end=datetime.fromisoformat(d["end"]), kind=RunKind(d["kind"]),
               status=RunStatus(d["status"]), title=clean_title(d["title"]), reason=d["reason"],
               time_known=d["time_known"], distance_m=d["distance_m"])


class RunningCalendarSource:
    """Each configured calendar (file, URL, CalDAV) is one part, read on its own: the runs
    of a part that read well are kept in the state, so a part that fails later (a file
    being rewritten, a feed down) is replaced by its last good copy, not by nothing."""

    name = "running-calendar"

    def __init__(self, settings: RunningCalendar, state: State, caldav: Any = None) -> None:
        self.settings = settings
        self.state = state
        self.caldav = caldav  # CalDavSettings when the plan lives on the [calendar] server
        self.keywords = Keywords().extended(settings.keywords)
        self.skip = settings.skip_keywords if settings.skip_keywords is not None else DEFAULT_SKIP

    def _parts(self) -> list[str]:
        s = self.settings
        return [key for key, value in (("ics_path", s.ics_path), ("ics_url", s.ics_url),
                                       ("caldav_calendar", s.caldav_calendar)) if value]

    def fetch(self, window: FetchWindow) -> Observations:
        start = window.now - timedelta(days=7)
        runs: list[Run] = []
        notes: list[str] = []
        failed: list[SyncdError] = []
        for part in self._parts():
            warnings: list[str] = []
            try:
                events = self._read(part, window, start, warnings)
            except SyncdError as exc:
                failed.append(exc)
                continue
            got = runs_from_events(events, self.keywords, self.skip, self.name, window.tz)
            if cut := sum(len(e.title) > TITLE_MAX for e in events):
                warnings.append(f"sources.calendar.{part}: {cut} event title(s) longer than "
                                f"{TITLE_MAX} characters were cut to {TITLE_MAX}")
            self.state.put(SCOPE, f"last_good:{part}", json.dumps(
                {"at": window.now.isoformat(), "runs": [run_json(r) for r in got],
                 "warnings": warnings}))
            runs += got
            notes += [printable(w) for w in warnings]
        if failed:  # gather() then plans with cached(): the good parts' fresh copies included
            if all(isinstance(e, TransientError) for e in failed):
                raise TransientError("; ".join(str(e) for e in failed))
            raise SyncdError("; ".join(str(e) for e in failed))
        return Observations(planned_runs=tuple(runs), notes=tuple(notes))

    def cached(self, window: FetchWindow) -> Observations:
        """The last good copy of each part; a part never read is said loudly to be missing."""
        since = window.now - timedelta(days=7)
        runs: list[Run] = []
        notes: list[str] = []
        for part in self._parts():
            raw = self.state.get(SCOPE, f"last_good:{part}")
            if raw is None:
                notes.append(f"RUNNING PLAN MISSING: sources.calendar.{part} could not be read "
                             "and no earlier copy is kept; sessions are planned as if you "
                             "had no planned runs there")
                continue
            data = json.loads(raw)
            runs += [r for r in map(run_from_json, data["runs"])
                     if r.end > since and r.start < window.end]
            notes += data["warnings"]
            log.info("running calendar %s: using the copy read at %s", part, data["at"])
        return Observations(planned_runs=tuple(runs), notes=tuple(notes))

    def _read(self, part: str, window: FetchWindow, start: datetime,
              warnings: list[str]) -> list[CalEvent]:
        s = self.settings
        if part == "ics_path" and s.ics_path is not None:
            where = f"sources.calendar.ics_path ({s.ics_path})"
            try:
                with s.ics_path.open("rb") as f:
                    return read_calendar(file_chunks(f, where, warnings), start, window.end,
                                         window.tz, warnings, where)
            except OSError as exc:
                raise SyncdError(f"sources.calendar.ics_path: cannot read {s.ics_path}: "
                                 f"{exc.strerror or exc}") from None
        if part == "ics_url" and s.ics_url:
            where = "sources.calendar.ics_url"
            return read_calendar([self._fetch_url(s.ics_url, warnings)], start, window.end,
                                 window.tz, warnings, where)
        assert s.caldav_calendar is not None
        texts = self._fetch_caldav(s.caldav_calendar, window)
        return events_in_window(texts, start, window.end, window.tz, warnings)

    def _fetch_url(self, url: str, warnings: list[str]) -> str:
        scope = f"ics:{url}"
        etag, body = self.state.get(scope, "etag"), self.state.get(scope, "body")
        req = urllib.request.Request(url, headers={"User-Agent": "syncd",
                                                   **({"If-None-Match": etag}
                                                      if etag and body else {})})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                data = resp.read(MAX_BYTES + 1)
                if len(data) > MAX_BYTES:
                    text = (f"sources.calendar.ics_url is larger than {MAX_BYTES // 2**20} "
                            f"MiB; only its first {MAX_BYTES // 2**20} MiB were read")
                    warnings.append(text)
                    data = data[:MAX_BYTES]
                text = data.decode("utf-8", errors="replace")
                del data
                new_etag = resp.headers.get("ETag")
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and body is not None:
                return body
            if exc.code >= 500 or exc.code == 429:
                raise TransientError(f"running calendar feed answered {exc.code}; "
                                     "will retry") from None
            raise SyncdError(f"sources.calendar.ics_url answered {exc.code}: check the "
                             "URL") from None
        except (urllib.error.URLError, OSError) as exc:
            raise TransientError(f"running calendar feed did not answer ({exc}); "
                                 "will retry") from None
        self.state.put(scope, "etag", new_etag)
        self.state.put(scope, "body", text)
        return text

    def _fetch_caldav(self, name: str, window: FetchWindow) -> list[str]:
        from syncd.caldav_conn import connect, event_texts, find_calendar, guarded

        if self.caldav is None:
            raise SyncdError("sources.calendar.caldav_calendar needs a [calendar] server")
        with guarded(self.caldav, f"reading running calendar '{name}'"):
            client = connect(self.caldav)
            url = find_calendar(client, self.caldav, name, create=False)
            return event_texts(client, url, window.now - timedelta(days=7), window.end)
