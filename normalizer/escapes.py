"""Undecodable bytes made printable: the one display escaping of names and text.

A name that is not valid UTF-8 (``os.fsdecode`` keeps its bytes as surrogate escapes)
and text decoded with ``errors="replace"`` semantics kept lossless (each undecodable
byte as the lone surrogate U+DC00+byte, see :mod:`normalizer.decode`) cannot be
encoded as UTF-8 as they are. Wherever such a string is shown (the terminal, report
records, report.html, error messages), each of those code points is written
``\\xNN`` instead, by :func:`escape_undecodable`: one rule, so a name reads the same
in every place it appears. Imports nothing of the package.
"""

from __future__ import annotations

import re

_UNDECODED = re.compile("[\udc00-\udcff]")


def _hex(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()) - 0xDC00:02x}"


def escape_undecodable(text: str) -> str:
    """``text`` printable and valid UTF-8: each U+DC00+byte code point written ``\\xNN``."""
    return _UNDECODED.sub(_hex, text)


def has_undecodable(text: str) -> bool:
    """Whether ``text`` holds any undecodable byte (a U+DC00+byte code point)."""
    return _UNDECODED.search(text) is not None


def undecodable_bytes(text: str) -> bytes:
    """The undecodable bytes ``text`` keeps (its U+DC00+byte code points), other characters ignored."""
    return bytes(ord(c) - 0xDC00 for c in text if _UNDECODED.match(c))
