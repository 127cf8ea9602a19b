"""Issue #19 as a self-hoster's bad day, counted: events in a real Radicale calendar.

Run: python bench/bench_lost_state.py
The built-in demo runner writes to a CalDAV calendar with `syncd run --once` (a process, on
three days two weeks apart, so past sessions are there too); then its state dir is moved
away and it runs again, twice; then two `run --once` start at once on one fresh state dir.
The same for an [ics] file. Before the fix the calendar went from 6 to 12 events and the
file from 11 to 7. A benchmark, not a test (tests/integration/test_caldav_trust.py and
test_ics_lost_state.py assert the same): it prints figures and exits 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icalendar import Calendar

from tests.integration.servers import radicale

NOW = "2026-12-04T10:00:00+01:00"
EARLIER = ("2026-11-10T10:00:00+01:00", "2026-11-24T10:00:00+01:00")  # past sessions too


def syncd(config: Path, state: Path, now: str = NOW) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    return subprocess.Popen([sys.executable, "-m", "syncd", "--config", str(config),
                             "--state-dir", str(state), "--now", now, "run", "--once"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def run(config: Path, state: Path) -> int:
    return syncd(config, state).wait(120)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="syncd-bench-lost-"))
    server = radicale(root / "srv")
    server.start()
    try:
        cal = root / "cal.toml"
        cal.write_text(f'[athlete]\ntimezone = "Europe/Berlin"\n[sources]\ndemo = true\n'
                       f'[calendar]\nurl = "{server.url}runner/"\nusername = "runner"\n'
                       'password = "pw"\nname = "Strength"\n')
        ics = root / "strength.ics"
        file_cfg = root / "ics.toml"
        file_cfg.write_text(f'[athlete]\ntimezone = "Europe/Berlin"\n[sources]\ndemo = true\n'
                            f'[ics]\npath = "{ics}"\n')

        def sessions_in(texts: list[bytes]) -> str:
            """Events, and how many different ones (same start and title: a copy) there are:
            told from the events alone, not from syncd's markers."""
            events = [ev for t in texts for ev in Calendar.from_ical(t).walk("VEVENT")]
            distinct = {(ev.decoded("DTSTART"), str(ev.get("SUMMARY")).removeprefix("✓ "))
                        for ev in events}
            return f"{len(events)} events/{len(distinct)} different"

        def events() -> str:  # the calendar's items, not Radicale's cache beside them
            return sessions_in([p.read_bytes() for p in (root / "srv").rglob("*.ics")
                                if "runner" in str(p) and ".Radicale" not in str(p)])

        def file_events() -> str:
            return sessions_in([ics.read_bytes()])

        for name, config, count in (("CalDAV calendar", cal, events),
                                    ("ICS file", file_cfg, file_events)):
            state = root / f"state-{config.stem}"
            for now in EARLIER:
                syncd(config, state, now).wait(120)
            run(config, state)
            seen = [count()]
            shutil.move(state, root / f"lost-{config.stem}")
            run(config, state)
            seen.append(count())
            run(config, state)
            seen.append(count())
            fresh = root / f"fresh-{config.stem}"
            both = [syncd(config, fresh), syncd(config, fresh)]
            codes = [p.wait(180) for p in both]
            seen.append(count())
            print(f"{name}: after three runs {seen[0]}; state moved away, run again "
                  f"{seen[1]}; again {seen[2]}; two writers at once on a fresh state "
                  f"{seen[3]} (exit codes {codes})")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
