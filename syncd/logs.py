"""Log formatting for the journal: no timestamps (journald adds them), syslog priorities.

systemd reads a ``<N>`` prefix on each stderr line as the syslog priority when the service's
stderr is connected to the journal (``$JOURNAL_STREAM`` is set), so ``journalctl -p warning``
works. ``setup_logging`` is called by the entry points only (the CLI and a daemon's cycle
child), never by library code.
"""

from __future__ import annotations

import logging
import os
import sys

PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


class LibraryFilter(logging.Filter):
    """Keep the libraries' own logging out of syncd's log unless asked for (-vv).

    syncd turns every library error into one line that says what to do; the library's
    ``logger.exception`` of the same failure would add a traceback at ERROR, even under
    ``-q``. With ``-v`` their warnings show, as warnings and without tracebacks.
    """

    def __init__(self, verbosity: int) -> None:
        super().__init__()
        self.verbosity = verbosity

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "syncd" or record.name.startswith("syncd.") or self.verbosity >= 2:
            return True
        if self.verbosity < 1 or record.levelno < logging.WARNING:
            return False
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prio = PRIORITY.get(record.levelno, 6)
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.levelno >= logging.ERROR:
            text += " | " + self.formatException(record.exc_info).replace("\n", " | ")
        return "\n".join(f"<{prio}>{line}" for line in text.splitlines() or [""])


def setup_logging(verbosity: int) -> None:
    """Root handler on stderr: journal priorities under systemd, timestamps elsewhere."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR)
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                               "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "caldav", "garminconnect", "curl_cffi"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    handler.addFilter(LibraryFilter(verbosity))
