"""UTF-32 and UTF-16 without a byte-order mark, recognised by their structure.

Such text has NUL bytes (a binary sniffer would call it binary), and UTF-16/32 of
ASCII is valid UTF-8 with NULs after each letter, so a file with NUL bytes is asked
:func:`bomless_unicode` before anything else. UTF-32 leaves no doubt (the top byte
of every unit is zero, the next at most 0x10); for UTF-16 the byte order is a
question of its own: Chinese reads cleanly both ways, and so does Russian (U+041F
swapped is U+1F04, Greek), so :func:`utf16_byte_order` looks at where the bytes
that vary little sit: the high bytes of a text's characters come from few blocks.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
BYTE_ORDER_RATIO = 2  # the high bytes take at most half as many values as the low bytes


def _reads_cleanly(text: str) -> bool:
    # One bad character is forgiven (a head may end inside a surrogate pair), not in a tiny head.
    bad = len(_CONTROLS.findall(text))
    return bad <= 1 and 2 * bad < len(text)


def bomless_unicode(head: bytes) -> str | None:
    """What the head of a file without byte-order mark reads cleanly as: "utf-32-le"
    or "utf-32-be", "utf-16" (byte order to be settled), or None.

    Clean: at most one undecodable unit or control character other than tab, line
    breaks and form feed, and fewer than half the characters (a lone NUL is no text).
    Without a NUL byte: None.
    """
    if b"\x00" not in head:
        return None
    whole = head[: len(head) - len(head) % 4]
    for codec in ("utf-32-le", "utf-32-be"):  # before UTF-16: UTF-32 reads as UTF-16 with NULs
        if _reads_cleanly(whole.decode(codec, "replace")):
            return codec
    even = head[: len(head) - len(head) % 2]
    for codec in ("utf-16-le", "utf-16-be"):
        if _reads_cleanly(even.decode(codec, "replace")):
            return "utf-16"
    return None


def wide_codec(data: bytes, head_bytes: int) -> str | None:
    """:func:`bomless_unicode` of the first ``head_bytes`` of ``data``, for decoding.

    Valid UTF-8 (whose NULs could be text) is taken for UTF-16/32 only when it is
    whole code units that read without any control character.
    """
    head = data[:head_bytes]
    wide = bomless_unicode(head)
    if wide is None:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return wide
    unit = 2 if wide == "utf-16" else 4
    if len(data) % unit:
        return None
    whole = head[: len(head) - len(head) % unit]
    readings = ("utf-16-le", "utf-16-be") if wide == "utf-16" else (wide,)
    return wide if any(not _CONTROLS.search(whole.decode(codec, "replace")) for codec in readings) else None


def utf16_byte_order(sample: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the bytes at one parity take far fewer values
    (:data:`BYTE_ORDER_RATIO`) than at the other: those are the high bytes. None when
    that does not tell (short Chinese text)."""
    even, odd = len(set(sample[0::2])), len(set(sample[1::2]))
    if odd * BYTE_ORDER_RATIO <= even:
        return "utf-16-le"
    if even * BYTE_ORDER_RATIO <= odd:
        return "utf-16-be"
    return None
