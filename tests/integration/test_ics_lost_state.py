"""`syncd run --once` with its state moved away keeps the ICS file whole (issue 19).

The demo config writes an ICS file. Two weeks of cycles leave past sessions in it; then the
state database is moved away, as doctor's advice for a damaged one says, and the next run
must leave every event in place: the past ones byte for byte, the future ones changed only
where the plan itself changed (a fresh state forgets the load progression).
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar


def events(data: bytes) -> dict[str, bytes]:
    return {str(e["UID"]): e.to_ical() for e in Calendar.from_ical(data).events}


def test_moving_the_state_away_keeps_the_past_sessions(cli):
    for now in ("2026-11-10T06:30:00+01:00", "2026-11-24T06:30:00+01:00"):
        res = cli("-q", "--now", now, "run", "--once")
        assert res.returncode == 0, res.stderr
    ics = cli.cwd / "syncd-demo.ics"
    before = events(ics.read_bytes())
    cut = datetime.fromisoformat("2026-11-24T06:30:00+01:00")
    past = {uid for uid, body in before.items()
            if Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + body + b"END:VCALENDAR\r\n")
            .events[0].decoded("DTSTART") < cut}
    assert len(past) >= 3, "two weeks of cycles leave past sessions in the file"
    db = cli.home / ".state" / "syncd" / "demo" / "state.sqlite3"
    db.rename(cli.home / "state-moved-away.sqlite3")
    res = cli("-q", "--now", "2026-11-24T06:30:00+01:00", "run", "--once")
    assert res.returncode == 0, res.stderr
    after = events(ics.read_bytes())
    assert set(after) == set(before)
    for uid in past:
        assert after[uid] == before[uid]
    same = [uid for uid in before if after[uid] == before[uid]]
    assert len(same) >= len(before) - 2, "only sessions whose content changed are rewritten"
