"""Stage 4: traditional → mainland simplified, with OpenCC and our fixes.

* OpenCC's official binding with the stock ``hk2s`` configuration: t2s plus Hong
  Kong variant forms (衞→卫, 敍→叙) that plain t2s leaves alone. Never the ``*2sp``
  vocabulary modes.
* Do no harm: the line's script decides what may change. On lines in traditional
  or mixed script (or lines without distinguishing characters in such a document)
  every OpenCC change is applied. On simplified lines only traditional-only
  characters are converted, and in a simplified document not even those: there
  they are mostly names (三塚博) and are reported as ``stray-traditional`` flags.
  So stock t2s's 萧乾→萧干 and 藉以→借以 never touch simplified text.
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
from .charsets import traditional_only
from .codepoints import as_array, as_text, cached_table, line_ends, np_module
from .edits import AlignedEdits, diff_edits
from .model import CONVERT, ENTITY, FIX, PUNCTUATION, Edit, Flag, ScriptVerdict, StageResult
from .script import MIXED, SIMPLIFIED, TRADITIONAL, VERDICTS, detect_script

if TYPE_CHECKING:
    import numpy as np

OPENCC_CONFIG = "hk2s"


def traditional_only_table() -> np.ndarray:
    """uint8 per code point: 1 for traditional-only characters."""
    return cached_table("traditional-only", ((traditional_only(), 1),))


@cache
def converter():
    """The process's OpenCC converter (built on first use)."""
    import opencc

    return opencc.OpenCC(OPENCC_CONFIG)


FULL, STRAYS, KEEP = "full", "strays", "keep"
CONTEXTS = (FULL, STRAYS, KEEP)  # by code, as :func:`context_codes` returns them
_FULL, _STRAYS, _KEEP = range(3)

# Characters str.splitlines breaks at: a conversion that touches one changes the line structure.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _opencc(text: str) -> str:
    """OpenCC's conversion; its C++ side ends a string at NUL, so NULs are kept outside."""
    if "\x00" in text:
        return "\x00".join(converter().convert(part) for part in text.split("\x00"))
    return converter().convert(text)


def context_codes(script: ScriptVerdict) -> np.ndarray:
    """For each line, a code into :data:`CONTEXTS`: "full" (apply every OpenCC change),
    "strays" (convert only traditional-only characters) or "keep" (apply no OpenCC
    change; flag strays).

    A line's own verdict decides, except that one character of the other script
    does not turn a line against its document: a PRC form such as 并 on a short line
    of a traditional page, or a name such as 三塚 on a line of simplified news.
    """
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

    When OpenCC keeps the length and the line breaks (the usual case), the choice is
    made for all characters at once on code-point arrays and the edits stay compact
    (:class:`normalizer.edits.AlignedEdits`); otherwise line by line.
    """
    if text.isascii():
        return StageResult(text, same_length=True)
    converted = _opencc(text)
    if converted == text:
        return StageResult(text, same_length=True)
    if len(converted) == len(text):
        x, y = as_array(text), as_array(converted)
        changed = x != y
        breaks = cached_table("line-breaks", ((_LINE_BREAKS, 1),))
        if not (breaks[x[changed]].any() or breaks[y[changed]].any()):
            if not protected and (contexts == _FULL).all():  # lines without a context are "full" too
                # A page in one script: every change OpenCC made is kept.
                return StageResult(converted, AlignedEdits(CONVERT, text, converted, (x, y), changed), (), True)
            return _aligned_stage(text, (x, y), changed, contexts, protected)
    return _line_stage(text, converted, [CONTEXTS[c] for c in contexts.tolist()], protected)


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
    strays = (per_char == _STRAYS) & changed & t_only
    keep = (changed & (per_char == _FULL)) | strays
    flags = tuple(
        Flag("stray-traditional", p, p + 1, text[p], f"kept in simplified text (OpenCC: {chr(y[p])})")
        for p in np.flatnonzero(changed & (per_char == _KEEP) & t_only).tolist()
    )
    if not keep.any():
        return StageResult(text, (), flags, same_length=True)
    out = np.where(keep, y, x)
    after = as_text(out)
    edits = AlignedEdits(CONVERT, text, after, (x, out), keep, strays, "stray traditional character")
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
        if old == new or (ctx == KEEP and not any(c in t_only for c in old)):
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
    ``convert``, otherwise reported (names such as 三塚 in simplified news)."""
    kept: list[Edit] = []
    flags: list[Flag] = []
    for e in edits:
        if len(e.before) != len(e.after):
            continue
        for k, (a, b) in enumerate(zip(e.before, e.after)):
            if a == b or a not in t_only:
                continue
            if convert:
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
def _zhe_pattern() -> re.Pattern[str]:
    return re.compile(fixes.ZHU_SCAN)


def fix_stage(text: str, contexts: np.ndarray, protected: Sequence[tuple[int, int]] = ()) -> StageResult:
    """著→着 where context shows the particle (see :mod:`normalizer.fixes`)."""
    if fixes.ZHE_FROM not in text:
        return StageResult(text)
    starts = _line_starts(text)
    zhe_words = set(fixes.ZHE_WORDS)
    edits = []
    for m in _zhe_matches(text):
        if m.group() != fixes.ZHE_FROM:
            continue  # a 著 word such as 显著, 著名
        p = m.start()
        if any(s <= p < e for s, e in protected):
            continue
        line = bisect_right(starts, p) - 1
        ctx = CONTEXTS[contexts[line]] if line < len(contexts) else FULL
        if ctx == FULL:
            reason = "著 as the particle 着 (not a 著 word)"
        elif text[p - 1 : p] in fixes.ZHE_BEFORE:
            reason = f"particle after {text[p - 1]}"
        elif text[p : p + 2] in zhe_words:
            reason = f"{fixes.ZHE_TO}{text[p + 1]} is written with 着"
        else:
            continue
        edits.append(Edit(FIX, p, p + 1, fixes.ZHE_FROM, fixes.ZHE_TO, reason))
    return StageResult(_apply_line(text, edits, 0), tuple(edits))


def _zhe_matches(text: str) -> Iterator[re.Match[str]]:
    """The 著-word pattern's matches, scanning only windows around each 著.

    Every match contains a 著 and is at most ``reach`` characters long, so a scan
    from ``reach - 1`` characters before a group of 著 to ``reach`` after it finds
    exactly what a scan of the whole text finds, at a fraction of the cost.
    """
    pattern = _zhe_pattern()
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
