"""Byte patterns of Chinese encodings Python cannot decode, so decoding can name them.

Python has no codec for EUC-TW nor for ISO-2022-CN, and their bytes pass for
something else: EUC-TW's two-byte characters (A1–FE A1–FE) are valid GB18030, and
ISO-2022 text is 7-bit ASCII with escape sequences. Decoding them as GB18030 or
ASCII would garble them silently; these functions give the evidence to refuse them
by name instead.

* :func:`iso2022_marker`: the first ISO-2022 designation (``ESC $ ) A``…) and the
  ISO-2022 variant it belongs to.
* :func:`korean_or_japanese`: whether the bytes read as Korean (EUC-KR/CP949) or
  Japanese (EUC-JP): their double-byte rows fall where GB2312's and Big5's do, so
  Korean reads as GB18030 in common hanzi (Hangul's rows are GB's first level), and
  Japanese as Big5. Only the language itself tells: Hangul with spaces between
  words and Korean's frequent syllables, or kana among frequent kanji.
* :func:`euc_tw_as_big5`: EUC-TW bytes re-encoded as Big5, for scoring. CNS 11643
  plane 1 lists its 5,401 frequent hanzi in the order of Big5's frequent block, and
  plane 2 its 7,650 others in the order of Big5's second block (less Big5's two
  duplicates), so a character's position maps it: exact for plane 1's hanzi (with
  the few moved ones listed), roughly right for symbols and plane 2, which is plenty
  to tell whether the bytes read as Chinese this way. It is evidence only, never
  output.
"""

from __future__ import annotations

import re
from functools import cache

from .charsets import frequent_chars

_DESIGNATION = re.compile(rb"\x1b\$([()*+]?)([@-Z])")
_CN_FINALS = b"AGHE"  # GB 2312, CNS 11643 planes 1 and 2, ISO-IR-165
_CN_EXT_FINALS = b"IJKLM"  # CNS 11643 planes 3–7 (ISO-2022-CN-EXT)


def iso2022_marker(data: bytes) -> tuple[str, int] | None:
    """(variant name, byte offset) of the first ISO-2022 multibyte designation in ``data``.

    ``ESC $`` starts a designation of a double-byte set; terminal colour codes
    (``ESC [``) and the single-byte ``ESC ( B`` do not count.
    """
    if b"\x1b$" not in data:
        return None
    m = _DESIGNATION.search(data)
    if m is None:
        return None
    intermediate, final = m.group(1), m.group(2)
    if intermediate in (b")", b"*", b"+") and final in _CN_FINALS:
        return "ISO-2022-CN", m.start()
    if intermediate in (b")", b"*", b"+") and final in _CN_EXT_FINALS:
        return "ISO-2022-CN-EXT", m.start()
    if intermediate == b")" and final == b"C":
        return "ISO-2022-KR", m.start()
    return "ISO-2022-JP", m.start()


# An EUC-TW character, or a byte EUC-TW has no use for (a damaged or foreign byte).
_EUC_TW_CHAR = re.compile(rb"\x8e[\xa1-\xb0][\xa1-\xfe][\xa1-\xfe]|[\xa1-\xfe][\xa1-\xfe]|[\x80-\xff]")
_UNKNOWN = b"\xf9\xfe"  # a rare Big5 character: planes 3–7 and unassigned codes score as rare
_STRAY = b"\xff"  # undecodable in Big5: a byte EUC-TW has no use for counts as bad


# Plane 1 hanzi whose Big5 place differs from their CNS place: (first, past last, shift).
_PLANE1_MOVES = (
    (1412, 1836, 1),
    (1836, 1837, -424),
    (3713, 3714, 387),
    (3714, 4101, -1),
    (4626, 4627, 189),
    (4627, 4816, -1),
    (4900, 4901, 146),
    (4901, 4955, -1),
    (4956, 4957, -2),
    (4957, 5047, -1),
)


def _plane1_place(index: int) -> int:
    for first, end, shift in _PLANE1_MOVES:
        if first <= index < end:
            return index + shift
    return index


def _big5(index: int, lead: int) -> bytes:
    row, col = divmod(index, 157)
    return bytes((lead + row, 0x40 + col if col < 63 else 0xA1 + col - 63))


@cache
def _euc_tw_table() -> dict[bytes, bytes]:
    table: dict[bytes, bytes] = {}
    for a in range(0xA1, 0xFF):
        for b in range(0xA1, 0xFF):
            i = (a - 0xA1) * 94 + (b - 0xA1)
            if a >= 0xC4:  # plane 1 hanzi → Big5 A440…
                j = i - (0xC4 - 0xA1) * 94
                table[bytes((a, b))] = _big5(_plane1_place(j), 0xA4) if j < 5401 else _UNKNOWN
            else:  # plane 1 symbols → Big5 A140… (roughly)
                table[bytes((a, b))] = _big5(i, 0xA1) if i < 408 else _UNKNOWN
            # plane 2 → Big5 C940…, skipping Big5's duplicates at C94A and DDFC
            j = i + (i >= 10) + (i >= 3293)
            table[bytes((0x8E, 0xA2, a, b))] = _big5(j, 0xC9) if j < 7652 else _UNKNOWN
    return table


def euc_tw_as_big5(data: bytes) -> bytes | None:
    """``data`` read as EUC-TW and re-encoded as Big5 (for scoring; a byte EUC-TW has
    no use for becomes one undecodable byte), or None when ``data`` is ASCII."""
    if data.isascii():
        return None
    table = _euc_tw_table()
    return _EUC_TW_CHAR.sub(lambda m: table.get(m.group(), _STRAY if len(m.group()) == 1 else _UNKNOWN), data)


_ASCII = re.compile("[\x00-\x7f]+")
# Patterns compiled on first use by ``re`` (the Hangul classes take ~4 ms to compile, and only
# a GB or Big5 reading of infrequent characters is compared with Korean and Japanese).
_HANGUL = "[\uac00-\ud7a3]"
_HANGUL_WORDS = "[\uac00-\ud7a3] [\uac00-\ud7a3]"  # Korean spaces its words; Chinese does not
# Korean's most frequent syllables (particles, endings): a third of real Korean text,
# about 2% of the random Hangul that Chinese bytes read as EUC-KR give.
_KOREAN_FREQUENT = "[이다는의에을가하고서지한로기리사자도를으시해수인그있것대들어정나일적과상전라우구보주세여]"
_KANA = "[\u3041-\u309f\u30a1-\u30ff]"
KOREAN_HANGUL = 0.8  # share of Hangul among non-ASCII characters
KOREAN_FREQUENT = 0.15  # share of Korean's frequent syllables among Hangul
JAPANESE_KANA = 0.2  # share of kana among non-ASCII characters
JAPANESE_KANA_AND_FREQUENT = 0.6  # share of kana and frequent kanji together
MIN_LETTERS = 3  # Hangul syllables or kana, at least: a few characters prove nothing
#: Distinct Hangul syllables, at least this many or 70% of them on a short text: Chinese of a few
#: repeated characters reads as EUC-KR into a few repeated syllables (一一丁丁丁丁丁丁丁 不促促:
#: 寧寧땀땀땀땀땀땀땀 꼇다다), and real Korean seldom repeats a syllable within a line.
MIN_DISTINCT = 8
#: Korean spaces its words every three or four syllables; GB's first rows of hanzi are where EUC-KR
#: has its Hangul, so a short line of common hanzi reads as unspaced Hangul, sometimes with a frequent
#: syllable or two (一一丁丁丁 七三丘丙丛促荐: 寧寧땀땀땀 펌힛헴깩님다수). At most this many syllables a space.
SYLLABLES_PER_SPACE = 6


def _korean(text: str, non_ascii: int) -> bool:
    syllables = re.findall(_HANGUL, text)
    hangul = len(syllables)
    return (
        hangul >= max(MIN_LETTERS, KOREAN_HANGUL * non_ascii)
        and len(set(syllables)) >= min(MIN_DISTINCT, 0.7 * hangul)
        and SYLLABLES_PER_SPACE * len(re.findall(_HANGUL_WORDS, text)) >= hangul
        and len(frequent := re.findall(_KOREAN_FREQUENT, text)) >= KOREAN_FREQUENT * hangul
        and len(set(frequent)) >= 2  # one frequent syllable repeated (다다) proves nothing
    )


def _japanese(text: str, non_ascii: int) -> bool:
    kana = len(re.findall(_KANA, text))
    if kana < max(MIN_LETTERS, JAPANESE_KANA * non_ascii):
        return False
    frequent = sum(map(frequent_chars().__contains__, _ASCII.sub("", text)))
    return kana + frequent >= JAPANESE_KANA_AND_FREQUENT * non_ascii


def korean_or_japanese(data: bytes) -> str | None:
    """ "EUC-KR" or "EUC-JP" when ``data`` reads (with at most one undecodable byte
    and 1% more) as Korean or Japanese text, else None."""
    if data.isascii():
        return None
    for codec, name, reads_as in (("cp949", "EUC-KR", _korean), ("euc_jp", "EUC-JP", _japanese)):
        text = data.decode(codec, "replace")
        non_ascii = len(text) - len(text.encode("ascii", "ignore"))
        # (the last character may be cut: the sample can end inside one)
        if 100 * text.count("\ufffd", 0, len(text) - 1) > non_ascii:
            continue
        if reads_as(text, non_ascii):
            return name
    return None
