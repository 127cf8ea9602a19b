"""What syncd actually writes reads right in a VTIMEZONE-evaluating reader (issue 19).

The reported symptom, end to end: an 18:00 Europe/Berlin session in June, written by the
ICS sink and by the CalDAV sink to a real server and read back from it, is read by vobject
(which evaluates the VTIMEZONE, here under a TZID no library knows by name) at 16:00 UTC,
in 2027 and past 2038 alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import vobject

from syncd.config.loader import IcsSettings
from syncd.model import Session, SessionKind
from syncd.sinks.ics import IcsFileSink
from syncd.state import State
from tests.helpers import TZ
from tests.integration.caldav_helpers import User, make_sink, settings_for
from tests.integration.servers import Server

STARTS = [datetime(2027, 6, 22, 18, 0, tzinfo=TZ), datetime(2040, 6, 19, 18, 0, tzinfo=TZ),
          datetime(2040, 12, 18, 18, 0, tzinfo=TZ)]


def sessions() -> list[Session]:
    return [Session(uid=f"syncd-{s:%Y%m%d}-1@syncd", kind=SessionKind.HEAVY, start=s,
                    end=s + timedelta(minutes=45), title="Heavy strength · 45 min")
            for s in STARTS]


def vobject_starts(text: str, tag: str) -> dict[str, datetime]:
    alias = f"Probe-stored-{tag}"
    text = text.replace("TZID:Europe/Berlin", f"TZID:{alias}")
    text = text.replace("TZID=Europe/Berlin", f"TZID={alias}")
    assert "COMMENT" not in text and "2038-01-01" not in text
    cal = vobject.readOne(text)
    out = {}
    for ev in cal.vevent_list:
        start = ev.dtstart.value
        assert type(start.tzinfo).__module__.startswith("dateutil")
        out[ev.uid.value] = start.astimezone(UTC)
    return out


def want() -> dict[str, datetime]:
    return {s.uid: s.start.astimezone(UTC) for s in sessions()}


def test_the_ics_file_reads_right_by_its_vtimezone(tmp_path: Path) -> None:
    state = State(tmp_path / "state")
    path = tmp_path / "s.ics"
    IcsFileSink(IcsSettings(path, "Strength", None), state, "Europe/Berlin").push(
        sessions(), STARTS[0] - timedelta(days=1), dry_run=False)
    got = vobject_starts(path.read_text(), "ics")
    assert got == want()
    assert got["syncd-20270622-1@syncd"].hour == 16  # UTC+2 in June
    assert got["syncd-20401218-1@syncd"].hour == 17  # UTC+1 in December
    state.close()


def test_caldav_events_read_right_by_their_vtimezone(pip_caldav_server: Server,
                                                     tmp_path: Path) -> None:
    settings = settings_for(pip_caldav_server)
    sink = make_sink(settings, tmp_path / "state")
    now = STARTS[0] - timedelta(days=1)
    sink.pull(now)
    sink.push(sessions(), now, dry_run=False)
    stored: list[Any] = list(User(pip_caldav_server, settings).calendar().events())
    assert len(stored) == len(STARTS)
    got: list[datetime] = []
    for i, obj in enumerate(stored):  # each stored object carries its own VTIMEZONE
        got += vobject_starts(str(obj.data), f"{pip_caldav_server.kind}-{i}").values()
    assert sorted(got) == sorted(want().values())
