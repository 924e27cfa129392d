"""The one display escaping of undecodable bytes, for names and for text."""

from __future__ import annotations

import os

from normalizer.escapes import escape_undecodable, has_undecodable, undecodable_bytes


def test_a_name_that_is_not_utf8_is_shown_with_its_bytes_as_hex():
    name = os.fsdecode(b"caf\xe9/\xff\xfe.txt")
    assert escape_undecodable(name) == "caf\\xe9/\\xff\\xfe.txt"
    assert escape_undecodable(name).encode("utf-8") == b"caf\\xe9/\\xff\\xfe.txt"


def test_text_decoded_losslessly_is_shown_with_its_undecodable_bytes_as_hex():
    text = "前\udc81\udc00後 \\x41"  # U+DC00+byte for each undecodable byte; a literal backslash stays
    assert escape_undecodable(text) == "前\\x81\\x00後 \\x41"
    assert has_undecodable(text) and not has_undecodable("前後 \\x41")
    assert undecodable_bytes(text) == b"\x81\x00"
    assert escape_undecodable("臺灣") == "臺灣"


# --- printable: what zhnorm shows of names and text -------------------------------

import re  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from normalizer.escapes import HIDDEN, printable, unprintable  # noqa: E402


def test_terminal_controls_bidi_controls_and_newlines_in_a_name_are_shown_visibly():
    assert printable("t\x1b]0;PWN\x07.txt") == "t\\x1b]0;PWN\\x07.txt"
    assert printable("bidi\u202etxt.exe") == "bidi\\u202etxt.exe"
    assert printable("a\nfake.txt: skipped, binary\r\tb") == "a\\x0afake.txt: skipped, binary\\x0d\\x09b"
    assert printable("\u2066\u2069\u200e\u200f\u061c\x7f") == "\\u2066\\u2069\\u200e\\u200f\\u061c\\x7f"
    assert printable("臺灣 news, plain") == "臺灣 news, plain"


def test_a_c1_control_and_an_undecodable_byte_read_differently():
    assert printable("\x85") == "\\u0085"
    assert printable(os.fsdecode(b"\x85")) == "\\x85"


def test_text_shown_with_its_layout_keeps_tabs_and_newlines_only():
    assert printable("a\tb\nc\x1b[2J\r", keep="\t\n") == "a\tb\nc\\x1b[2J\\x0d"


@given(st.text())
def test_printable_leaves_nothing_hidden_and_is_stable(text: str):
    shown = printable(text)
    assert not re.search(f"[{HIDDEN}]", shown)
    assert printable(shown) == shown
    if "\\" not in text:  # no literal backslash to confuse with an escape
        assert unprintable(shown) == text
