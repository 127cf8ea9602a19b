"""The page in a real browser: served by `syncd run`, written by `syncd plan --html`.

Headless Chromium (Debian's) opens the page as a runner would, over real HTTP from the
daemon's feed server with its Content-Security-Policy, and as a file. The DOM is read back
through the DevTools protocol; every request the page makes and every console or log line
it causes is recorded, so "no blocked request, no console error" is asserted, not hoped.
Screenshots (wide and phone) are saved under $SYNCD_TEST_ARTIFACTS (default:
test-artifacts/ in the repository) for a person to look at.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import browser_page, chromium
from tests.integration.test_daemon import wait_until
from tests.integration.test_feed_daemon import FeedDaemon, get

pytestmark = pytest.mark.integration
ARTIFACTS = Path(os.environ.get("SYNCD_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
HOSTILE = "<script>window.pwned=1</script><img src=x onerror='window.pwned=2'>"


@pytest.fixture(autouse=True)
def _need_chromium() -> None:
    if chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium, as .ci/run does)")


def season_config(d: FeedDaemon) -> None:
    d.config.write_text(d.config.read_text().replace("[sources]", """
name = "Alex"
[[races]]
date = 2027-03-14
name = "City Marathon"
priority = "A"
[sources]""", 1))


def page_url(d: FeedDaemon) -> str:
    out = d.syncd("status").stdout
    m = re.search(r"^page: (http://\S+/)", out, re.M)
    assert m, out
    return m.group(1)


async def look(url: str, name: str) -> dict[str, object]:
    async with browser_page() as page:
        await page.open(url)
        facts = await page.js("""({
            days: [...document.querySelectorAll('article.day')].map(e => e.dataset.day),
            sessions: [...document.querySelectorAll('li.session')].map(e => e.dataset.uid),
            phases: [...new Set([...document.querySelectorAll('g.week')]
                                 .map(e => e.dataset.phase))],
            components: [...document.querySelectorAll('li[data-component]')]
                          .map(e => e.dataset.component),
            health: document.getElementById('health').textContent,
            phase: document.getElementById('phase').textContent,
            pwned: window.pwned === undefined ? null : window.pwned,
            images: document.images.length,
            scripts: document.scripts.length,
        })""")
        # A click opens a session's content: no script needed (<details>).
        opened = await page.js("""(() => { const s = document.querySelector(
            'li.session details summary'); s.click();
            return s.parentElement.open && s.parentElement.innerText.length; })()""")
        await page.screenshot(ARTIFACTS / f"{name}-wide.png")
        await page.open(url, width=390, height=844, mobile=True)
        # A phone's 390 px: nothing (a long feed URL, the chart) widens the page itself.
        overflow = await page.js("document.documentElement.scrollWidth - 390")
        await page.screenshot(ARTIFACTS / f"{name}-phone.png")
        facts.update(opened=opened, overflow=overflow, requests=list(page.requests),
                     console=list(page.console))
        return facts


def test_the_daemon_serves_the_page_and_a_browser_shows_it(tmp_path: Path):
    d = FeedDaemon(tmp_path)
    season_config(d)
    try:
        d.start()
        assert wait_until(lambda: (d.state / "feed_token").exists(), 20), d.log.read_text()
        url = page_url(d)
        assert wait_until(lambda: get(url)[0] == 200, 30), d.log.read_text()
        headers = get(url)[1]
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert headers["content-security-policy"].startswith("default-src 'none'")
        assert headers["referrer-policy"] == "no-referrer"
        # The page moves with each cycle (its "last cycle" line): a poll right after a
        # fetch gets 304, unless a cycle ended in between, so a few tries are allowed.
        assert any(get(url, {"If-None-Match": get(url)[1]["etag"]})[0] == 304
                   for _ in range(5))
        wrong = re.sub(r"/[^/]+/$", "/not-the-token/", url)
        assert get(wrong)[0] == 404 and get(wrong)[2] == b""
        plan = json.loads(d.syncd("plan", "--json").stdout)
        facts = asyncio.run(look(url, "page-daemon"))
    finally:
        d.stop()
    assert set(facts["requests"]) == {url}, "the page asks for nothing but itself"
    assert facts["console"] == [], "no console error, no CSP violation"
    assert len(facts["days"]) == 21  # type: ignore[arg-type]
    days = set(facts["days"])  # type: ignore[call-overload]
    planned = {s["uid"] for s in plan["sessions"] if s["start"][:10] in days}
    assert planned and planned <= set(facts["sessions"])  # type: ignore[call-overload]
    # The daemon runs at the real time, with the demo's races (weeks from now) beside the
    # config's: whatever the date, an A race ahead brings its taper, race week and recovery.
    assert {"taper", "race-week", "recovery"} <= set(facts["phases"])  # type: ignore[call-overload]
    assert "source:demo" in facts["components"]  # type: ignore[operator]
    assert str(facts["health"]).startswith("All is well")
    assert "Marathon in" in str(facts["phase"])
    assert facts["opened"], "a click shows the session's content"
    assert facts["overflow"] <= 0, "fits a phone's width"  # type: ignore[operator]


def test_plan_html_writes_the_same_page_and_hostile_text_stays_text(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(f"""
[athlete]
timezone = "Europe/Berlin"
[[races]]
date = 2027-03-14
name = "{HOSTILE}"
[[plan.week]]
day = "tue"
kind = "quality"
time = "07:00"
title = "{HOSTILE}"
""")
    out = tmp_path / "plan.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env["HOME"] = str(tmp_path)
    res = subprocess.run([sys.executable, "-m", "syncd", "--config", str(config), "--state-dir",
                          str(tmp_path / "state"), "--now", "2026-12-04T10:00:00+01:00", "plan",
                          "--html", str(out)], capture_output=True, text=True, timeout=60,
                         env=env, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "state" / "state.sqlite3").exists(), "plan writes no state"
    facts = asyncio.run(look(out.as_uri(), "page-file"))
    assert facts["pwned"] is None and facts["images"] == 0 and facts["scripts"] == 0
    assert set(facts["requests"]) == {out.as_uri()}
    assert facts["console"] == []
    assert "week of" not in str(facts["health"]) and "No cycle has run yet" in str(
        facts["health"])
