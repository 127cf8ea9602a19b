"""The page beside the live feed: the plan as HTML in the state dir, served by the daemon.

Like the feed's calendars (``syncd.sinks.feed``), the cycle renders and the resident process
only serves bytes; the file is replaced atomically, 0600, and only when its bytes change.
`syncd plan --html FILE` writes the same page for a runner without a listening daemon.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from syncd.config.loader import Config
from syncd.feed.files import PAGE, feed_dir, write_private
from syncd.page.facts import page_facts
from syncd.page.html import render_page
from syncd.planner import Plan, PlanInputs
from syncd.state import State


def page_bytes(config: Config, state: State, inputs: PlanInputs, p: Plan,
               warnings: Sequence[str], state_dir: Path | None) -> bytes:
    return render_page(page_facts(config, state, inputs, p, list(warnings),
                                  state_dir)).encode()


class PagePublisher:
    name = "page"

    def __init__(self, config: Config, state: State) -> None:
        self.config = config
        self.state = state

    def publish(self, inputs: PlanInputs, plan: Plan, warnings: Sequence[str]) -> None:
        data = page_bytes(self.config, self.state, inputs, plan, warnings,
                          self.state.directory)
        path = feed_dir(self.state.directory) / PAGE
        try:
            if path.read_bytes() == data:
                return
        except FileNotFoundError:
            pass
        write_private(path, data)
