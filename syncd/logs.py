"""Log formatting for the journal: no timestamps (journald adds them), syslog priorities.

systemd reads a ``<N>`` prefix on each stderr line as the syslog priority when the service's
stderr is connected to the journal (``$JOURNAL_STREAM`` is set), so ``journalctl -p warning``
works. This module only formats; the CLI decides to use it.
"""

from __future__ import annotations

import logging

PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prio = PRIORITY.get(record.levelno, 6)
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.levelno >= logging.ERROR:
            text += " | " + self.formatException(record.exc_info).replace("\n", " | ")
        return "\n".join(f"<{prio}>{line}" for line in text.splitlines() or [""])
