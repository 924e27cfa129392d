"""Stage 2: tell traditional from simplified script, per line and per document.

Only characters that distinguish the scripts are counted (derived from OpenCC's
data, see :mod:`normalizer.charsets`); characters shared by both are ignored.
A verdict is a share, not a single-character rule: seed 001 contains 并 and 云 yet
is a traditional document, and OpenCC's own s2t output contains 着.

Text without a traditional-only character may still be traditional: variant forms
and words that OpenCC changes (步步高陞, 乾杯) count as traditional evidence
(:mod:`normalizer.telling`).

Counting runs over the text's code points in numpy (:mod:`normalizer.codepoints`):
one table lookup for the whole text, line counts from cumulative sums, verdicts for
all lines at once. Per-line :class:`LineScript` objects are built only when read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, overload

from .charsets import context_forms, simplified_only, traditional_only, variant_forms
from .codepoints import LINE_BREAKS, as_array, cached_table, line_ends, np_module
from .model import LineScript, ScriptCounts, ScriptVerdict
from .telling import telling_positions

if TYPE_CHECKING:
    import numpy as np

TRADITIONAL = "traditional"
SIMPLIFIED = "simplified"
MIXED = "mixed"
NONE = "none"

#: Verdicts by code, as :class:`LineTable` stores them.
VERDICTS = (NONE, TRADITIONAL, SIMPLIFIED, MIXED)
_NONE, _TRADITIONAL, _SIMPLIFIED, _MIXED = range(4)

#: The minority script must reach this share, and more than one character, before a
#: span is called mixed; below it the span takes the majority's verdict.
MIXED_SHARE = 0.1

_T_MARK, _S_MARK, _VARIANT_MARK, _CONTEXT_MARK, _BREAK_MARK, _CR_MARK = 1, 2, 3, 4, 5, 6


@cache  # the table itself is cached by name; this saves building the key
def marks_table() -> np.ndarray:
    """uint8 per code point: 1 traditional-only, 2 simplified-only, 3 a variant form,
    4 a context form (see :mod:`normalizer.telling`), 0 otherwise."""
    groups = (
        (context_forms(), _CONTEXT_MARK),
        (variant_forms(), _VARIANT_MARK),
        (traditional_only(), _T_MARK),
        (simplified_only(), _S_MARK),
    )
    return cached_table("script", groups)


@cache  # the table itself is cached by name; this saves building the key
def lines_table() -> np.ndarray:
    """:func:`marks_table` with the line breaks ``str.splitlines`` cuts at marked too: 6 for
    CR (in CRLF the LF ends the line), 5 for the others."""
    groups = (
        (context_forms(), _CONTEXT_MARK),
        (variant_forms(), _VARIANT_MARK),
        (traditional_only(), _T_MARK),
        (simplified_only(), _S_MARK),
        (LINE_BREAKS - {"\r"}, _BREAK_MARK),
        (frozenset("\r"), _CR_MARK),
    )
    return cached_table("script-lines", groups)


def may_tell_traditional(text: str) -> bool:
    """Whether ``text`` could count any traditional evidence (a cheap, conservative
    test on sets, without numpy or OpenCC): a traditional-only character, a variant
    form, or, in text without a simplified-only character, a context form."""
    if not traditional_only().isdisjoint(text) or not variant_forms().isdisjoint(text):
        return True
    return not context_forms().isdisjoint(text) and simplified_only().isdisjoint(text)


def count_script(text: str) -> ScriptCounts:
    """Count traditional and simplified evidence in ``text`` (as :func:`detect_script`)."""
    if text.isascii():
        return ScriptCounts()
    return _line_counts(text)[0]


def _line_counts(text: str) -> tuple[ScriptCounts, LineTable]:
    """Counts for the whole text and per line: traditional-only and simplified-only
    characters, plus traditional evidence where the text has no traditional-only one.

    Kernel: one table lookup gives each character's mark and the line breaks
    (:func:`lines_table`); per-line sums run only for the marks the text holds (a page
    in one script has one kind), each numpy call costing more than a line's work."""
    np = np_module()
    codes = as_array(text)
    marks = lines_table().take(codes)
    ends = _ends(codes, marks, "\r" in text)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1]
    is_t, is_s = marks == _T_MARK, marks == _S_MARK
    # count_nonzero is a C function; .any() and .sum() go through Python wrappers (a page is ~20 numpy calls).
    n_t, n_s = np.count_nonzero(is_t), np.count_nonzero(is_s)
    # Lines are never empty (each holds at least one character), so reduceat sums each line.
    t = np.add.reduceat(is_t, starts, dtype=np.int64) if n_t else np.zeros(len(ends), dtype=np.int64)
    s = np.add.reduceat(is_s, starts, dtype=np.int64) if n_s else np.zeros(len(ends), dtype=np.int64)
    if not n_t:
        context = marks == _CONTEXT_MARK if not n_s else None
        found = telling_positions(text, (starts, ends), marks == _VARIANT_MARK, context)
        if found.size:  # each position is evidence on one line
            t = t + np.bincount(np.searchsorted(ends, found, side="right"), minlength=len(ends))
            n_t = found.size
    return ScriptCounts(int(n_t), int(n_s)), LineTable(starts, ends, t, s, verdict_codes(t, s, bool(n_t), bool(n_s)))


def _ends(codes: np.ndarray, marks: np.ndarray, cr: bool) -> np.ndarray:
    """:func:`normalizer.codepoints.line_ends` of a non-empty text from its code points and
    :func:`lines_table` marks (``cr``: whether it holds a CR): after each line break but
    a CR that an LF follows."""
    np = np_module()
    n = len(codes)
    at = (marks >= _BREAK_MARK).nonzero()[0]
    if cr:
        after = np.minimum(at + 1, n - 1)
        at = at[(marks[at] != _CR_MARK) | (codes[after] != 0x0A) | (at + 1 == n)]
    k = len(at)
    last = k and at[-1] == n - 1  # the text ends with a line break: no line after it
    ends = np.empty(k if last else k + 1, dtype=np.int64)
    np.add(at, 1, out=ends[:k])
    if not last:
        ends[k] = n
    return ends


def verdict_of(counts: ScriptCounts) -> str:
    """The verdict for a span with these counts.

    One stray character (or a share under :data:`MIXED_SHARE`) never makes a span
    mixed: names such as 三塚博 in simplified news keep their characters.
    """
    t, s = counts.traditional, counts.simplified
    if t + s == 0:
        return NONE
    minority = min(t, s)
    if minority <= 1 or minority / (t + s) < MIXED_SHARE:
        if t == s:
            return MIXED
        return TRADITIONAL if t > s else SIMPLIFIED
    return MIXED


def verdict_codes(t: np.ndarray, s: np.ndarray, any_t: bool | None = None, any_s: bool | None = None) -> np.ndarray:
    """:func:`verdict_of` for arrays of counts, as codes into :data:`VERDICTS`; ``any_t`` and
    ``any_s``: whether ``t`` and ``s`` hold a count, when the caller knows."""
    np = np_module()
    if not (s.any() if any_s is None else any_s):  # a page in one script (most pages): fewer array passes
        return (t > 0).view(np.uint8) * np.uint8(_TRADITIONAL)
    if not (t.any() if any_t is None else any_t):
        return (s > 0).view(np.uint8) * np.uint8(_SIMPLIFIED)
    total = t + s
    minority = np.minimum(t, s)
    clear = (minority <= 1) | (minority < MIXED_SHARE * total)
    majority = np.where(t > s, _TRADITIONAL, np.where(t < s, _SIMPLIFIED, _MIXED))
    codes = np.where(clear, majority, _MIXED)
    return np.where(total == 0, _NONE, codes).astype(np.uint8)


class LineTable(Sequence[LineScript]):
    """One verdict per line, held as arrays (start, end, counts, verdict code): the
    :class:`normalizer.model.LineVerdicts` of every :class:`ScriptVerdict`.

    Behaves as a sequence of :class:`LineScript`; a traditional article has hundreds
    of lines and most callers only need the codes (:attr:`codes`) or the tally.
    """

    __slots__ = ("codes", "ends", "simplified", "starts", "traditional")

    def __init__(
        self,
        starts: np.ndarray,
        ends: np.ndarray,
        traditional: np.ndarray,
        simplified: np.ndarray,
        codes: np.ndarray | None = None,
    ):
        """``codes``: :func:`verdict_codes` of the counts, when the caller has them."""
        self.starts = starts
        self.ends = ends
        self.traditional = traditional
        self.simplified = simplified
        self.codes = verdict_codes(traditional, simplified) if codes is None else codes

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, i: int) -> LineScript: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[LineScript, ...]: ...

    def __getitem__(self, i: int | slice) -> LineScript | tuple[LineScript, ...]:
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        counts = ScriptCounts(int(self.traditional[i]), int(self.simplified[i]))
        return LineScript(i, int(self.starts[i]), int(self.ends[i]), VERDICTS[self.codes[i]], counts)

    def __iter__(self) -> Iterator[LineScript]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def tally(self) -> dict[str, int]:
        """Number of lines per verdict (verdicts that occur only)."""
        np = np_module()
        counts = np.bincount(self.codes, minlength=len(VERDICTS))
        return {VERDICTS[k]: int(n) for k, n in enumerate(counts) if n}

    def moved(self, to_source: Callable[[int], int]) -> LineTable:
        """The same lines with offsets carried back through earlier edits."""
        np = np_module()
        starts = np.array([to_source(int(p)) for p in self.starts], dtype=np.int64)
        ends = np.array([to_source(int(p)) for p in self.ends], dtype=np.int64)
        return LineTable(starts, ends, self.traditional, self.simplified)


#: Han characters: the Unified Ideographs, Extension A and the planes beyond the BMP.
#: Compiled on first use by ``re`` (~3.5 ms): only a page without telling characters asks for it.
_HAN = "[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]"


def detect_script(text: str) -> ScriptVerdict:
    """Document verdict with its counts, and a verdict for every line.

    "none" means the document has no Han text at all. Han text in which neither
    script shows (中国人民, 乾隆皇帝: no telling character, no evidence) is written
    alike in both, so it is already mainland simplified text: its verdict is
    "simplified" and nothing in it is converted. Line verdicts stay "none" for lines
    without telling characters: there the document's verdict decides.
    """
    if text.isascii():
        np = np_module()
        ends = np.array(line_ends(text), dtype=np.int64)
        starts = np.zeros_like(ends)
        starts[1:] = ends[:-1]
        zeros = np.zeros(len(ends), dtype=np.int64)
        return ScriptVerdict(NONE, ScriptCounts(), LineTable(starts, ends, zeros, zeros))
    total, lines = _line_counts(text)
    verdict = verdict_of(total)
    if verdict == NONE and re.search(_HAN, text):
        verdict = SIMPLIFIED
    return ScriptVerdict(verdict, total, lines)
