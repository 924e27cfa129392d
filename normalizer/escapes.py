"""The one display escaping of names and text: undecodable bytes, controls, bidi controls.

A name that is not valid UTF-8 (``os.fsdecode`` keeps its bytes as surrogate escapes)
and text decoded with ``errors="replace"`` semantics kept lossless (each undecodable
byte as the lone surrogate U+DC00+byte, see :mod:`normalizer.decode`) cannot be
encoded as UTF-8 as they are: each of those code points is written ``\\xNN``
(:func:`escape_undecodable`, for the text the report keeps).

Names and text that reach a terminal or a log must also not carry what a terminal
obeys or a reader cannot see: C0 and C1 control characters (ESC starts a sequence that
can clear the screen or set the window title, CR and LF can forge a whole output line),
DEL, and the bidirectional controls (U+202E after ``bidi`` makes ``bidi<U+202E>txt.exe``
read as ``bidiexe.txt``). :func:`printable` writes each of them in the same visible form,
``\\xNN`` below U+0080 (``\\xNN`` from 0x80 up is an undecodable byte) and ``\\uNNNN``
from there: one rule, so a name reads the same in every place zhnorm shows it (run
summary, progress, errors, ``detect``, ``diff``, the hooks, report paths), whether or not
the output is a terminal. Escaping an escaped string changes nothing.
Imports nothing of the package.
"""

from __future__ import annotations

import re

_UNDECODED = re.compile("[\udc00-\udcff]")

#: What :func:`printable` escapes: undecodable bytes, C0 controls, DEL, C1 controls, the
#: bidirectional controls (embeddings, overrides, isolates, marks, the Arabic letter mark)
#: and the Unicode line and paragraph separators.
HIDDEN = "\udc00-\udcff\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_HIDDEN = re.compile(f"[{HIDDEN}]")


def _hex(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()) - 0xDC00:02x}"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC00 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def printable(text: str, *, keep: str = "") -> str:
    """``text`` safe to print: each character of :data:`HIDDEN` written ``\\xNN`` (an ASCII control or
    an undecodable byte) or ``\\uNNNN`` (any other, e.g. the C1 control U+0085 or U+202E).

    ``keep``: characters left as they are (``"\\t\\n"`` for the lines of a text shown
    with its layout); names keep nothing, so a newline in a name never splits a line.
    """
    if not keep:
        return _HIDDEN.sub(_visible, text)
    return re.sub(f"(?![{re.escape(keep)}])[{HIDDEN}]", _visible, text)


def escape_undecodable(text: str) -> str:
    """``text`` valid UTF-8: each U+DC00+byte code point written ``\\xNN`` (the report's text)."""
    return _UNDECODED.sub(_hex, text)


def has_undecodable(text: str) -> bool:
    """Whether ``text`` holds any undecodable byte (a U+DC00+byte code point)."""
    return _UNDECODED.search(text) is not None


def undecodable_bytes(text: str) -> bytes:
    """The undecodable bytes ``text`` keeps (its U+DC00+byte code points), other characters ignored."""
    return bytes(ord(c) - 0xDC00 for c in text if _UNDECODED.match(c))


_ESCAPED = re.compile(r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})")


def _unescape(match: re.Match[str]) -> str:
    if match.group(1) is None:
        return chr(int(match.group(2), 16))
    code = int(match.group(1), 16)
    return chr(code) if code < 0x80 else chr(0xDC00 + code)  # above: an undecodable byte of a name


def unprintable(text: str) -> str:
    """The name :func:`printable` showed as ``text``, guessed (``\\xNN`` below 0x80 as the
    character, above as the undecodable byte; ``\\uNNNN`` as the character). Not exact (a
    literal backslash reads the same): callers confirm the guess, e.g. by the file's state."""
    return _ESCAPED.sub(_unescape, text) if "\\" in text else text
