"""Calls a cycle makes to Strava: the first sync, a quiet cycle, a cycle with one new run,
the day's 14-day re-read, and a cycle whose access token expired.

Run: python bench/bench_strava.py
syncd's Strava source talks to the local fake Strava (tests/integration/fake_strava.py),
which logs every request. The athlete has 600 activities over ~125 days (runs, rides, gym).
Targets (issue #25): a quiet cycle makes at most one list call; no call at all while a
rate-limit window is used up.
A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_httpserver import HTTPServer

from syncd.config.loader import parse_config
from syncd.sources.base import FetchWindow
from syncd.sources.strava import StravaSource
from syncd.sources.strava_auth import token_path
from syncd.state import State
from tests.integration.fake_strava import CLIENT_ID, CLIENT_SECRET, FakeStrava

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 12, 5, tzinfo=TZ)


def cycle(fake: FakeStrava, src: StravaSource, now: datetime) -> tuple[int, int]:
    """(list calls, token calls) of one fetch."""
    lists, tokens = fake.calls("list"), fake.calls("token")
    src.fetch(FetchWindow(now, now - timedelta(weeks=16), now + timedelta(days=21), TZ))
    return fake.calls("list") - lists, fake.calls("token") - tokens


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake's request log
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        fake = FakeStrava(server)
        fake.generate(600, NOW - timedelta(hours=2), every_hours=5)
        with tempfile.TemporaryDirectory() as tmp:
            cfg = parse_config(
                f'[athlete]\ntimezone = "Europe/Berlin"\n[sources.strava]\nenabled = true\n'
                f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
                f'api_url = "{fake.url}"\n', "bench.toml", base_dir=Path(tmp), env={})
            assert cfg.strava is not None
            state = State(Path(tmp) / "s")
            token_path(state.directory).write_text(json.dumps(fake.grant()))
            src = StravaSource(cfg.strava, state)
            rows = [("first sync (112 days, 600 activities in all)", cycle(fake, src, NOW))]
            rows.append(("quiet cycle", cycle(fake, src, NOW + timedelta(minutes=15))))
            fake.add(0, NOW + timedelta(minutes=20))
            rows.append(("one new run", cycle(fake, src, NOW + timedelta(minutes=90))))
            rows.append(("quiet cycle", cycle(fake, src, NOW + timedelta(minutes=105))))
            rows.append(("the day's 14-day re-read", cycle(fake, src, NOW + timedelta(days=1))))
            fake.expire_access()
            rows.append(("access token refused (401)",
                         cycle(fake, src, NOW + timedelta(days=1, minutes=15))))
            fake.usage = [fake.limit[0], 900]
            rows.append(("15-minute window used up (429)", _limited(fake, src)))
            rows.append(("next cycle inside that window",
                         _limited(fake, src, NOW + timedelta(days=1, minutes=35))))
            state.close()
    finally:
        server.clear()
        server.stop()
    print(f"{'cycle':<48} {'list calls':>10} {'token calls':>12}")
    for what, (lists, tokens) in rows:
        print(f"{what:<48} {lists:>10} {tokens:>12}")


def _limited(fake: FakeStrava, src: StravaSource,
             now: datetime = NOW + timedelta(days=1, minutes=31)) -> tuple[int, int]:
    from syncd.errors import TransientError

    lists, tokens = fake.calls("list"), fake.calls("token")
    try:
        src.fetch(FetchWindow(now, now - timedelta(weeks=16), now + timedelta(days=21), TZ))
    except TransientError as exc:
        print(f"  ({exc}; retry after {exc.retry_after:.0f} s)")
    return fake.calls("list") - lists, fake.calls("token") - tokens


if __name__ == "__main__":
    main()
