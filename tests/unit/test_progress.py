"""The progress bar: drawn on a terminal only, never into the journal or a pipe."""

from __future__ import annotations

import io

from syncd.progress import NoProgress, TerminalBar, progress_for


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_ending_in_a_newline(monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    out = Tty()
    bar = progress_for("reading", 100, out=out)
    assert isinstance(bar, TerminalBar)
    for i in range(1, 101):
        bar.step(i, 100)
    bar.close()
    text = out.getvalue()
    assert text.endswith("100/100\n") and "[" + "#" * 30 + "]" in text
    assert text.count("\r") < 20, "redrawn at most ten times a second, plus the last"


def test_nothing_in_a_pipe_the_journal_or_for_a_few_files(monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    assert isinstance(progress_for("reading", 100, out=io.StringIO()), NoProgress)
    assert isinstance(progress_for("reading", 5, out=Tty()), NoProgress)
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    assert isinstance(progress_for("reading", 100, out=Tty()), NoProgress)
