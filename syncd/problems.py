"""Recent problems, kept in the state so `syncd status` can tell what went wrong overnight.

A component's ``last_error`` is cleared by its next success, so a fault that healed within a
cycle (a 500, a stalled server, a restart, the daemon killed) would leave no trace. Each
problem is kept here as one entry per distinct (component, message): seen how often, first
and last when; the ``KEEP`` most recent are kept.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncd.state import State

SCOPE, KEY = "problems", "recent"
KEEP = 30


@dataclass(frozen=True)
class Problem:
    component: str
    message: str
    first: str
    last: str
    count: int


def recent(state: State) -> list[Problem]:
    """Oldest first."""
    try:
        raw = json.loads(state.get(SCOPE, KEY) or "[]")
        return [Problem(**p) for p in raw]
    except (ValueError, TypeError):
        return []


def record(state: State, component: str, now: datetime, message: str) -> None:
    items = recent(state)
    same = next((p for p in items if (p.component, p.message) == (component, message)), None)
    if same is not None:
        items.remove(same)
        items.append(Problem(component, message, same.first, now.isoformat(), same.count + 1))
    else:
        items.append(Problem(component, message, now.isoformat(), now.isoformat(), 1))
    state.put(SCOPE, KEY, json.dumps([asdict(p) for p in items[-KEEP:]]))
