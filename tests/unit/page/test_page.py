"""The page as HTML: what it shows, that user text cannot become markup, and its policy.

The page is read back with the standard library's HTML parser, not with the code that
wrote it: every day of the grid, every session of the plan with its content, the season's
weeks and the state's health are found by their elements.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncd.config.loader import parse_config
from syncd.cycle import make_plan
from syncd.model import SessionStatus
from syncd.page.style import CONTENT_SECURITY_POLICY, STYLE
from syncd.sinks.page import page_bytes
from syncd.state import State

HOSTILE = ('<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
           '"><b>&amp;</b></title></style>')
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


class Dom(HTMLParser):
    """Start tags with their attributes, and the text, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        self.text.append(data)

    def having(self, tag: str, attr: str) -> list[str]:
        return [a[attr] or "" for t, a in self.tags if t == tag and attr in a]


def config(tmp: Path, title: str = "Hill repeats", race: str = "City Marathon"):
    return parse_config(f"""
[athlete]
timezone = "Europe/Berlin"
name = "Alex"
[[races]]
date = 2027-03-14
name = {race!r}
priority = "A"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
duration_min = 60
title = {title!r}
[[plan.week]]
day = "sun"
kind = "long"
time = "08:00"
duration_min = 100
title = "Long run"
""".replace("'", '"') if '"' not in title + race else _literal(title, race),
        "config.toml", base_dir=tmp, env={})


def _literal(title: str, race: str) -> str:
    # TOML literal strings ('...') hold quotes and angle brackets as they are.
    return f"""
[athlete]
timezone = "Europe/Berlin"
name = "Alex"
[[races]]
date = 2027-03-14
name = '{race}'
priority = "A"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
duration_min = 60
title = '{title}'
"""


def page(tmp_path: Path, **kw: str) -> tuple[str, object]:
    c = config(tmp_path, **kw)
    state = State(tmp_path / "state", scratch=True)
    try:
        result = make_plan(c, state, NOW)
        assert result.inputs is not None
        html = page_bytes(c, state, result.inputs, result.plan, result.warnings,
                          None).decode()
    finally:
        state.close()
    return html, result.plan


def test_the_grid_shows_every_day_and_every_session_with_its_content(tmp_path: Path):
    html, p = page(tmp_path)
    dom = Dom()
    dom.feed(html)
    days = dom.having("article", "data-day")
    # From this week's Monday to the Sunday of the week that holds the 14th day.
    assert days[0] == "2026-11-30" and days[-1] == "2026-12-20" and len(days) == 21
    uids = set(dom.having("li", "data-uid"))
    shown = {s.uid for s in p.sessions  # type: ignore[attr-defined]
             if "2026-11-30" <= s.start.date().isoformat() <= "2026-12-20"}
    assert shown and shown <= uids
    heavy = next(s for s in p.sessions if s.kind.value == "heavy")  # type: ignore[attr-defined]
    text = "".join(dom.text)
    assert all(e.describe() in text for e in heavy.exercises)
    assert heavy.explanation and heavy.explanation in text
    assert "Hill repeats" in text and "Why this day" in text


def test_the_season_runs_to_the_race_and_its_recovery_with_each_phase(tmp_path: Path):
    html, _ = page(tmp_path)
    dom = Dom()
    dom.feed(html)
    phases = dom.having("g", "data-phase")
    weeks = dom.having("g", "data-week")
    assert weeks[0] == "2026-11-02", "four weeks back"
    assert weeks[-1] == "2027-03-22", "the week that ends the 14 days of recovery"
    # Phases follow each other in the order of the season, each at least once.
    order = [ph for i, ph in enumerate(phases) if i == 0 or phases[i - 1] != ph]
    # 14 Mar 2027 is 129 days after Thu 5 Nov (base) and 84 after 20 Dec (build starts).
    assert order == ["base", "build", "peak", "taper", "race-week", "recovery"]
    assert "City Marathon (A race, Sun 14 Mar)" in "".join(dom.text)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", html, re.S)
    assert desc and "peak from the week of" in desc.group(1), "the chart in words"


def test_status_says_when_no_cycle_ran_and_names_the_version(tmp_path: Path):
    html, _ = page(tmp_path)
    assert 'id="health">No cycle has run yet' in html
    assert "Version: syncd " in html


def test_a_hostile_title_stays_text(tmp_path: Path):
    html, _ = page(tmp_path, title=HOSTILE, race=HOSTILE)
    dom = Dom()
    dom.feed(html)
    assert not [t for t, _ in dom.tags if t in ("script", "img", "b")], "no markup from data"
    assert "<script" not in html and "onerror=\"" not in html
    assert HOSTILE in "".join(dom.text), "the title is shown as the user wrote it"


def test_the_policy_admits_the_one_style_block_and_nothing_else(tmp_path: Path):
    html, _ = page(tmp_path)
    dom = Dom()
    dom.feed(html)
    assert dom.style == STYLE
    digest = base64.b64encode(hashlib.sha256(dom.style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert not [a for _, a in dom.tags if "style" in a], "no style= attribute (CSP blocks it)"
    assert not dom.having("script", "src") and "<script" not in html


@pytest.mark.parametrize("status,tag", [(SessionStatus.PINNED, "pinned by you"),
                                        (SessionStatus.DECLINED, "declined")])
def test_pinned_and_declined_sessions_are_marked(tmp_path: Path, status: SessionStatus,
                                                 tag: str):
    from dataclasses import replace

    from syncd.page.facts import page_facts
    from syncd.page.html import render_page

    c = config(tmp_path)
    state = State(tmp_path / "state", scratch=True)
    try:
        result = make_plan(c, state, NOW)
        assert result.inputs is not None
        p = result.plan
        first = next(s for s in p.sessions if s.start > NOW)
        p = replace(p, sessions=tuple(replace(s, status=status) if s.uid == first.uid else s
                                      for s in p.sessions))
        html = render_page(page_facts(c, state, result.inputs, p, [], None))
    finally:
        state.close()
    li = re.search(rf'<li class="session [a-z]+ {status.value}" data-uid="{first.uid}">'
                   r".*?</li>", html, re.S)
    assert li and tag in li.group(0)
