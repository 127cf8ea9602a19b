"""What the MQTT companion remembers across daemon restarts, in ``mqtt.json``.

The state holds the plan, but not when the plan last changed, what phase the last cycle
said, or when the last cycle ended: after a restart, "Last change" must be the last real
change (not the restart, not the last cycle), and nothing unknown may be published. The
resident process writes this small file itself (atomically, 0600), never the state that a
cycle's child writes. A file that is missing or unreadable is forgotten, not fatal: the
values are then unknown, and unknown values are not published.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from syncd.atomic import atomic_write

log = logging.getLogger(__name__)
FILE = "mqtt.json"
MAX_BYTES = 4096  # three short strings; anything bigger is not ours


@dataclass
class Memory:
    last_change: str | None = None  # ISO time of the last cycle that changed the plan
    last_sync: str | None = None  # ISO time the last cycle ended
    phase: str | None = None  # the training phase the last cycle planned

    def after_cycle(self, now: datetime, changes: int, phase: str | None) -> None:
        """A cycle ended at ``now``; it changed ``changes`` sessions and planned ``phase``
        (None: the cycle failed, nothing known changed)."""
        stamp = now.isoformat(timespec="seconds")
        if changes or (phase is not None and self.phase is not None and phase != self.phase):
            self.last_change = stamp
        if phase is not None:
            self.phase = phase
        self.last_sync = stamp

    @classmethod
    def load(cls, state_dir: Path) -> Memory:
        path = state_dir / FILE
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ValueError("too big")
            raw = json.loads(path.read_text(encoding="utf-8"))
            out = cls()
            for key in asdict(out):
                value = raw.get(key)
                if isinstance(value, str) and len(value) <= 64:
                    setattr(out, key, value)
            for key in ("last_change", "last_sync"):
                if getattr(out, key) is not None:
                    datetime.fromisoformat(getattr(out, key))
            return out
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("%s is unreadable (%s); starting from nothing", path, exc)
            return cls()

    def save(self, state_dir: Path) -> None:
        try:
            atomic_write(state_dir / FILE, json.dumps(asdict(self)).encode(), 0o600)
        except OSError as exc:
            log.warning("cannot write %s: %s", state_dir / FILE, exc)
