"""Stage 4: traditional → mainland simplified, with OpenCC and our fixes.

* OpenCC's official binding with the stock ``hk2s`` configuration: t2s plus Hong
  Kong variant forms (衞→卫, 敍→叙) that plain t2s leaves alone. Never the ``*2sp``
  vocabulary modes.
* Do no harm: the line's script decides what may change. On lines in traditional
  or mixed script (or lines without distinguishing characters in such a document)
  every OpenCC change is applied. On simplified lines only traditional-only
  characters are converted, and in a simplified document not even those: there
  they are mostly names (三塚博) and are reported as ``stray-traditional`` flags.
  So stock t2s's 萧乾→萧干 and 藉以→借以 never touch simplified text. Variant forms
  outside GB2312 that OpenCC changes (他陞任→他升任) are the exception: mainland text
  never writes them, names included.
* OpenCC's t2s runs as a table lookup wherever none of its phrases can apply
  (:mod:`normalizer.charwise`: the same output at a third of the cost).
* Never a rare form for an everyday character: OpenCC's t2s follows the 2013
  standard's derived forms into Extension A/B (嗰→𠮶, 喎→㖞, 餸→𩠌), which simplified
  Cantonese writing does not use and many fonts cannot show. Where the input is an
  everyday character (GB2312 level 1, Big5's frequent block, or an everyday
  character of Hong Kong writing, :func:`normalizer.charsets.cantonese_chars`) and
  OpenCC's output is outside the Unified Ideographs block, the input is kept.
* :mod:`normalizer.fixes`: 著→着 in context, small-form punctuation.

The OpenCC converter is built lazily, once per process (it cannot be pickled).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING

from . import fixes
from .charsets import (
    abolished_forms,
    cantonese_chars,
    common_chars,
    traditional_only,
    variant_words,
    verbs_before_zhu,
)
from .charwise import simplified_codes
from .codepoints import as_array, as_text, cached_table, line_ends, np_module
from .edits import AlignedEdits, diff_edits
from .model import CONVERT, ENTITY, FIX, PUNCTUATION, Edit, Flag, ScriptVerdict, StageResult
from .script import MIXED, SIMPLIFIED, TRADITIONAL, VERDICTS, detect_script, may_tell_traditional
from .telling import TO_SIMPLIFIED, opencc_convert, opencc_converter, particle_verbs, standard_form_at

if TYPE_CHECKING:
    import numpy as np

OPENCC_CONFIG = TO_SIMPLIFIED  # hk2s


def traditional_only_table() -> np.ndarray:
    """uint8 per code point: 1 for traditional-only characters."""
    return cached_table("traditional-only", ((traditional_only(), 1),))


def converter():
    """The process's OpenCC converter (built on first use)."""
    return opencc_converter(OPENCC_CONFIG)


def abolished_table() -> np.ndarray:
    """uint8 per code point: 1 for abolished variant forms (:func:`normalizer.charsets.abolished_forms`)."""
    return cached_table("abolished-forms", ((abolished_forms(), 1),))


@cache
def everyday_table() -> np.ndarray:
    """uint8 per code point: 1 for everyday characters (codec common sets, Hong Kong writing)."""
    return cached_table("everyday", ((common_chars() | cantonese_chars(), 1),))


FULL, STRAYS, KEEP = "full", "strays", "keep"
CONTEXTS = (FULL, STRAYS, KEEP)  # by code, as :func:`context_codes` returns them
_FULL, _STRAYS, _KEEP = range(3)

# Characters str.splitlines breaks at: a conversion that touches one changes the line structure.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def may_convert(text: str) -> bool:
    """Whether the conversion stages could change ``text`` at all, beyond 著 and
    punctuation (a cheap, conservative test on sets: no numpy, no OpenCC): traditional
    evidence (:func:`normalizer.script.may_tell_traditional`) or a variant word (甚么)."""
    return may_tell_traditional(text) or any(word in text for word in fixes.VARIANT_WORDS)


def _opencc(text: str) -> str:
    """OpenCC's conversion, with everyday characters kept where it gives a rare form."""
    return keep_everyday(text, opencc_convert(text, OPENCC_CONFIG))


def keep_everyday(before: str, after: str) -> str:
    """``after`` (OpenCC's output for ``before``) with every everyday character that it
    turned into a rare form (Extension A, or beyond the BMP) put back.

    Only where OpenCC kept the length, which a single-character mapping always does;
    :func:`_line_stage` retries line by line otherwise."""
    if len(before) != len(after) or before == after or after.isascii():
        return after
    np = np_module()
    x, y = as_array(before), as_array(after)
    rare = ((y >= 0x3400) & (y < 0x4DC0)) | (y >= 0x20000)
    back = rare & (x != y) & everyday_table()[x].astype(bool)
    return as_text(np.where(back, x, y)) if back.any() else after


def everyday_put_back(at: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Positions where :func:`keep_everyday` puts the character back, given the positions of
    the characters OpenCC changed (``at``, in order) and their code points before and after:
    the same choice made on the changed characters only (a few hundred in a page)."""
    np = np_module()
    rare = ((after >= 0x3400) & (after < 0x4DC0)) | (after >= 0x20000)
    if not np.count_nonzero(rare):  # t2s rarely writes Extension A or beyond
        return at[:0]
    return at[rare][everyday_table().take(before[rare]).astype(bool)]


_TRADITIONAL_LINE, _SIMPLIFIED_LINE, _MIXED_LINE = (VERDICTS.index(v) for v in (TRADITIONAL, SIMPLIFIED, MIXED))


def context_codes(script: ScriptVerdict) -> np.ndarray:
    """For each line, a code into :data:`CONTEXTS`: "full" (apply every OpenCC change),
    "strays" (convert only traditional-only characters) or "keep" (apply no OpenCC
    change; flag strays).

    A line's own verdict decides, except that one character of the other script
    does not turn a line against its document: a PRC form such as 并 on a short line
    of a traditional page, or a name such as 三塚 on a line of simplified news.
    """
    np = np_module()
    codes, doc = script.lines.codes, script.verdict
    # A page in one script (most pages): one code for every line, as the rule below gives.
    if doc == TRADITIONAL and not (codes == _SIMPLIFIED_LINE).any():
        return np.full(len(codes), _FULL, dtype=np.uint8)
    if doc == SIMPLIFIED and not ((codes == _TRADITIONAL_LINE) | (codes == _MIXED_LINE)).any():
        return np.full(len(codes), _KEEP, dtype=np.uint8)
    return context_codes_by_line(script)


def context_codes_by_line(script: ScriptVerdict) -> np.ndarray:
    """:func:`context_codes` decided line by line (the reference for its shortcuts)."""
    np = np_module()
    lines = script.lines
    v, t, s = lines.codes.copy(), lines.traditional, lines.simplified
    doc = script.verdict
    trad, simp, mixed = (VERDICTS.index(x) for x in (TRADITIONAL, SIMPLIFIED, MIXED))
    if doc == TRADITIONAL:
        v[(v == simp) & (s <= 1)] = trad
    elif doc == SIMPLIFIED:
        v[(v == trad) & (t <= 1)] = simp
    full = (v == trad) | (v == mixed) | ((v != simp) & (doc in (TRADITIONAL, MIXED)))
    strays = ~full & (v == simp) & (doc != SIMPLIFIED)
    return np.where(full, _FULL, np.where(strays, _STRAYS, _KEEP)).astype(np.uint8)


def _line_starts(text: str) -> list[int]:
    return [0, *line_ends(text)]


def opencc_stage(text: str, contexts: np.ndarray, protected: Sequence[tuple[int, int]] = ()) -> StageResult:
    """Apply OpenCC where each line's context (:func:`context_codes`) allows; flag what
    is left on purpose.

    t2s runs as a table lookup wherever none of its phrases can apply
    (:mod:`normalizer.charwise`). When OpenCC keeps the length and the line breaks (the
    usual case), the choice is made for all characters at once on code-point arrays and
    the edits stay compact (:class:`normalizer.edits.AlignedEdits`); otherwise line by line.
    """
    if text.isascii():
        return StageResult(text, same_length=True)
    codes = simplified_codes(text)
    if codes is not None:
        return _same_length_stage(text, (as_array(text), codes), contexts, protected)
    converted = opencc_convert(text, OPENCC_CONFIG)
    if converted == text:
        return StageResult(text, same_length=True)
    if len(converted) == len(text):
        return _same_length_stage(text, (as_array(text), as_array(converted)), contexts, protected)
    return _line_stage(text, converted, [CONTEXTS[c] for c in contexts.tolist()], protected)


def _same_length_stage(
    text: str, codes: tuple[np.ndarray, np.ndarray], contexts: np.ndarray, protected: Sequence[tuple[int, int]]
) -> StageResult:
    """:func:`opencc_stage` where OpenCC kept the length: ``codes`` holds the code points
    of the text and of OpenCC's output."""
    np = np_module()
    x, y = codes
    changed = x != y
    at = np.flatnonzero(changed)
    if not at.size:
        return StageResult(text, same_length=True)
    # The changed characters, before and after: taken by position (a few hundred in a page),
    # cheaper than masking the whole text again for each use.
    masked = x.take(at), y.take(at)
    back = everyday_put_back(at, *masked)
    if back.size:
        y = y.copy()
        y[back] = x[back]
        changed[back] = False
        at = np.flatnonzero(changed)
        if not at.size:
            return StageResult(text, same_length=True)
        masked = x.take(at), y.take(at)
    converted = as_text(y)
    breaks = cached_table("line-breaks", ((_LINE_BREAKS, 1),))
    if breaks.take(masked[0]).any() or breaks.take(masked[1]).any():
        return _line_stage(text, converted, [CONTEXTS[c] for c in contexts.tolist()], protected)
    if not protected and (contexts == _FULL).all():  # lines without a context are "full" too
        # A page in one script: every change OpenCC made is kept (the summary counts `masked`).
        edits = AlignedEdits(CONVERT, text, converted, (x, y), changed, masked=masked)
        return StageResult(converted, edits, (), True)
    return _aligned_stage(text, (x, y), changed, contexts, protected)


def _aligned_stage(
    text: str,
    codes: tuple[np.ndarray, np.ndarray],
    changed: np.ndarray,
    contexts: np.ndarray,
    protected: Sequence[tuple[int, int]],
) -> StageResult:
    np = np_module()
    x, y = codes
    lengths = np.diff(np.array(_line_starts(text), dtype=np.int64))
    ctx = np.full(len(lengths), _FULL, dtype=np.uint8)
    known = min(len(contexts), len(lengths))
    ctx[:known] = contexts[:known]
    per_char = np.repeat(ctx, lengths)
    for s, e in protected:
        changed[max(s, 0) : max(e, 0)] = False
    t_only = traditional_only_table()[x].astype(bool)
    # A variant form outside GB2312 that OpenCC changes is no name: mainland text never
    # writes it (他陞任). 於 and 袷 are GB2312 characters (a surname, 袷袢) and stay.
    variants = changed & (per_char != _FULL) & abolished_table()[x].astype(bool)
    strays = ((per_char == _STRAYS) & changed & t_only) | variants
    keep = (changed & (per_char == _FULL)) | strays
    flags = tuple(
        Flag("stray-traditional", p, p + 1, text[p], f"kept in simplified text (OpenCC: {chr(y[p])})")
        for p in np.flatnonzero(changed & (per_char == _KEEP) & t_only).tolist()
    )
    if not keep.any():
        return StageResult(text, (), flags, same_length=True)
    out = np.where(keep, y, x)
    after = as_text(out)
    reason = "stray traditional or variant form" if variants.any() else "stray traditional character"
    edits = AlignedEdits(CONVERT, text, after, (x, out), keep, strays, reason)
    return StageResult(after, edits, flags, same_length=True)


def _line_stage(
    text: str, converted: str, contexts: Sequence[str], protected: Sequence[tuple[int, int]]
) -> StageResult:
    """OpenCC changed a length or a line break somewhere: convert and compare line by line."""
    old_lines = text.splitlines(keepends=True)
    new_lines = converted.splitlines(keepends=True)
    if len(converted) != len(text) or len(old_lines) != len(new_lines):
        new_lines = [_opencc(line) for line in old_lines]
    t_only = traditional_only()
    edits: list[Edit] = []
    flags: list[Flag] = []
    out: list[str] = []
    pos = 0
    same_length = True
    for i, (old, new) in enumerate(zip(old_lines, new_lines, strict=False)):
        ctx = contexts[i] if i < len(contexts) else FULL
        if old != new and protected:
            new = _restore_protected(old, new, pos, protected)
        if old == new or (ctx == KEEP and t_only.isdisjoint(old) and abolished_forms().isdisjoint(old)):
            out.append(old)
            pos += len(old)
            continue
        line_edits = diff_edits(CONVERT, old, new, pos)
        same_length = same_length and len(old) == len(new)
        if ctx != FULL:
            line_edits, stray_flags = _only_strays(line_edits, t_only, convert=ctx == STRAYS)
            flags.extend(stray_flags)
        edits.extend(line_edits)
        out.append(new if ctx == FULL else _apply_line(old, line_edits, pos))
        pos += len(old)
    return StageResult("".join(out), tuple(edits), tuple(flags), same_length)


def _only_strays(edits: Sequence[Edit], t_only: frozenset[str], *, convert: bool) -> tuple[list[Edit], list[Flag]]:
    """On a simplified line keep only traditional-only characters: converted when
    ``convert``, otherwise reported (names such as 三塚 in simplified news); and
    abolished variant forms, always converted (mainland text never writes 陞)."""
    kept: list[Edit] = []
    flags: list[Flag] = []
    variants = abolished_forms()
    for e in edits:
        if len(e.before) != len(e.after):
            continue
        for k, (a, b) in enumerate(zip(e.before, e.after)):
            if a == b or (a not in t_only and a not in variants):
                continue
            if a in variants:
                kept.append(Edit(CONVERT, e.start + k, e.start + k + 1, a, b, "variant form"))
            elif convert:
                kept.append(Edit(CONVERT, e.start + k, e.start + k + 1, a, b, "stray traditional character"))
            else:
                reason = f"kept in simplified text (OpenCC: {b})"
                flags.append(Flag("stray-traditional", e.start + k, e.start + k + 1, a, reason))
    return kept, flags


def _apply_line(line: str, edits: Sequence[Edit], offset: int) -> str:
    parts = []
    pos = 0
    for e in edits:
        parts.append(line[pos : e.start - offset])
        parts.append(e.after)
        pos = e.end - offset
    parts.append(line[pos:])
    return "".join(parts)


def _restore_protected(old: str, new: str, offset: int, protected: Sequence[tuple[int, int]]) -> str:
    if len(old) != len(new):
        return old if any(s < offset + len(old) and offset < e for s, e in protected) else new
    chars = list(new)
    for s, e in protected:
        for k in range(max(s, offset), min(e, offset + len(old))):
            chars[k - offset] = old[k - offset]
    return "".join(chars)


@cache
def zhe_pattern() -> re.Pattern[str]:
    """How the fix stage reads 著 (:data:`normalizer.fixes.ZHU_SCAN`); scanning the whole text
    with it is the plain reference that :func:`zhe_matches` is tested equal to."""
    return re.compile(fixes.ZHU_SCAN)


def fix_stage(text: str, contexts: np.ndarray, protected: Sequence[tuple[int, int]] = ()) -> StageResult:
    """著→着 where context shows the particle, and variant forms OpenCC leaves written
    as mainland text writes them (see :mod:`normalizer.fixes`)."""
    found = [*_zhe_edits(text, contexts), *_variant_edits(text)]
    edits = [e for e in found if not _touches(e, protected)]
    if not edits:
        return StageResult(text)
    edits.sort(key=lambda e: e.start)
    return StageResult(_apply_line(text, edits, 0), tuple(edits))


def _zhe_edits(text: str, contexts: np.ndarray) -> list[Edit]:
    if fixes.ZHE_FROM not in text:
        return []
    starts: list[int] = []  # line starts, found on the first match that needs a context

    def context_at(p: int) -> str:
        if not starts:
            starts.extend(_line_starts(text))
        line = bisect_right(starts, p) - 1
        return CONTEXTS[contexts[line]] if line < len(contexts) else FULL

    zhe_words = set(fixes.ZHE_WORDS)
    verbs = particle_verbs()
    edits = []
    for m in zhe_matches(text):
        verb = text[m.start() - 1 : m.start() + 1] if m.start() else ""
        if verb in verbs_before_zhu() and not text.startswith(_ZHU_STARTS, m.end() - 1):
            # 扩大著 is 扩大 + the particle, not 扩 + 大著
            if context_at(m.start()) == FULL:
                reason = f"particle after the verb {verb} (not {m.group()})"
                edits.append(Edit(FIX, m.end() - 1, m.end(), fixes.ZHE_FROM, fixes.ZHE_TO, reason))
            continue
        p, word = m.start(), m.group()
        before = text[p - 1 : p]
        after_verb, predicate = before in verbs, word in fixes.ZHU_PREDICATES
        if word != fixes.ZHE_FROM and not (after_verb and predicate):
            continue  # a 著 word such as 显著, 著名
        if not after_verb and text.startswith(fixes.BYLINE_AFTER, p + 1):
            continue  # 菡子著《重逢日子》: "written by"
        ctx = context_at(p)
        if predicate and ctx == FULL:
            reason = f"particle after the verb {before} ({word} needs a subject)"
        elif predicate:
            continue  # on a simplified line 著有 stays the word "authored" (do no harm)
        elif ctx == FULL:
            reason = "著 as the particle 着 (not a 著 word)"
        elif before in fixes.ZHE_BEFORE:
            reason = f"particle after {before}"
        elif text[p : p + 2] in zhe_words:
            reason = f"{fixes.ZHE_TO}{text[p + 1]} is written with 着"
        else:
            continue
        edits.append(Edit(FIX, p, p + 1, fixes.ZHE_FROM, fixes.ZHE_TO, reason))
    return edits


#: 著 words that begin with 著 and can be a verb's object (著作, 著名): 翻译著作 keeps 著.
_ZHU_STARTS = tuple(w for w in fixes.ZHU_WORDS if w.startswith(fixes.ZHE_FROM) and w not in fixes.ZHU_PREDICATES)


def _variant_edits(text: str) -> list[Edit]:
    """Word-level variants (甚么 → 什么), and a variant form that t2s keeps as a name
    character (甯) where a neighbour makes a word in which OpenCC writes the standard
    form (列甯 → 列宁, but 張鈞甯 and 甯采臣 stay). Mainland text writes neither, so
    this holds for lines in either script."""
    edits = []
    for word, standard in fixes.VARIANT_WORDS.items():
        p = text.find(word)
        while p >= 0:
            edits += [
                Edit(FIX, p + k, p + k + 1, a, b, f"{word} is written {standard} in mainland text")
                for k, (a, b) in enumerate(zip(word, standard))
                if a != b
            ]
            p = text.find(word, p + len(word))
    for variant in variant_words():
        p = text.find(variant)
        while p >= 0:
            standard = standard_form_at(text, p)
            if standard:
                reason = f"{variant} is a name form; OpenCC writes {standard[0]} in {standard[1]}"
                edits.append(Edit(FIX, p, p + 1, variant, standard[0], reason))
            p = text.find(variant, p + 1)
    return edits


def zhe_matches(text: str) -> Iterator[re.Match[str]]:
    """The 著-word pattern's matches, scanning only windows around each 著.

    Every match contains a 著 and is at most ``reach`` characters long, so a scan
    from ``reach - 1`` characters before a group of 著 to ``reach`` after it finds
    exactly what a scan of the whole text finds, at a fraction of the cost.
    """
    pattern = zhe_pattern()
    reach = max(map(len, fixes.ZHU_WORDS))
    positions = []
    p = text.find(fixes.ZHE_FROM)
    while p >= 0:
        positions.append(p)
        p = text.find(fixes.ZHE_FROM, p + 1)
    k = 0
    while k < len(positions):
        j = k
        while j + 1 < len(positions) and positions[j + 1] - positions[j] < 2 * reach:
            j += 1
        yield from pattern.finditer(text, max(0, positions[k] - reach + 1), positions[j] + reach)
        k = j + 1


_SMALL_FORMS_RE = re.compile("[" + "".join(fixes.SMALL_FORMS) + "]")


def _touches(edit: Edit, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < edit.end and edit.start < e for s, e in spans)


_ENTITY_RE = re.compile(fixes.ENTITY_PATTERN)


def _entity_edit(m: re.Match[str]) -> Edit | None:
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    if not any(lo <= code <= hi for lo, hi in fixes.ENTITY_TARGETS):
        return None
    return Edit(ENTITY, m.start(), m.end(), m.group(), chr(code), "numeric entity for punctuation")


def punctuation_stage(text: str, protected: Sequence[tuple[int, int]] = ()) -> StageResult:
    """Small-form punctuation (﹔) → the fullwidth form mainland text uses (；), and
    numeric entities for punctuation (``#xff1a;``, ``&#65306;``) → the character."""
    edits = []
    if any(form in text for form in fixes.SMALL_FORMS):  # substring searches beat a class scan
        edits = [
            Edit(PUNCTUATION, m.start(), m.end(), m.group(), fixes.SMALL_FORMS[m.group()], "small form variant")
            for m in _SMALL_FORMS_RE.finditer(text)
        ]
    if "#" in text:
        edits += [e for e in map(_entity_edit, _ENTITY_RE.finditer(text)) if e]
    edits = sorted((e for e in edits if not _touches(e, protected)), key=lambda e: e.start)
    return StageResult(_apply_line(text, edits, 0), tuple(edits)) if edits else StageResult(text)


def to_simplified(
    text: str, script: ScriptVerdict | None = None, protected: Sequence[tuple[int, int]] = ()
) -> tuple[StageResult, ...]:
    """Run the conversion stages on ``text``; returns each stage's result in order.

    ``script`` defaults to :func:`normalizer.script.detect_script` of ``text``;
    ``protected`` spans (mojibake) are never changed.
    """
    script = script if script is not None else detect_script(text)
    contexts = context_codes(script)
    if not (contexts != _KEEP).any() and not _traditional_count(script) and len(contexts) == len(line_ends(text)):
        # Simplified (or script-neutral) text without a traditional-only character:
        # OpenCC could change nothing that would be kept or flagged.
        first = StageResult(text, same_length=True)
    else:
        first = opencc_stage(text, contexts, protected)
    second = fix_stage(first.text, contexts, protected)
    third = punctuation_stage(second.text, protected)
    return first, second, third


def _traditional_count(script: ScriptVerdict) -> int:
    return int(script.lines.traditional.sum())
