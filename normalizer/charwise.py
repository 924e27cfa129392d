"""OpenCC's t2s as a lookup table, wherever no phrase of its dictionaries can change it.

t2s converts by longest match against its dictionaries: a phrase first (憑藉→凭借),
else the character alone. 410 of its 477 phrases convert unlike their characters one by
one, but each of them differs at one of 38 characters (於, 藉, 乾, 沈 …:
:func:`normalizer.charsets.t2s_sets`, "context") or at a compatibility ideograph its
normalization table rewrites. A text without such a character converts as each
character does alone: one numpy lookup over the text, no C++ call.

At a context character, the few phrases holding it are looked for (於 is in 25 of the
410: :func:`normalizer.charsets.t2s_phrases`). Where one is found, the span between the
nearest characters that no phrase key holds (no match crosses one) goes to OpenCC, all
spans of a text in one call, joined by newlines (outside every phrase too). On the
benchmark corpora one line in five holds a context character (於 above all) and 33–43%
of the documents hold such a phrase; the spans sent to OpenCC are 0.05% of the text.

:func:`t2s_codes` is held equal to OpenCC's own t2s by tests (every phrase key between
neighbours and overlapping, hypothesis text built from the phrases and their characters,
the seeds); on both benchmark corpora it gave OpenCC's output for all 4,866 documents.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .charsets import derived_from_opencc, t2s_phrases, t2s_sets
from .codepoints import UNICODE_SIZE, as_array, lookup_table, np_module
from .telling import HK2S_ONLY, T2S, TO_SIMPLIFIED, opencc_convert, opencc_converter, simplified_config

if TYPE_CHECKING:
    import numpy as np

#: What a character is to t2s's phrase matching (:func:`t2s_tables`' second table).
BOUNDARY, PHRASE, CONTEXT = 0, 1, 2


@cache
def t2s_tables() -> tuple[np.ndarray, np.ndarray] | None:
    """Two tables over every code point: what t2s writes for the character alone (uint32)
    and its :data:`BOUNDARY` / :data:`PHRASE` / :data:`CONTEXT` kind (uint8).

    The conversions are asked of the installed OpenCC, once per process (~5,000
    characters in one call). None when the sets were derived from another OpenCC
    version than the one installed: then its phrases may differ, and OpenCC does it all."""
    import opencc

    if opencc.__version__ != derived_from_opencc():
        return None
    np = np_module()
    sets = t2s_sets()
    changed = sorted(sets["changed"])
    alone = opencc_converter(T2S).convert("\n".join(changed)).split("\n")
    if len(alone) != len(changed):
        return None
    single = [(c, a) for c, a in zip(changed, alone, strict=True) if len(a) == 1]
    mapping = np.arange(UNICODE_SIZE, dtype=np.uint32)
    mapping[[ord(c) for c, _ in single]] = [ord(a) for _, a in single]
    # A character t2s writes as more than one (none in 1.4.2) is left to OpenCC.
    lengthened = {c for c, a in zip(changed, alone, strict=True) if len(a) != 1}
    kinds = lookup_table(((sets["phrase"], PHRASE), (sets["context"] | lengthened, CONTEXT)))
    return mapping, kinds


@cache
def context_phrases() -> dict[str, tuple[tuple[int, int, frozenset[str]], ...]]:
    """For each context character, the phrases of :func:`normalizer.charsets.t2s_phrases`
    that hold it, grouped by the character's offset in them and their length: at a
    character, one slice and one set lookup per group (於: 25 phrases, 6 groups)."""
    context = t2s_sets()["context"]
    groups: dict[str, dict[tuple[int, int], set[str]]] = {}
    for phrase in t2s_phrases():
        for k, char in enumerate(phrase):
            if char in context:
                groups.setdefault(char, {}).setdefault((k, len(phrase)), set()).add(phrase)
    return {
        char: tuple((k, n, frozenset(phrases)) for (k, n), phrases in sorted(by_place.items()))
        for char, by_place in groups.items()
    }


def simplified_codes(text: str) -> np.ndarray | None:
    """:func:`t2s_codes` for :data:`normalizer.telling.TO_SIMPLIFIED` (hk2s): the lines that
    hold a character of :data:`normalizer.telling.HK2S_ONLY` go to OpenCC's hk2s, all
    in one call; on the others t2s converts alike, and OpenCC converts line by line
    (no phrase holds a line break)."""
    codes = t2s_codes(text)
    if codes is None or simplified_config(text) == T2S:
        return codes
    return codes if _convert_spans(text, codes, _hong_kong_lines(text), TO_SIMPLIFIED) else None


def _hong_kong_lines(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of the lines (cut at newlines) holding a character of
    :data:`normalizer.telling.HK2S_ONLY`, in order."""
    lines = set()
    for char in HK2S_ONLY:
        p = text.find(char)
        while p >= 0:
            end = text.find("\n", p)
            end = len(text) if end < 0 else end
            lines.add((text.rfind("\n", 0, p) + 1, end))
            p = text.find(char, end)
    return sorted(lines)


def t2s_codes(text: str) -> np.ndarray | None:
    """The code points of OpenCC's t2s conversion of ``text`` (a new array), or None
    where a phrase in a span changes the length (none in 1.4.2's dictionaries) or the
    tables are unavailable: then the caller asks OpenCC for the whole text."""
    tables = t2s_tables()
    if tables is None:
        return None
    mapping, kinds = tables
    x = as_array(text)
    kind = kinds.take(x)
    y = mapping.take(x)
    context = np_module().flatnonzero(kind == CONTEXT)
    found = _phrases_at(text, context.tolist()) if context.size else []
    if found and not _convert_spans(text, y, _spans(text, found)):
        return None
    return y


def _phrases_at(text: str, positions: list[int]) -> list[int]:
    """The context characters at ``positions`` that are part of a phrase t2s converts unlike
    its characters, or that no such phrase explains (a compatibility ideograph)."""
    phrases = context_phrases()
    found = []
    for p in positions:  # a plain loop: half the cost of any() over a generator
        listed = phrases.get(text[p])
        if listed is None:
            found.append(p)
            continue
        for k, n, group in listed:
            # A slice with a negative start would count from the end: the phrase must fit.
            if p >= k and text[p - k : p - k + n] in group:
                found.append(p)
                break
    return found


@cache
def phrase_chars() -> frozenset[str]:
    """The characters a phrase key of t2s holds (kind :data:`PHRASE` or :data:`CONTEXT` in
    :func:`t2s_tables`): no phrase match crosses any other character."""
    tables = t2s_tables()
    if tables is None:
        return frozenset()
    return frozenset(map(chr, np_module().flatnonzero(tables[1]).tolist()))


def _spans(text: str, positions: list[int]) -> list[tuple[int, int]]:
    """Start and end offsets of the runs of :func:`phrase_chars` that hold one of ``positions``
    (in order; each a phrase character), each run once, in order.

    A walk from each position to the nearest other character on either side: a page has
    one or two such runs, a few characters long, where whole-text array passes would
    cost more than the walk."""
    inside = phrase_chars()
    n = len(text)
    spans: list[tuple[int, int]] = []
    for p in positions:
        if spans and p < spans[-1][1]:  # in the run found last
            continue
        start, end = p, p + 1
        while start and text[start - 1] in inside:
            start -= 1
        while end < n and text[end] in inside:
            end += 1
        spans.append((start, end))
    return spans


def _convert_spans(text: str, codes: np.ndarray, spans: list[tuple[int, int]], config: str = T2S) -> bool:
    """Write OpenCC's conversion (``config``) of each span into ``codes``, all spans in one
    call joined by newlines (outside every phrase); False where a span's conversion has
    another length."""
    converted = opencc_convert("\n".join([text[s:e] for s, e in spans]), config).split("\n")
    if len(converted) != len(spans) or any(len(c) != e - s for c, (s, e) in zip(converted, spans, strict=True)):
        return False
    for piece, (s, e) in zip(converted, spans, strict=True):
        codes[s:e] = _codes(piece)
    return True


def _codes(text: str) -> np.ndarray:
    """Code points of a span text (not :func:`as_array`, which keeps the document's)."""
    numpy = np_module()
    return numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
