"""A cheap, conservative test that normalizing a text would change and flag nothing.

Why: the pre-commit hook runs at every commit, mostly on files that are already clean,
and the full pipeline loads numpy, OpenCC's dictionaries and pypinyin's reading table
first. So :func:`is_clean` asks each stage's own light test, or the stage's own data,
whether it could act, and imports nothing heavy. Everyday clean text passes: 著 words
(显著, 著名), a ``?`` between ordinary words or in a URL, a ``#话题#`` hashtag.

What each stage needs to stay idle:

* decode: no lone surrogate, no byte-order mark, already NFC;
* conversion: nothing :func:`normalizer.convert.may_convert` could change (no traditional
  evidence, no variant word such as 甚么; then OpenCC is not even run);
* annotations: no parenthesised syllable (:func:`normalizer.annotations.may_have_annotations`);
* mojibake: no ``?`` or U+FFFD, or :func:`normalizer.mojibake.find_mojibake` flags none;
* 著: each 著 is part of a 著 word as the fix stage reads it (:data:`normalizer.fixes.ZHU_SCAN`);
* punctuation: no small form, nothing shaped like a numeric entity (:data:`normalizer.fixes.ENTITY_PATTERN`),
  whatever it would decode to;
* controls: no character :mod:`normalizer.controls` removes (ESC, BEL, VT, DEL, C1 ...);
* NUL: none (the batch and the hook call such a file "not plain text").

False means "run the pipeline", not "dirty": 执著 on a simplified line, which the pipeline
leaves as written, still goes through it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from .annotations import may_have_annotations
from .controls import has_controls
from .convert import may_convert
from .fixes import ENTITY_PATTERN, SMALL_FORMS, ZHE_FROM, ZHU_SCAN
from .mojibake import find_mojibake

#: Characters whose presence always sends a text down the pipeline.
ACTIONABLE = frozenset("\x00\ufeff\ufffd" + "".join(SMALL_FORMS))


@cache
def _entity_re() -> re.Pattern[str]:
    return re.compile(ENTITY_PATTERN)


@cache
def _zhu_scan() -> re.Pattern[str]:
    return re.compile(ZHU_SCAN)


def has_entity(text: str) -> bool:
    """Whether ``text`` holds something the punctuation stage may read as a numeric entity."""
    return "#" in text and _entity_re().search(text) is not None


def has_lone_zhe(text: str) -> bool:
    """Whether some 著 in ``text`` is not part of a 著 word (显著, 著名 …), so may be the particle 着."""
    return ZHE_FROM in text and any(m.group() == ZHE_FROM for m in _zhu_scan().finditer(text))


def is_clean(text: str) -> bool:
    """True only when normalizing ``text`` would change and flag nothing (see the module docstring)."""
    if text.isascii():  # no Han character: no annotation, conversion, 著 or mojibake
        return "\x00" not in text and not has_controls(text) and not has_entity(text)
    if not ACTIONABLE.isdisjoint(text) or has_controls(text) or may_convert(text) or may_have_annotations(text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    if not unicodedata.is_normalized("NFC", text) or has_entity(text) or has_lone_zhe(text):
        return False
    # Last, as it may build the rare-character table: a ``?`` may end or start a mojibake run.
    return "?" not in text or not find_mojibake(text)
