"""Planned runs from the user's training calendar: a CalDAV calendar, an ICS URL or file.

Runna, TrainingPeaks, intervals.icu and Garmin all publish one. Each event is classified
easy/long/quality/race from its title, description and length by the shared classifier
(keywords configurable, several languages built in); an all-day event means the day is
known but not the time. Events that are not runs (rest days, gym, rides) are skipped. An ICS
URL is fetched with If-None-Match, so an unchanged feed costs a 304.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import datetime, time, timedelta
from typing import Any

from syncd.classify import Evidence, Keywords, classify
from syncd.config.loader import RunningCalendar
from syncd.errors import SyncdError, TransientError
from syncd.model import Run, RunStatus
from syncd.planner.uids import is_syncd_uid
from syncd.sources.base import FetchWindow, Observations
from syncd.sources.calendar_events import CalEvent, events_in_window
from syncd.state import State

log = logging.getLogger(__name__)
TIMEOUT = 20
DEFAULT_SKIP = ("rest", "ruhetag", "repos", "descanso", "riposo", "rustdag", "strength",
                "kraft", "gym", "yoga", "pilates", "swim", "schwimm", "bike", "ride", "cycling",
                "rad", "vélo", "cross-training", "crosstraining", "mobility", "stretch")


def runs_from_events(events: list[CalEvent], keywords: Keywords, skip: tuple[str, ...],
                     source: str, tz: Any) -> list[Run]:
    out = []
    for e in events:
        text = f"{e.title} {e.description}".lower()
        if is_syncd_uid(e.uid) or any(_word(w, text) for w in skip):
            continue
        duration = None if e.all_day else (e.end - e.start).total_seconds()
        kind, reason = classify(Evidence(title=e.title, description=e.description,
                                         duration_s=duration), keywords=keywords)
        start, end = e.start, e.end
        if e.all_day:
            start = datetime.combine(e.start.astimezone(tz).date(), time(6, 0), tz)
            end = start + timedelta(hours=1)
        out.append(Run(id=f"{source}:{e.uid}:{e.start.isoformat()}", source=source,
                       start=start, end=end, kind=kind, status=RunStatus.PLANNED,
                       title=e.title or "planned run", reason=reason,
                       time_known=not e.all_day))
    return out


def _word(word: str, text: str) -> bool:
    import re

    return re.search(r"(?<![\w])" + re.escape(word) + r"(?![\w])", text) is not None


class RunningCalendarSource:
    name = "running-calendar"

    def __init__(self, settings: RunningCalendar, state: State, caldav: Any = None) -> None:
        self.settings = settings
        self.state = state
        self.caldav = caldav  # CalDavSettings when the plan lives on the [calendar] server
        self.keywords = Keywords().extended(settings.keywords)
        self.skip = settings.skip_keywords if settings.skip_keywords is not None else DEFAULT_SKIP

    def fetch(self, window: FetchWindow) -> Observations:
        texts: list[str] = []
        s = self.settings
        if s.ics_path is not None:
            try:
                texts.append(s.ics_path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise SyncdError(f"sources.calendar.ics_path: cannot read {s.ics_path}: "
                                 f"{exc}") from None
        if s.ics_url:
            texts.append(self._fetch_url(s.ics_url))
        if s.caldav_calendar:
            texts += self._fetch_caldav(s.caldav_calendar, window)
        start = window.now - timedelta(days=7)
        events = events_in_window(texts, start, window.end, window.tz)
        runs = runs_from_events(events, self.keywords, self.skip, self.name, window.tz)
        return Observations(planned_runs=tuple(runs))

    def _fetch_url(self, url: str) -> str:
        scope = f"ics:{url}"
        etag, body = self.state.get(scope, "etag"), self.state.get(scope, "body")
        req = urllib.request.Request(url, headers={"User-Agent": "syncd",
                                                   **({"If-None-Match": etag}
                                                      if etag and body else {})})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                text = resp.read().decode("utf-8", errors="replace")
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
