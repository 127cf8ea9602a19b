"""The page: the next days as a week grid, the season as a chart, the state's health.

Server-rendered HTML with one inline ``<style>`` and an inline SVG: no script, no font, no
request to anywhere, so it works offline and under ``syncd.page.style.CONTENT_SECURITY_POLICY``,
which admits that one style block by its hash and nothing else. A session's content opens with
``<details>`` (a click, no script). Every text that comes from the user's data (titles,
names, errors) passes through ``escape``; the tests feed it hostile titles.

Not Jinja2: the page is a few loops over frozen values, and plain functions keep it
importable without a new dependency in the daemon's cycle.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from zoneinfo import ZoneInfo

from syncd.model import Run, RunStatus, Session, SessionStatus
from syncd.page.chart import season_svg
from syncd.page.facts import PageFacts, when
from syncd.page.style import PHASE_COLOURS, STYLE
from syncd.planner import Plan
from syncd.planner.phases import describe_phase
from syncd.render import explain_day


def render_page(f: PageFacts) -> str:
    p = f.plan
    tz = ZoneInfo(p.timezone)
    today = p.now.astimezone(tz).date()
    who = f" · {escape(f.athlete)}" if f.athlete else ""
    phase = describe_phase(today, tuple(r for w in f.weeks for r in w.races), p.phase)
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>syncd{who}: the plan</title>", f"<style>{STYLE}</style></head><body>",
        f"<header><h1>syncd{who}</h1>",
        f'<p>Phase: <strong id="phase">{escape(phase)}</strong> · '
        f'{p.now.astimezone(tz):%a %d %b %Y %H:%M} ({escape(p.timezone)})</p>',
        _banner(f), "</header><main>",
        _grid(f, today, tz), _season(f), _status(f), "</main>",
        f'<footer>syncd {escape(f.version)} · this page is read-only; it changes when syncd '
        "plans again</footer></body></html>"]
    return "\n".join(parts) + "\n"


def _banner(f: PageFacts) -> str:
    failing = [c for c in f.components if c.error]
    tz = f.plan.timezone
    if f.last_cycle is None:
        return ('<p class="banner" id="health">No cycle has run yet: this is the plan '
                "alone.</p>")
    if not failing and not f.cycle_error:
        return (f'<p class="banner ok" id="health">All is well: the last cycle ran '
                f"{when(f.last_cycle, tz)} and every source and calendar answered.</p>")
    names = ", ".join(escape(c.name) for c in failing) or "the cycle"
    return (f'<p class="banner bad" id="health">Needs a look: {names} failing '
            f'(<a href="#status">details</a>).</p>')


def _grid(f: PageFacts, today: date, tz: ZoneInfo) -> str:
    p = f.plan
    days = min(f.horizon_days, 14)
    first = today - timedelta(days=today.weekday())
    out = [f'<section id="days" aria-labelledby="days-h"><h2 id="days-h">The next {days} '
           'days</h2><div class="grid">']
    last = today + timedelta(days=days - 1)
    d = first
    while d <= last + timedelta(days=6 - last.weekday()):
        out.append(_day(p, d, today, last, tz))
        d += timedelta(days=1)
    out.append("</div></section>")
    return "\n".join(out)


def _day(p: Plan, d: date, today: date, last: date, tz: ZoneInfo) -> str:
    cls = "day" + (" today" if d == today else "") + (" past" if d < today else "")
    if d > last:
        cls += " beyond"
    runs = [r for r in p.runs if r.start.astimezone(tz).date() == d]
    sessions = [s for s in p.sessions if s.start.astimezone(tz).date() == d]
    out = [f'<article class="{cls}" data-day="{d.isoformat()}"><h3>{d:%a %d %b}</h3>']
    if runs:
        out.append('<ul class="runs">' + "".join(_run(r, tz) for r in runs) + "</ul>")
    if sessions:
        out.append('<ul class="sessions">' + "".join(_session(s, tz) for s in sessions)
                   + "</ul>")
    if not runs and not sessions:
        out.append('<p class="run">—</p>')
    if p.report(d) is not None and (sessions or runs):
        out.append(f"<details><summary>Why this day</summary><pre>"
                   f"{escape(explain_day(p, d))}</pre></details>")
    out.append("</article>")
    return "".join(out)


def _run(r: Run, tz: ZoneInfo) -> str:
    done = r.status is RunStatus.COMPLETED
    at = f"{r.start.astimezone(tz):%H:%M} " if r.time_known else ""
    return (f'<li class="run {r.kind.value}{" done" if done else ""}">{at}{r.kind.value}'
            f'{" · " + escape(r.title) if r.title else ""} <small>({escape(r.source)})'
            "</small></li>")


def _session(s: Session, tz: ZoneInfo) -> str:
    tags = {SessionStatus.PINNED: "pinned by you", SessionStatus.DECLINED: "declined",
            SessionStatus.DONE: "done", SessionStatus.MISSED: "missed"}
    tag = f'<span class="tag">{tags[s.status]}</span>' if s.status in tags else ""
    lifts = ", ".join(escape(e.name) for e in s.exercises[:2])
    body = []
    if s.warmup:
        body.append(f"<p>{escape(s.warmup)}</p>")
    if s.exercises:
        body.append("<ol>" + "".join(f"<li>{escape(e.describe())}</li>" for e in s.exercises)
                    + "</ol>")
    if s.explanation:
        body.append(f"<p>Why here: {escape(s.explanation)}</p>")
    if s.rules:
        body.append(f"<p>Rules: {escape(', '.join(s.rules))}</p>")
    return (f'<li class="session {s.kind.value} {s.status.value}" data-uid="{escape(s.uid)}">'
            f"<details><summary>{s.start.astimezone(tz):%H:%M}–{s.end.astimezone(tz):%H:%M} "
            f"{escape(s.title or s.kind.value)}{tag}"
            + (f'<span class="lifts">{lifts}</span>' if lifts else "")
            + "</summary>" + "".join(body) + "</details></li>")


def _season(f: PageFacts) -> str:
    rows = "".join(
        f'<tr data-week="{w.monday.isoformat()}"><td>{w.label}</td><td>{w.phase.value}</td>'
        f"<td>{escape(', '.join(f'{r.name} ({r.priority.value})' for r in w.races))}</td>"
        f"<td>{w.done}</td><td>{w.planned}</td><td>{w.missed}</td>"
        f"<td>{w.target}</td><td>{w.run_minutes}</td></tr>" for w in f.weeks)
    legend = "".join(f'<span><i class="sw {ph.value}"></i>{ph.value}</span>'
                     for ph in PHASE_COLOURS)
    legend += ('<span><i class="sw done"></i>done</span><span><i class="sw planned"></i>'
               'planned</span><span><i class="sw missed"></i>missed</span>')
    return ('<section id="season" aria-labelledby="season-h"><h2 id="season-h">The season'
            f'</h2><figure><div class="chart">{season_svg(f.weeks)}</div>'
            f'<figcaption class="legend">{legend}'
            "</figcaption></figure><details><summary>The season as a table</summary>"
            "<table><thead><tr><th>Week of</th><th>Phase</th><th>Races</th><th>Done</th>"
            "<th>Planned</th><th>Missed</th><th>Phase target</th><th>Running (min)</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></details></section>")


def _status(f: PageFacts) -> str:
    tz = f.plan.timezone
    items = [f"<li>Last cycle: {when(f.last_cycle, tz)}"
             + (f' <span class="failing">({escape(f.cycle_error)})</span>'
                if f.cycle_error else "") + "</li>"]
    for c in f.components:
        if c.error:
            retry = f"; next try {when(c.next_try, tz)}" if c.next_try else ""
            health = (f'<span class="failing">failing since the last success '
                      f"{when(c.last_ok, tz)}: {escape(c.error)}{retry}</span>")
        else:
            health = '<span class="fine">ok</span>' + (
                f" ({escape(c.detail)})" if c.detail else "")
        items.append(f'<li data-component="{escape(c.name)}"><strong>{escape(c.name)}'
                     f"</strong>: last run {when(c.last_run, tz)}, {health}</li>")
    items += [f'<li class="failing">Warning: {escape(w)}</li>' for w in f.warnings[:10]]
    feeds = "".join(f"<li>{escape(name)}: <code>{escape(url)}</code></li>"
                    for name, url in f.feed_urls)
    recent = "".join(f"<li>{when(pr.last, tz)} {escape(pr.component)}: {escape(pr.message)}"
                     f"{f' ({pr.count}×)' if pr.count > 1 else ''}</li>"
                     for pr in reversed(f.problems))
    return ('<section id="status" aria-labelledby="status-h"><h2 id="status-h">Status</h2>'
            f'<ul class="status">{"".join(items)}</ul>'
            + (f"<h3>Feeds</h3><ul>{feeds}</ul>" if feeds else "")
            + (f"<h3>Recent problems</h3><ul>{recent}</ul>" if recent else "")
            + f"<p>Version: syncd {escape(f.version)}</p></section>")
