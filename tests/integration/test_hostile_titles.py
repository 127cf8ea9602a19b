"""Titles holding every control and bidi character, from the config's weekly template and
from a planned-run calendar, reach no output raw: not the ICS file, not the live feed, not
the terminal (`plan`, `plan --explain`, `run --once`, `config check`) (issue 20).

The commands run in-process through click's runner (many examples, each a few commands);
the feed is served by the real server on an ephemeral port from the files the cycle wrote.
"""

from __future__ import annotations

import http.client
import json
import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syncd.cli import main
from syncd.config.loader import FeedSettings
from syncd.feed.files import read_token
from syncd.feed.server import FeedServer
from syncd.text import TITLE_MAX, clean_title

HOSTILE = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                            *range(0x2066, 0x206A), 0x2028, 0x2029]]
ISSUE_TITLE = "Hills\r\nSUMMARY:INJECTED\r\nEND:VEVENT\u001b]0;pwned\u0007\u0000"
NOW = "2026-11-24T06:30"
RUN_DAY = "2026-11-26"  # the planned run from the calendar (Thursday)
TEMPLATE_DAY = "2026-11-24"  # the template's run (Tuesday)

titles = st.text(st.one_of(st.sampled_from(HOSTILE), st.sampled_from("Hills x;,\\\"'"),
                           st.characters(codec="utf-8")), min_size=1, max_size=400)


def toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in HOSTILE or c in '"\\' or 0xD800 <= ord(c) <= 0xDFFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def ics_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def write_inputs(home: Path, template_title: str, feed_title: str) -> Path:
    (home / "plan.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:hostile-1\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{RUN_DAY.replace('-', '')}T070000\r\n"
        f"DTEND;TZID=Europe/Berlin:{RUN_DAY.replace('-', '')}T080000\r\n"
        f"SUMMARY:{ics_text(feed_title)}\r\nDESCRIPTION:{ics_text(feed_title)}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8", errors="surrogatepass")
    config = home / "config.toml"
    config.write_text(
        '[athlete]\ntimezone = "Europe/Berlin"\nrunning_since = "2020-01-01"\n'
        f"name = {toml_string('Ana ' + template_title)}\n"
        '[[plan.week]]\nday = "tue"\nkind = "quality"\ntime = "07:00"\n'
        f"title = {toml_string(template_title[:TITLE_MAX])}\n"
        '[sources.calendar]\nics_path = "plan.ics"\n'
        '[ics]\npath = "out/strength.ics"\n'
        '[feed]\nlisten = "127.0.0.1:1"\n', encoding="utf-8", errors="surrogatepass")
    return config


def served_feed(state_dir: Path) -> bytes:
    server = FeedServer(FeedSettings("127.0.0.1", 0, None, "Strength", "Busy", 60, None),
                        state_dir)
    server.start(lambda: None)
    try:
        assert server.address is not None
        conn = http.client.HTTPConnection(*server.address, timeout=10)
        conn.request("GET", f"/{read_token(state_dir)}/strength.ics")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == 200
        return body
    finally:
        server.stop()


def assert_clean_terminal(what: str, text: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if c in HOSTILE and c != "\n"})
    assert not bad, f"{what} printed {bad} raw"


def assert_clean_ics(what: str, data: bytes) -> None:
    text = data.decode("utf-8").replace("\r\n", "")
    bad = sorted({f"U+{ord(c):04X}" for c in text if c in HOSTILE})
    assert not bad, f"{what} holds {bad} raw"


@settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "20")))
@given(template_title=titles, feed_title=titles)
@example(template_title=ISSUE_TITLE, feed_title=ISSUE_TITLE + "\u202e\u2066\b\x9b2J" * 30)
def test_hostile_titles_reach_no_output_raw(template_title: str, feed_title: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        config = write_inputs(home, template_title, feed_title)
        state = home / "state"
        runner = CliRunner()

        json_out: list[str] = []

        def cli(*args: str) -> str:
            res = runner.invoke(main, ["--config", str(config), "--state-dir", str(state),
                                       "--now", NOW, *args])
            assert res.exception is None or isinstance(res.exception, SystemExit), res.output
            assert "internal error" not in res.output
            json_out.append(res.stdout)
            return res.output  # stdout and stderr as the terminal shows them

        outputs = {
            "run --once": cli("run", "--once"),
            "plan": cli("plan"),
            "plan --explain (calendar run)": cli("plan", "--explain", RUN_DAY),
            "plan --explain (template run)": cli("plan", "--explain", TEMPLATE_DAY),
            "plan --json": cli("plan", "--json"),
            "config check": cli("config", "check"),
        }
        for what, text in outputs.items():
            assert_clean_terminal(what, text)
        ics = (home / "out" / "strength.ics").read_bytes()
        assert_clean_ics("the ICS file", ics)
        assert_clean_ics("the live feed", served_feed(state))
        # The cleaned titles arrived (nothing was simply dropped), each at most TITLE_MAX.
        runs = json.loads(json_out[4])["runs"]
        expected = clean_title(feed_title) or "planned run"
        assert expected in [r["title"] for r in runs]
        assert all(len(r["title"]) <= TITLE_MAX for r in runs)
