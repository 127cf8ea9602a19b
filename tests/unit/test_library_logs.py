"""A library's failed call: syncd says it in its own line; the library's record shows only
with -v (one line, no traceback) and in full with -vv."""

from __future__ import annotations

import io
import logging

import pytest

from syncd.cli import setup_logging


@pytest.mark.parametrize(("verbosity", "shown", "traceback"),
                         [(0, False, False), (1, True, False), (2, True, True)])
def test_library_tracebacks_only_with_vv(verbosity, shown, traceback):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging(verbosity)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    try:
        raise ConnectionError("Remote end closed connection without response")
    except ConnectionError:
        logging.getLogger("garminconnect.api._common").exception("API call failed (500)")
        logging.getLogger("syncd.daemon").exception("cycle failed with an unexpected error")
    text = stream.getvalue()
    assert ("API call failed (500)" in text) is shown
    assert text.count("Traceback") == (2 if traceback else 1), "syncd's own stays"
    root.handlers[:], level = saved
    root.setLevel(level)
