"""Text as report.html writes it: escaped, with invisible characters shown, numbers and edit kinds.

Names and text from the corpus are hostile: a file name may hold ``<script>``, a
right-to-left override or an escape sequence. Everything the page writes passes
through :func:`visible` (HTML) or :func:`visible_text` (an attribute's plain text),
which escape HTML and write each control or direction character as a marked escape.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from ..escapes import escape_undecodable

# Highlight class per edit kind; a merged kind ("nfc+convert") takes the first listed here it contains.
_CLASSES = (
    ("annotation", "an"),
    ("convert", "cv"),
    ("fix", "fx"),
    ("punctuation", "pu"),
    ("entity", "pu"),
    ("decode-replace", "rp"),
    ("surrogate", "rp"),
)


# Control characters (but tab, line feed and carriage return), DEL, C1 controls and the invisible marks that
# change text direction or joining: shown as ``\\xNN`` / ``\\uNNNN`` in their own colour.
_INVISIBLE_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Every character :func:`visible` or :func:`visible_text` changes: the invisible ones, undecodable
# bytes (escapes.escape_undecodable) and what HTML escapes. Text without any (most Chinese text) is
# returned as it is after one search, instead of passing through three substitutions: a preview's
# line is some 40 pieces of text between edits, each shown through visible().
CHANGED = re.compile(f"[{_INVISIBLE_CHARS}\udc00-\udcff&<>\"']")


def code(ch: str) -> str:
    """How an invisible character is written: ``\\xNN`` or ``\\uNNNN``."""
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def visible_text(value: Any) -> str:
    """``value`` as text with undecodable bytes, controls and direction marks written as escapes (plain text)."""
    text = str(value)
    if not CHANGED.search(text):
        return text
    return INVISIBLE.sub(lambda m: code(m.group()), escape_undecodable(text))


def visible(value: Any) -> str:
    """``value`` as HTML: escaped, with each control or direction character shown as a marked escape."""
    text = str(value)
    if not CHANGED.search(text):
        return text
    text = escape(escape_undecodable(text), quote=True)
    return INVISIBLE.sub(lambda m: f'<span class="ctl">{code(m.group())}</span>', text)


_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def markup(value: Any) -> str:
    """``value`` escaped as Jinja2's autoescape writes it (:func:`markupsafe.escape`), by one
    ``str.translate``: the files table writes ~8 values per file, and markupsafe's ``Markup``
    objects cost ~1 µs each."""
    return str(value).translate(_MARKUP)


def number(value: int) -> str:
    """A count as the page writes it (thousands separated)."""
    return f"{value:,}"


def attribute(value: Any) -> str:
    """An attribute value (a tooltip): escaped, invisible characters written as escapes."""
    return escape(visible_text(value), quote=True)


def kind_parts(kind: str) -> list[str]:
    """The kinds a merged edit kind is made of ("nfc+convert": nfc, convert)."""
    return kind.split("+")


def edit_class(kind: str) -> str:
    """The highlight class of an edit kind (see ``_CLASSES``; "ot" for any other)."""
    parts = set(kind_parts(kind))
    return next((cls for name, cls in _CLASSES if name in parts), "ot")
