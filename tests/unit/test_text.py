"""The text cleaner and the terminal escaper, on every control and bidi character."""

from __future__ import annotations

import json
import time

from hypothesis import given
from hypothesis import strategies as st

from syncd.text import TITLE_MAX, clean_title, json_printable, printable, strip_controls

HOSTILE = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                            *range(0x2066, 0x206A), 0x2028, 0x2029]]
hostile_text = st.text(st.one_of(st.sampled_from(HOSTILE), st.characters()), max_size=300)


def test_the_issue_title_is_one_clean_line():
    raw = "Hills\r\nSUMMARY:INJECTED\r\nEND:VEVENT\u001b]0;pwned\u0007\u0000"
    assert clean_title(raw) == "Hills SUMMARY:INJECTED END:VEVENT"


def test_escape_sequences_go_whole():
    assert strip_controls("a\x1b[31mred\x1b[0m b\x1b]0;title\x1b\\c") == "ared bc"
    assert strip_controls("x\u202eevil\u2069y\x9b2Jz") == "xevilyz"
    assert strip_controls("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"


@given(hostile_text)
def test_a_clean_title_holds_no_control_and_is_bounded(text: str):
    out = clean_title(text)
    assert not any(c in out for c in HOSTILE)
    assert len(out) <= TITLE_MAX
    assert out == out.strip()


@given(hostile_text)
def test_printable_escapes_every_unsafe_character_and_keeps_the_rest(text: str):
    out = printable(text)
    assert not any(c in out for c in HOSTILE if c not in "\t\n")
    if not any(c in text for c in HOSTILE):
        assert out == text


@given(st.dictionaries(st.text(max_size=5), hostile_text, max_size=3))
def test_json_printable_is_the_same_document(doc: dict[str, str]):
    text = json_printable(json.dumps(doc, indent=2, ensure_ascii=False))
    assert json.loads(text) == doc
    assert not any(c in text for c in HOSTILE if c != "\n")


def test_a_megabyte_title_costs_what_a_short_one_does():
    started = time.monotonic()
    out = clean_title("\x1b" + "y" * 1_000_000)
    assert len(out) == TITLE_MAX and out.endswith("…")
    assert time.monotonic() - started < 0.5
