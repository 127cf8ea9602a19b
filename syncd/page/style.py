"""The page's look and its Content-Security-Policy, in one light module.

The feed server (in the daemon's resident process) sends the policy with the page; it
imports only this, never the planner. The policy admits the one inline style block by its
hash: no script, no font, no image, no request anywhere.
"""

from __future__ import annotations

import base64
import hashlib

from syncd.model import Phase

PHASE_COLOURS = {
    Phase.BASE: "#cfe3f7",
    Phase.BUILD: "#8fbfe8",
    Phase.PEAK: "#f2c36b",
    Phase.TAPER: "#b5dcab",
    Phase.RACE_WEEK: "#f09a9a",
    Phase.RECOVERY: "#d5c4ee",
    Phase.MAINTENANCE: "#dedede",
}
DONE, PLANNED, MISSED = "#2e7d32", "#1565c0", "#c62828"
STYLE = """
:root{color-scheme:light dark;--ink:#1d1d1f;--muted:#5f6368;--line:#d0d4d9;--card:#fff;
--bg:#f5f6f8;--ok:#2e7d32;--bad:#c62828;--pin:#6a1b9a}
@media (prefers-color-scheme:dark){:root{--ink:#e8eaed;--muted:#a0a4a8;--line:#3c4043;
--card:#202124;--bg:#17181a}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1100px;margin:0 auto;padding:12px 16px}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.2rem 0 .5rem}
h3{font-size:.95rem;margin:0 0 .3rem}
.banner{padding:8px 12px;border-radius:8px;border:1px solid var(--line);background:var(--card)}
.banner.ok{border-left:6px solid var(--ok)}.banner.bad{border-left:6px solid var(--bad)}
.grid{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:6px}
@media (max-width:760px){.grid{grid-template-columns:1fr}}
.day{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 8px;
min-height:6rem}
.day.today{outline:2px solid #1565c0}
.runs,.sessions{list-style:none;margin:0;padding:0}
.run{font-size:.85rem;color:var(--muted)}.run.done::before{content:"✓ "}
.run.quality,.run.race,.run.long{color:var(--ink);font-weight:600}
.session{margin-top:4px;border-left:4px solid #1565c0;padding-left:6px}
.session.heavy{border-color:#0d47a1}.session.light{border-color:#64b5f6}
.session.core{border-color:#8d6e63}.session.foundation{border-color:#26a69a}
.session.pinned{border-color:var(--pin)}.session.declined{opacity:.6;text-decoration:line-through}
.session.done{border-color:var(--ok)}.session.missed{border-color:var(--bad)}
.tag{font-size:.75rem;border:1px solid currentColor;border-radius:4px;padding:0 3px;
margin-left:4px}
summary{cursor:pointer}details pre{white-space:pre-wrap;font-size:.8rem;overflow-x:auto}
.lifts{display:block;font-size:.8rem;color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:.8rem;margin:.4rem 0}
.sw{display:inline-block;width:12px;height:12px;border:1px solid #888;vertical-align:middle;
margin-right:3px}
""" + "".join(f".sw.{ph.value}{{background:{c}}}" for ph, c in PHASE_COLOURS.items()) + f"""
.sw.done{{background:{DONE}}}.sw.planned{{border:2px solid {PLANNED}}}
.sw.missed{{background:{MISSED}}}
.chart{{overflow-x:auto}}.season-chart{{min-width:560px;max-width:100%;height:auto;
color:var(--ink)}}
code{{overflow-wrap:anywhere}}
table{{border-collapse:collapse;font-size:.85rem}}td,th{{border:1px solid var(--line);
padding:2px 6px;text-align:left}}
.status li{{margin:.2rem 0}}.failing{{color:var(--bad)}}.fine{{color:var(--ok)}}
footer{{color:var(--muted);font-size:.8rem}}
"""
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; "
                           "img-src 'none'; base-uri 'none'; form-action 'none'; "
                           "frame-ancestors 'none'")


