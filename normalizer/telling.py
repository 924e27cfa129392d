"""Traditional text that no traditional-only character gives away.

Script detection (:mod:`normalizer.script`) counts the characters only one script
writes. Some traditional text has none: 步步高陞, 相剋, 乾杯, 袷衣. What tells is what
OpenCC does with it, in context:

* a *variant form* (:func:`normalizer.charsets.variant_forms`: 陞, 剋, 袷, 祕) that
  OpenCC changes. t2s keeps these only in the names and words its phrase table
  lists (楊聯陞, 剋架), so where it changes one the text is written in traditional
  forms, and a mainland editor would write the standard form;
* a variant form that t2s keeps as a name character (甯) inside a word in which
  OpenCC writes the standard form (列甯: OpenCC writes 列寧, mainland text 列宁;
  :func:`standard_form_at`);
* in text with no telling character at all, a *context form* (乾, 藉) that OpenCC
  changes and that OpenCC's own s2t writes back the same way: 乾杯→干杯→乾杯 is how
  traditional text writes the word, while 萧乾→萧干→蕭幹 is a name t2s would damage;
  and 著 directly after a verb, outside a 著 word (惹著他): simplified text writes
  the particle 着.

Each is a position of traditional evidence, counted like a traditional-only
character. OpenCC runs here only on the lines that hold a candidate character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from . import fixes
from .charsets import variant_words, verbs
from .codepoints import as_array, np_module, sorted_distinct

if TYPE_CHECKING:
    import numpy as np

#: What the pipeline converts with (t2s plus Hong Kong variant forms) and how OpenCC
#: writes simplified text back in traditional forms.
TO_SIMPLIFIED, TO_TRADITIONAL = "hk2s", "s2t"


@cache
def opencc_converter(config: str):
    """An OpenCC converter for ``config``, built once per process (it cannot be pickled)."""
    import opencc

    return opencc.OpenCC(config)


#: The characters on which hk2s and t2s part: the seven Hong Kong variant forms whose
#: hk2s output differs from t2s's (衞→卫, where t2s keeps 衞), and 胄/冑, which hk2s's
#: phrase table rewrites in words. Measured: on 97,420 People's Daily lines (as written
#: and through s2t, s2tw, s2hk and s2twp), 16,162 HKCanCor utterances and the 4,866
#: documents of both benchmark corpora, every text without one of these converts the
#: same with either; the tests hold the list to the installed OpenCC's dictionaries.
HK2S_ONLY = "敍枱潀粧糭衞衹胄冑"
T2S = "t2s"


def simplified_config(text: str) -> str:
    """The OpenCC configuration that converts ``text`` as :data:`TO_SIMPLIFIED` does, at
    the least cost: plain t2s (two thirds of hk2s's time: one dictionary chain fewer)
    unless ``text`` holds a character of :data:`HK2S_ONLY`."""
    return TO_SIMPLIFIED if any(c in text for c in HK2S_ONLY) else T2S


def opencc_convert(text: str, config: str = TO_SIMPLIFIED) -> str:
    """OpenCC's conversion; its C++ side ends a string at NUL, so NULs are kept outside,
    and cannot take lone surrogates (undecodable bytes a streamed piece still holds as
    escapes), which pass through as U+FFFD and are put back. :data:`TO_SIMPLIFIED` runs
    as :func:`simplified_config` chooses (the same output)."""
    if config == TO_SIMPLIFIED:
        config = simplified_config(text)
    convert = opencc_converter(config).convert
    if "\x00" in text:
        return "\x00".join(opencc_convert(part, config) for part in text.split("\x00"))
    surrogates = [m.start() for m in _SURROGATE.finditer(text)] if not text.isascii() else []
    if not surrogates:
        return convert(text)
    out = convert(_SURROGATE.sub("\ufffd", text))
    if len(out) != len(text):
        return out
    chars = list(out)
    for p in surrogates:
        chars[p] = text[p]
    return "".join(chars)


_SURROGATE = re.compile("[\ud800-\udfff]")


def standard_form_at(text: str, p: int) -> tuple[str, str] | None:
    """For a variant form that t2s keeps as a name character at ``p`` (甯): its
    standard form and the word piece in which OpenCC writes that form, when a
    neighbour makes such a piece and none makes a piece of the names OpenCC lists."""
    entry = variant_words().get(text[p])
    if entry is None:
        return None
    standard, pieces, names = entry
    around = [text[p - 1] + standard] if p else []
    around += [standard + text[p + 1]] if p + 1 < len(text) else []
    found = [a for a in around if a in pieces]
    if not found or any(a in names for a in around):
        return None
    return standard, found[0]


@cache
def particle_verbs() -> frozenset[str]:
    """The characters after which 著 is the particle 着: the verbs, and the few other
    characters :data:`normalizer.fixes.ZHE_BEFORE` lists (built once: the union costs
    ~5 µs, and every page holding a 著 asks for it)."""
    return verbs() | fixes.ZHE_BEFORE


def particle_positions(text: str) -> list[int]:
    """Offsets of 著 directly after a verb and outside every 著 word (惹著他, not 显著),
    but for a predicate such as 著有, which a verb cannot precede (看著有點累)."""
    verb_set = particle_verbs()
    found = []
    p = text.find(fixes.ZHE_FROM)
    while p >= 0:
        if p and text[p - 1] in verb_set and not _in_zhu_word(text, p):
            found.append(p)
        p = text.find(fixes.ZHE_FROM, p + 1)
    return found


def _in_zhu_word(text: str, p: int) -> bool:
    for word in fixes.ZHU_WORDS:
        k = word.index(fixes.ZHE_FROM)
        if text.startswith(word, p - k) and word not in fixes.ZHU_PREDICATES:
            return True
    return False


def telling_positions(
    text: str, lines: tuple[Sequence[int], Sequence[int]], variant: np.ndarray, context: np.ndarray | None
) -> np.ndarray:
    """Offsets of traditional evidence in ``text``.

    ``lines`` holds the start and end offset of each line; ``variant`` marks the
    variant forms (a bool per character). ``context`` marks the context forms, or is
    None when the text holds telling characters of its own: then only variant forms
    count (乾杯 or 惹著 is no evidence against simplified characters nearby).
    """
    np = np_module()
    wanted = variant if context is None else variant | context
    positions = np.flatnonzero(wanted)
    if context is None and not positions.size:  # most simplified pages: no variant form to look at
        return positions
    found = [np.array(particle_positions(text), dtype=np.int64)] if context is not None else []
    starts, ends = lines
    for line in sorted_distinct(np.searchsorted(ends, positions, side="right")).tolist():
        start, end = int(starts[line]), int(ends[line])
        before = text[start:end]
        after = opencc_convert(before)
        if len(after) != len(before):  # a phrase changed length: no position to compare
            continue
        x, y = as_array(before), as_array(after)
        changed = x != y
        tells = changed & variant[start:end]
        for k in np.flatnonzero(~changed & variant[start:end]).tolist():
            if standard_form_at(after, k):
                tells[k] = True
        if context is not None and changed.any():
            back = as_array(opencc_convert(after, TO_TRADITIONAL))
            if len(back) == len(x):
                tells |= changed & context[start:end] & (back == x)
        found.append(np.flatnonzero(tells) + start)
    return sorted_distinct(np.concatenate(found)) if found else positions
