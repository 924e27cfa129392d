"""Character sets the stages share, loaded once per process on first use.

* Script sets (traditional-only, simplified-only, variant and context forms) come from
  OpenCC's dictionaries via ``tools/derive_charsets.py`` and ship as ``data/charsets.txt``.
* The "common Chinese characters" set used to judge a decoding is built from the
  codecs themselves: GB2312 level 1 (3,755 everyday simplified hanzi), Big5's
  frequent block (5,401 traditional hanzi) and both codecs' CJK punctuation.
* Everyday characters of written Hong Kong Cantonese (嗰, 喎, 餸) come from real
  sentences via ``tools/derive_cantonese.py`` (``data/cantonese.txt``).
* :func:`decode_score_table` marks the common and frequent characters in a numpy
  table over every code point, so a decoding is judged in one pass (numpy is
  imported only when it is asked for).
"""

from __future__ import annotations

import pkgutil
import re
from functools import cache


def _data(name: str) -> str:
    """A file of the package's ``data`` folder, as text.

    pkgutil rather than importlib.resources: the same loaders (zip imports too), without
    the ~5 ms that importing importlib.resources adds to every start of the pre-commit hook.
    """
    data = pkgutil.get_data(__package__, f"data/{name}")
    if data is None:
        raise FileNotFoundError(f"{__package__}/data/{name}: the package's loader cannot read data files")
    return data.decode("utf-8")


@cache
def script_sets() -> dict[str, frozenset[str]]:
    text = _data("charsets.txt")
    sets = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, chars = line.split("\t")
            sets[name] = frozenset(chars)
    return sets


def traditional_only() -> frozenset[str]:
    return script_sets()["traditional_only"]


def simplified_only() -> frozenset[str]:
    return script_sets()["simplified_only"]


def variant_forms() -> frozenset[str]:
    """Characters t2s changes outside the names and words it lists (陞, 剋, 袷): where
    OpenCC changes one, the text is traditional."""
    return script_sets()["variant_forms"]


@cache
def abolished_forms() -> frozenset[str]:
    """Variant forms outside GB2312, mainland's standard character set (陞, 剋; not 於 or
    袷, which mainland text writes as a surname and in 袷袢): never written on purpose
    in simplified text."""
    return frozenset(c for c in variant_forms() if not _encodes(c, "gb2312"))


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def context_forms() -> frozenset[str]:
    """Other characters OpenCC may change (乾, 藉, 覆): both scripts write them, only a
    word tells which script a text is in (乾杯 is traditional, 乾隆 is both)."""
    return script_sets()["context_forms"]


def t2s_sets() -> dict[str, frozenset[str]]:
    """What t2s does character by character (``tools/derive_charsets.py``): "changed"
    (characters t2s changes when converting them alone), "phrase" (characters of its
    phrase keys) and "context" (characters a phrase converts unlike their own conversion)."""
    sets = script_sets()
    return {"changed": sets["t2s_changed"], "phrase": sets["t2s_phrase_chars"], "context": sets["t2s_context_chars"]}


@cache
def t2s_phrases() -> tuple[str, ...]:
    """The phrases t2s converts unlike their characters one by one (憑藉→凭借, 藉 alone
    stays), from ``tools/derive_charsets.py`` (``data/t2s_phrases.txt``)."""
    return tuple(line for line in _data("t2s_phrases.txt").splitlines() if line and not line.startswith("#"))


@cache
def derived_from_opencc() -> str:
    """The OpenCC version ``charsets.txt`` was derived from (its first line names it)."""
    first = _data("charsets.txt").partition("\n")[0]
    return first.removeprefix("# Derived from OpenCC ").partition(" ")[0]


def _data_chars(name: str) -> frozenset[str]:
    text = _data(name)
    return frozenset("".join(line for line in text.splitlines() if not line.startswith("#")))


@cache
def verbs() -> frozenset[str]:
    """Single-character verbs of news text in both scripts (``tools/derive_verbs.py``)."""
    return _data_chars("verbs.txt")


@cache
def verbs_before_zhu() -> frozenset[str]:
    """Two-character verbs ending in the first character of a word that ends in 著
    (扩大 / 大著, 讨论 / 论著), from ``tools/derive_verbs.py``."""
    text = _data("verbs_before_zhu.txt")
    return frozenset(" ".join(line for line in text.splitlines() if not line.startswith("#")).split())


@cache
def variant_words() -> dict[str, tuple[str, frozenset[str], frozenset[str]]]:
    """Variant forms t2s keeps by default (甯, 甦) → (standard form, two-character
    pieces in which OpenCC writes the standard form, pieces in which it writes the
    variant), from ``tools/derive_variants.py``."""
    text = _data("variant_words.txt")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            variant, standard, pieces, names = line.split("\t")
            table[variant] = (standard, frozenset(pieces.split()), frozenset(names.split()))
    return table


@cache
def cantonese_chars() -> frozenset[str]:
    """Everyday characters of written Hong Kong Cantonese that :func:`common_chars` lacks."""
    return _data_chars("cantonese.txt")


def _decode_block(codec: str, leads: range, trails: range) -> set[str]:
    chars = set()
    for lead in leads:
        for trail in trails:
            try:
                chars.add(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                pass
    return chars


@cache
def common_chars() -> frozenset[str]:
    """Everyday hanzi and CJK punctuation in either script (built from the codecs)."""
    gb_trails = range(0xA1, 0xFF)
    chars = _decode_block("gb2312", range(0xB0, 0xD8), gb_trails)  # level 1 hanzi
    chars |= _decode_block("gb2312", range(0xA1, 0xA2), gb_trails)  # 、。“”《》…
    chars |= _decode_block("gb2312", range(0xA3, 0xA4), gb_trails)  # fullwidth ，；：（）
    big5_trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    chars |= _decode_block("big5", range(0xA4, 0xC6), big5_trails)  # frequent hanzi
    chars |= {c for c in _decode_block("big5", range(0xC6, 0xC7), range(0x40, 0x7F))}
    chars |= _decode_block("big5", range(0xA1, 0xA2), big5_trails)  # Big5 punctuation
    return frozenset(chars)


@cache
def frequent_chars() -> frozenset[str]:
    """The ~800 most frequent hanzi of news, in both scripts (``tools/derive_frequent.py``)."""
    text = _data("frequent.txt")
    return frozenset("".join(line for line in text.splitlines() if not line.startswith("#")))


COMMON = 1  # bit of decode_score_table(): a common character
FREQUENT = 2  # bit of decode_score_table(): one of the frequent news hanzi


@cache
def decode_score_table():
    """A uint8 numpy table over every code point: :data:`COMMON` | :data:`FREQUENT` bits
    of the character (0 for the rest), to count both in one lookup of a whole text."""
    from .codepoints import cached_table

    common, frequent = common_chars(), frequent_chars()
    groups = ((common, COMMON), (frequent, FREQUENT), (common & frequent, COMMON | FREQUENT))
    return cached_table("decode-scores", groups)


@cache
def rare_han_re() -> re.Pattern[str]:
    """Han characters outside the common set (used to spot mojibake)."""
    common = "".join(sorted(c for c in common_chars() if "\u4e00" <= c <= "\u9fff"))
    return re.compile("[^" + re.escape(common) + r"\x00-\u33ff\ua000-\U0010ffff]")
