"""Show a plan to a person (a table, one day's reasoning) or to a program (JSON).

The JSON field names are a contract with other tools: keep them.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncd.model import Session, SessionStatus
from syncd.planner import Plan
from syncd.planner.rule_names import legend
from syncd.planner.slots import summarise_rejections
from syncd.text import json_printable, printable

RUNS_WIDTH = 40


def plan_json(p: Plan) -> str:
    tz = ZoneInfo(p.timezone)

    def iso(dt: Any) -> str:
        return str(dt.astimezone(tz).isoformat())

    doc = {
        "now": iso(p.now),
        "timezone": p.timezone,
        "phase": p.phase.value,
        "runs": [{"start": iso(r.start), "end": iso(r.end), "kind": r.kind.value,
                  "status": r.status.value, "title": r.title, "source": r.source,
                  "reason": r.reason} for r in p.runs],
        "sessions": [{"uid": s.uid, "kind": s.kind.value, "start": iso(s.start),
                      "end": iso(s.end), "status": s.status.value, "title": s.title,
                      "rules": list(s.rules), "explanation": s.explanation,
                      "exercises": [e.describe() for e in s.exercises]} for s in p.sessions],
        "warnings": list(p.warnings),
    }
    return json_printable(json.dumps(doc, indent=2, ensure_ascii=False))


def plan_table(p: Plan, days: int) -> str:
    tz = ZoneInfo(p.timezone)
    today = p.now.astimezone(tz).date()
    lines = [f"syncd plan · now {p.now.astimezone(tz):%a %d %b %Y %H:%M} ({p.timezone}) · "
             f"phase {p.phase.value}", ""]
    lines.append(f"{'Day':<11} {'Runs':<{RUNS_WIDTH}} Session")
    for i in range(days):
        d = today + timedelta(days=i)
        report = p.report(d)
        runs = [r for r in p.runs if r.start.astimezone(tz).date() == d]
        run_txt = [("done " if r.status.value == "completed" else "")
                   + (f"{r.start.astimezone(tz):%H:%M} " if r.time_known else "")
                   + f"{r.kind.value} · {r.title}" for r in runs] or ["—"]
        sess = [s for s in p.sessions if s.start.astimezone(tz).date() == d]
        sess_txt = [_session_cell(s, tz) for s in sess]
        if not sess_txt and report is not None:
            block = next((r for _, rs in report.kinds for r in rs if r.rule in ("R5", "R6")),
                         None)
            sess_txt = [f"— ({block.text()})" if block else "—"]
        run_txt = [part for t in run_txt for part in _wrap(t, RUNS_WIDTH)]
        for j in range(max(len(run_txt), len(sess_txt))):
            left = f"{d:%a %d %b}" if j == 0 else ""
            r = run_txt[j] if j < len(run_txt) else ""
            s = sess_txt[j] if j < len(sess_txt) else ""
            lines.append(f"{left:<11} {r:<{RUNS_WIDTH}} {s}".rstrip())
    codes = set(re.findall(r"\b(?:[RG]\d{1,2}|DST)\b", "\n".join(lines[3:])))
    if codes:
        lines += ["", "Rules and goals:", *legend(codes)]
    if p.warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in p.warnings]
    return printable("\n".join(lines))


def _wrap(text: str, width: int) -> list[str]:
    """A long run title goes on over the next lines rather than being cut."""
    import textwrap

    return textwrap.wrap(text, width, subsequent_indent="  ") or [""]


def _session_cell(s: Session, tz: ZoneInfo) -> str:
    status = "" if s.status is SessionStatus.PLANNED else f" [{s.status.value}]"
    rules = f"  {' '.join(s.rules)}" if s.rules else ""
    return (f"{s.start.astimezone(tz):%H:%M}–{s.end.astimezone(tz):%H:%M} "
            f"{s.kind.value}{status}{rules}")


def explain_day(p: Plan, day: date) -> str:
    tz = ZoneInfo(p.timezone)
    report = p.report(day)
    if report is None:
        first = p.days[0].day if p.days else day
        last = p.days[-1].day if p.days else day
        return (f"{day:%a %d %b %Y} is outside the planned range {first:%d %b}–{last:%d %b}; "
                "use --now to plan from another moment")
    lines = [f"{day:%A %d %B %Y} · {report.day_type} day · phase {report.phase.value}"]
    lines += [f"  {n}" for n in report.notes]
    lines.append("Runs:")
    lines += [f"  {r.start.astimezone(tz):%H:%M}–{r.end.astimezone(tz):%H:%M} {r.kind.value}: "
              f"{r.title} ({r.status.value}; {r.reason or 'no reason recorded'})"
              if r.time_known else f"  (time not set) {r.kind.value}: {r.title}"
              for r in report.runs] or ["  none"]
    session = next((s for s in p.sessions if s.uid == report.session_uid), None)
    lines.append("Session:")
    if session is not None:
        lines.append(f"  {_session_cell(session, tz)}")
        lines.append(f"  {session.explanation}")
        lines += [f"  {line}" for line in session.warmup.splitlines()]
        lines += [f"  {i}. {e.describe()}" for i, e in enumerate(session.exercises, 1)]
    else:
        lines.append("  none")
    if report.kinds:
        lines.append("Kinds refused:")
        for kind, rejections in report.kinds:
            for r in rejections:
                lines.append(f"  {kind.value}: {r.text()}")
    for kind, rejected in report.slots:
        summary = summarise_rejections(rejected, p.timezone)
        if summary:
            lines.append(f"Times refused for {kind.value}:")
            lines += [f"  {s}" for s in summary]
    return printable("\n".join(lines))
