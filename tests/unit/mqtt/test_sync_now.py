""""Sync now" and a reload retry every failing component at once: the daemon marks the
state (``cycle.FORCE``), and the next cycle ignores the backoff once, like
``run --once --force``, then clears the mark."""

from __future__ import annotations

from pathlib import Path

from syncd.config.loader import parse_config
from syncd.cycle import FORCE, run_cycle
from syncd.daemon import Flags
from syncd.errors import TransientError
from syncd.sinks.base import SinkReport
from syncd.state import State
from tests.helpers import MONDAY

CONFIG = ('[athlete]\ntimezone = "Europe/Berlin"\n[[plan.week]]\nday = "tue"\n'
          'kind = "quality"\ntime = "07:00"\n')
NOW = MONDAY.replace(hour=6)


class Calendar:
    """A calendar that fails while ``broken`` and counts the times it is asked."""

    def __init__(self) -> None:
        self.name, self.broken, self.pulls = "cal", True, 0

    def pull(self, now):
        self.pulls += 1
        if self.broken:
            raise TransientError("did not answer")
        return SinkReport(self.name)

    def push(self, sessions, now, dry_run, stop=None):
        return SinkReport(self.name)


def test_the_force_mark_overrides_the_backoff_once(tmp_path: Path):
    cfg = parse_config(CONFIG, "c.toml", base_dir=tmp_path, env={})
    state = State(tmp_path)
    cal = Calendar()
    run_cycle(cfg, state, NOW, sinks=[cal], honour_backoff=True)
    assert (cal.pulls, state.component("sink:cal").failures) == (1, 1)
    cal.broken = False  # the user fixed it; the backoff still runs for about a minute
    result = run_cycle(cfg, state, NOW, sinks=[cal], honour_backoff=True)
    assert cal.pulls == 1 and "backing off" in result.errors["cal"]
    state.put(*FORCE, "1")  # what the daemon does on a reload or "sync now"
    result = run_cycle(cfg, state, NOW, sinks=[cal], honour_backoff=True)
    assert cal.pulls == 2 and result.errors == {}
    assert state.component("sink:cal").last_error is None
    assert state.get(*FORCE) is None  # used up
    cal.broken = True
    run_cycle(cfg, state, NOW, sinks=[cal], honour_backoff=True)
    run_cycle(cfg, state, NOW, sinks=[cal], honour_backoff=True)
    assert cal.pulls == 3  # backing off again: the mark was for one cycle only


def test_sync_now_asks_for_a_forced_cycle_and_wakes_the_loop():
    flags = Flags()
    flags.sync_now()
    assert flags.force and flags.wake.is_set()
