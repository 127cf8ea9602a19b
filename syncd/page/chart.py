"""The season as an inline SVG: a column per week, drawn by syncd, no chart service.

Each week shows its phase (a coloured band), its races (a flag), its lifting sessions (a
stack: done, planned, missed; a dashed outline for the phase's target where the plan does
not reach yet) and its running time (a line over the completed weeks). Colours come as
presentation attributes, never ``style=``, so the page keeps a strict Content-Security-Policy.
Every mark carries a ``<title>``, and the page puts the same numbers in a table beside it.
"""

from __future__ import annotations

from html import escape

from syncd.model import Phase, RacePriority
from syncd.page.season import Week
from syncd.page.style import DONE, MISSED, PHASE_COLOURS, PLANNED

COL = 26  # px per week
UNIT = 14  # px per lifting session
TOP = 34  # races and labels above the phase band
BAND = 16
LIFT_H = 4 * UNIT + 6
RUN_H = 60
BOTTOM = 26
SCALE = 2  # drawn at twice its units; the page's CSS shrinks it to fit a phone
FONT = 'font-size="7" fill="currentColor"'


def season_svg(weeks: tuple[Week, ...]) -> str:
    width = max(1, len(weeks)) * COL + 8
    lift_top = TOP + BAND + 18
    run_top = lift_top + LIFT_H + 20
    height = run_top + RUN_H + BOTTOM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width * SCALE}" height="{height * SCALE}" role="img" '
           'aria-labelledby="season-title season-desc" '
           f'class="season-chart" preserveAspectRatio="xMinYMin meet">',
           '<title id="season-title">The season week by week</title>',
           f'<desc id="season-desc">{escape(describe(weeks))}</desc>']
    most = max([w.run_minutes for w in weeks] + [1])
    points = []
    for i, w in enumerate(weeks):
        x = 4 + i * COL
        out.append(f'<g class="week" data-week="{w.monday.isoformat()}" '
                   f'data-phase="{w.phase.value}">')
        out.append(f'<rect x="{x}" y="{TOP}" width="{COL - 2}" height="{BAND}" '
                   f'fill="{PHASE_COLOURS[w.phase]}"><title>week of {w.label}: '
                   f'{w.phase.value}</title></rect>')
        for j, race in enumerate(w.races):
            size = 9 if race.priority is RacePriority.A else 6
            cx, top = x + COL // 2 - 1, TOP - 4 - j * 10
            out.append(f'<path class="race" d="M{cx} {top} l{-size // 2} {-size} h{size} z" '
                       f'fill="{MISSED if race.priority is RacePriority.A else "#555"}">'
                       f'<title>{escape(race.name)} ({race.priority.value} race, '
                       f'{race.day:%a %d %b})</title></path>')
        out += _lifting(w, x, lift_top + LIFT_H)
        if w.when != "ahead":
            y = run_top + RUN_H - round(w.run_minutes / most * (RUN_H - 4))
            points.append((x + COL // 2 - 1, y, w))
        if w.when == "now":
            out.append(f'<line x1="{x - 1}" y1="{TOP - 2}" x2="{x - 1}" '
                       f'y2="{run_top + RUN_H}" stroke="#333" stroke-dasharray="3 2">'
                       '<title>this week</title></line>')
        if i % 4 == 0:
            out.append(f'<text x="{x}" y="{height - 8}" {FONT}>'
                       f'{w.label}</text>')
        out.append("</g>")
    if len(points) > 1:
        coords = " ".join(f"{px},{py}" for px, py, _ in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="#6d4c41" '
                   'stroke-width="2"/>')
    for px, py, w in points:
        out.append(f'<circle cx="{px}" cy="{py}" r="3" fill="#6d4c41"><title>week of '
                   f'{w.label}: {w.run_minutes} min of running</title></circle>')
    out.append(f'<text x="4" y="{lift_top - 6}" {FONT}>lifting sessions a week</text>')
    out.append(f'<text x="4" y="{run_top - 6}" {FONT}>running a week (top: {most} min)'
               '</text>')
    out.append("</svg>")
    return "\n".join(out)


def _lifting(w: Week, x: int, base: int) -> list[str]:
    out = []
    y = base
    for count, colour, what in ((w.done, DONE, "done"), (w.planned, PLANNED, "planned"),
                                (w.missed, MISSED, "missed")):
        for _ in range(min(count, 4)):
            y -= UNIT
            fill = colour if what != "planned" else "none"
            out.append(f'<rect class="lift {what}" x="{x + 3}" y="{y + 1}" width="{COL - 8}" '
                       f'height="{UNIT - 3}" fill="{fill}" stroke="{colour}" stroke-width="2">'
                       f'<title>week of {w.label}: {w.done} done, {w.planned} planned, '
                       f'{w.missed} missed</title></rect>')
    if w.when == "ahead" and not (w.done or w.planned or w.missed) and w.target:
        h = min(w.target, 4) * UNIT
        out.append(f'<rect class="lift target" x="{x + 3}" y="{base - h + 1}" '
                   f'width="{COL - 8}" height="{h - 3}" fill="none" stroke="#888" '
                   f'stroke-dasharray="3 2"><title>week of {w.label}: the {w.phase.value} '
                   f'phase asks for {w.target} lifting sessions</title></rect>')
    return out


def describe(weeks: tuple[Week, ...]) -> str:
    """The chart in words: the phases in order with their dates, and the races."""
    if not weeks:
        return "No weeks to show."
    spans: list[tuple[Phase, Week, Week]] = []
    for w in weeks:
        if spans and spans[-1][0] is w.phase:
            spans[-1] = (w.phase, spans[-1][1], w)
        else:
            spans.append((w.phase, w, w))
    parts = [f"{ph.value} from the week of {a.label} to the week of {b.label}"
             for ph, a, b in spans]
    races = [f"{r.name} ({r.priority.value}) on {r.day:%d %b %Y}" for w in weeks
             for r in w.races]
    text = f"{len(weeks)} weeks: " + "; ".join(parts) + "."
    if races:
        text += " Races: " + ", ".join(races) + "."
    return text
