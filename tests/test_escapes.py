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
