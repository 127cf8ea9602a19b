"""Text from outside (a config, a calendar, a feed) made safe to store, write and print.

A title can come from anyone who can put an event into a calendar the user subscribes to.
Raw control characters would reach the ICS file, the live feed and the terminal, where ESC
sequences set the window title or rewrite the screen, BEL rings and bidi overrides reverse
what a line appears to say (CVE-2021-42574, "Trojan Source"). So text is cleaned where it
enters (``clean_title``) and anything that still slips through is shown escaped where it
leaves for a terminal (``printable``).
"""

from __future__ import annotations

import re

TITLE_MAX = 200  # characters of a title kept; the rest is cut with an ellipsis

# Complete escape sequences first (so "ESC]0;pwned BEL" goes whole, not just its ESC):
# CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC (ESC ] ... BEL or ST), and two-byte ESC x.
_ESCAPE_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -~]?")
# C0 controls except TAB and LF, DEL, C1 controls, bidi embeddings/overrides/isolates.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_UNSAFE}]")
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")
_SHOW = re.compile(f"[{_UNSAFE}\u2028\u2029]")


def strip_controls(text: str, keep_newlines: bool = True) -> str:
    """``text`` without escape sequences and unsafe control or bidi characters.

    CR LF and CR become LF; with ``keep_newlines`` False every line break and tab is a space.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not keep_newlines:
        text = _LINE_BREAKS.sub(" ", text)
    text = _ESCAPE_SEQ.sub("", text)
    return _CONTROL.sub("", text)


def clean_title(text: str, limit: int = TITLE_MAX) -> str:
    """One line of at most ``limit`` characters with no control or bidi character in it.

    The cut happens before the cleaning's regular expressions see the whole text, so a
    megabyte title costs what a short one does.
    """
    head = text[: limit * 4]
    one_line = _SPACES.sub(" ", strip_controls(head, keep_newlines=False)).strip()
    if len(one_line) > limit or len(text) > len(head):
        return one_line[: limit - 1].rstrip() + "…"
    return one_line


def printable(text: str) -> str:
    """``text`` for a terminal: newlines and tabs kept, every other control shown as \\xNN
    or \\uNNNN, so what prints is what the text holds."""
    return _SHOW.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_printable(text: str) -> str:
    """JSON text (``json.dumps`` escapes C0 itself) with DEL, C1, bidi and line-separator
    characters as \\uNNNN escapes: the same document, safe to print."""
    return _SHOW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
