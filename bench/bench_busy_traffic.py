"""Busy-calendar traffic per quiet cycle: reading the window whole vs by sync token.

Run: python bench/bench_busy_traffic.py
Radicale, Xandikos and SabreDAV (without sync-collection, where PHP has it installed) run on
127.0.0.1 behind the counting proxy (tests/proxy.py). A busy
calendar holds 50, then 200 events (a weekly meeting, one-off meetings over the planning
window and some history). For each, the busy source runs cycles in which nothing changed:
"before" is the old way (a calendar-query of the window, ``caldav_conn.event_texts``, which
the source still uses for a calendar too large to cache), "after" the sync-token cache
(``syncd.sources.caldav_busy``). Each case runs 5 times (a new source each time, as the
daemon's child per cycle) and the worst is shown. Then one event changes, and the cost of
the cycle that sees it is shown. Issue 19's target: a quiet cycle is 1 small request per
calendar, whatever its size.
A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncd.caldav_conn import connect, event_texts
from syncd.config.loader import CalDavSettings, Secret
from syncd.sinks.vtimezone import vtimezone
from syncd.sources.base import FetchWindow
from syncd.sources.busy import CalDavBusySource
from syncd.state import State
from tests.proxy import start_proxy

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=TZ)
WINDOW = FetchWindow(now=NOW, start=NOW - timedelta(days=42), end=NOW + timedelta(days=21),
                     tz=TZ)
REPEAT = 5
ZONE = vtimezone("Europe/Berlin", 2026).to_ical().decode()


def event(i: int, shift: int = 0) -> str:
    """Event i: one weekly series, then meetings over the planning window (as a work
    calendar is), each with its VTIMEZONE as calendar apps store them."""
    start = NOW.replace(hour=9) + timedelta(days=i % 21, hours=i % 8, minutes=shift)
    rule = "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n" if i == 0 else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n" + ZONE
            + "BEGIN:VEVENT\r\n"
            f"UID:busy-{i}@bench\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID=Europe/Berlin:{start + timedelta(minutes=50):%Y%m%dT%H%M%S}\r\n"
            f"{rule}SUMMARY:Meeting {i} with the team about the quarterly numbers\r\n"
            "DESCRIPTION:Agenda: numbers\\, plans\\, questions. Dial-in details follow.\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


def bench_server(kind: str, port: int, root: Path) -> None:
    proxy, counter = start_proxy(port)
    url = f"http://127.0.0.1:{proxy.server_address[1]}/"
    user = "user" if kind == "xandikos" else "bench"
    how = " (no sync-collection: an ETag listing)" if kind == "sabre" else ""
    print(f"\n{kind}{how}: per quiet cycle, worst of {REPEAT}")
    for n in (50, 200):
        name = f"Work {n}"
        settings = CalDavSettings(url=url, username=user, password=Secret("x", "bench"),
                                  name="Strength", calendar_url=None, busy_calendars=(name,),
                                  alarm_minutes=None)
        import caldav

        client = caldav.DAVClient(url=url, username=user, password="x", auth_type="basic",
                                  enable_rfc6764=False, require_tls=False)
        cal = client.principal().make_calendar(name=name)
        for i in range(n):
            cal.save_event(event(i))
        state_dir = root / f"state-{kind}-{n}"
        first = CalDavBusySource(settings, State(state_dir))
        first.fetch(WINDOW)  # discovery and the first full sync
        counter.take()
        cal_url = str(cal.url)
        worst_before = (0, 0)
        for _ in range(REPEAT):
            event_texts(connect(settings), cal_url, WINDOW.now, WINDOW.end)
            worst_before = max(worst_before, counter.take())
        worst_after: tuple[int, int] = (0, 0)
        busy = 0
        for _ in range(REPEAT):
            got = CalDavBusySource(settings, State(state_dir)).fetch(WINDOW)
            busy = len(got.busy)
            worst_after = max(worst_after, counter.take())
        print(f"  {n:>3} events  before (window query): {worst_before[0]:>3} req "
              f"{worst_before[1] / 1000:>7.1f} kB   after (cached):     {worst_after[0]:>3} req "
              f"{worst_after[1] / 1000:>7.1f} kB   ({busy} busy intervals in the window)")
        cal.save_event(event(5, shift=30))
        counter.take()
        CalDavBusySource(settings, State(state_dir)).fetch(WINDOW)
        seen = list(counter.seen)
        req, by = counter.take()
        print(f"             the cycle after one event changed: {req} req {by / 1000:.1f} kB"
              f"   ({', '.join(seen)})")


def main() -> None:
    from tests.integration.servers import radicale, sabre, sabre_unavailable, xandikos

    root = Path(tempfile.mkdtemp())
    try:
        for make in (radicale, xandikos, sabre):
            if make is sabre and sabre_unavailable():
                print(f"\nsabre: not run ({sabre_unavailable()})")
                continue
            server = make(root / make.__name__)
            server.start()
            try:
                bench_server(server.kind, server.port, root)
            finally:
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
