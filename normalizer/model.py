"""Immutable results that flow through the pipeline.

Every stage returns plain frozen dataclasses. The tuple of :class:`Edit` objects
in a :class:`NormalizeResult` is the single source of truth for reports: applying
the edits to ``result.source`` (the decoded input) gives ``result.text`` exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

# Edit kinds, in pipeline order. Kept as plain strings so reports and JSON stay simple.
DECODE_REPLACE = "decode-replace"  # undecodable bytes replaced by U+FFFD (errors="replace")
NFC = "nfc"  # Unicode NFC normalization
ANNOTATION = "annotation"  # inline pinyin noise such as 協(xié) removed
CONVERT = "convert"  # traditional → simplified (OpenCC)
FIX = "fix"  # our corrections on top of OpenCC (著→着 in context)
PUNCTUATION = "punctuation"  # small-form variants such as ﹔ → ；
ENTITY = "entity"  # broken HTML entities for punctuation such as #xff1a; → ：
SURROGATE = "surrogate"  # a lone surrogate in text input replaced by U+FFFD
BOM = "bom"  # a byte-order mark left at the start of the text (it would vanish on re-reading)

EDIT_KINDS = (DECODE_REPLACE, SURROGATE, BOM, NFC, ANNOTATION, CONVERT, FIX, PUNCTUATION, ENTITY)


class Edit(NamedTuple):
    """One change: ``source[start:end]`` (``before``) became ``after``.

    Offsets are code-point offsets into the decoded input (``NormalizeResult.source``).
    For ``decode-replace`` edits ``before`` holds the raw bytes escaped as
    U+DC00+byte code points (see :func:`normalizer.decode.raw_bytes`).

    An immutable NamedTuple rather than a dataclass: a 1 MB traditional file yields
    ~100,000 edits, and a tuple is built three times faster.
    """

    kind: str
    start: int
    end: int
    before: str
    after: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Flag:
    """Something found and reported but deliberately not changed."""

    kind: str  # "mojibake", "stray-traditional", ...
    start: int  # offsets into the decoded input, like Edit
    end: int
    text: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ScriptCounts:
    """Traditional-only and simplified-only characters counted in a span of text."""

    traditional: int = 0
    simplified: int = 0

    @property
    def total(self) -> int:
        return self.traditional + self.simplified

    @property
    def traditional_share(self) -> float:
        return self.traditional / self.total if self.total else 0.0

    @property
    def simplified_share(self) -> float:
        return self.simplified / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class LineScript:
    """Verdict for one line (``line`` is 0-based; offsets into the analysed text)."""

    line: int
    start: int
    end: int
    verdict: str
    counts: ScriptCounts


@dataclass(frozen=True, slots=True)
class ScriptVerdict:
    """Document verdict: "traditional" | "simplified" | "mixed" | "none".

    ``traditional_share``/``simplified_share`` are shares of the characters that
    distinguish the scripts (characters common to both are not counted).
    ``lines`` holds one verdict per line (a :class:`normalizer.script.LineTable`,
    whose :class:`LineScript` objects are built only when read).
    """

    verdict: str
    counts: ScriptCounts
    lines: Sequence[LineScript] = ()

    @property
    def traditional_share(self) -> float:
        return self.counts.traditional_share

    @property
    def simplified_share(self) -> float:
        return self.counts.simplified_share

    def __str__(self) -> str:  # lets callers compare/print it like the plain verdict
        return self.verdict

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.verdict == other
        if isinstance(other, ScriptVerdict):
            return (self.verdict, self.counts, tuple(self.lines)) == (other.verdict, other.counts, tuple(other.lines))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.verdict)


@dataclass(frozen=True, slots=True)
class StageResult:
    """What one text stage returns: its output text, the edits it made (offsets into
    its own input) and what it flagged. ``same_length`` says every edit keeps its
    length, so offsets after the stage equal offsets before it."""

    text: str
    edits: tuple[Edit, ...] = ()
    flags: tuple[Flag, ...] = ()
    same_length: bool = False


@dataclass(frozen=True, slots=True)
class EditSummary:
    """What a list of edits amounts to, as the report shows it, without the list.

    ``counts``: edits per kind (merged kinds such as "nfc+convert" as they are).
    ``mappings``: per kind, how often each change was made (``協→协``: 38), most frequent
    first: same-length edits count once per changed character pair, others once per
    whole ``before→after``.
    ``annotations`` and ``replaced`` are the annotation removals and decode
    replacements themselves: the report lists every one.

    Equal to :func:`normalizer.edits.summarize` of the result's edits, but the pipeline
    computes it from the stages' compact form without building every edit.
    """

    counts: Mapping[str, int]
    mappings: Mapping[str, Mapping[str, int]]
    annotations: tuple[Edit, ...] = ()
    replaced: tuple[Edit, ...] = ()


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """Bytes turned into text, with how and how sure."""

    text: str  # decoded input; undecodable bytes are kept as U+DC00+byte code points
    encoding: str
    edits: tuple[Edit, ...] = ()  # decode-replace edits (errors="replace" only)
    plausibility: float = 1.0  # share of common Chinese characters among non-ASCII ones
    candidates: tuple[tuple[str, float, int], ...] = ()  # (codec, plausibility, bad bytes)


@dataclass(frozen=True, slots=True)
class DocumentContext:
    """What a piece of a large document must know about the whole document, so that
    normalizing it piece by piece gives the same text as normalizing it at once:
    the document's script counts (they decide how lines without evidence convert),
    the page's annotation evidence, and its character counts (mojibake realignment).
    """

    script: ScriptCounts
    annotation_evidence: tuple[int, int]
    vocabulary: Mapping[str, int]
    annotation_table: object = None  # annotations.PageTable of the whole document (None: the piece's)


@dataclass(frozen=True, eq=False)
class NormalizeResult:
    """The outcome of normalizing one document.

    ``edits`` and ``summary`` are computed on first use: most callers (a batch run's
    report) need only the summary, which the pipeline derives from the stages'
    compact form without building an :class:`Edit` per converted character.
    """

    text: str
    source: str = field(repr=False)
    encoding: str | None
    script: ScriptVerdict
    flags: tuple[Flag, ...]
    build_edits: Callable[[], tuple[Edit, ...]] = field(repr=False)
    build_summary: Callable[[], EditSummary] | None = field(default=None, repr=False)
    build_edits_before: Callable[[int], tuple[Edit, ...]] | None = field(default=None, repr=False)

    @cached_property
    def edits(self) -> tuple[Edit, ...]:
        """Every edit, in source offsets; applied to ``source`` they give ``text``."""
        return self.build_edits()

    def edits_before(self, offset: int) -> tuple[Edit, ...]:
        """The edits that start before source ``offset``. When no edit spans a line break
        (:attr:`lines_kept`) and ``offset`` ends a line, only those are built."""
        if "edits" not in self.__dict__ and self.build_edits_before is not None:
            return self.build_edits_before(offset)
        return tuple(e for e in self.edits if e.start < offset)

    @property
    def lines_kept(self) -> bool:
        """No edit spans or touches a line break: line *n* of the output is line *n* of the
        source with that line's edits applied (true for most documents)."""
        return self.build_edits_before is not None

    @cached_property
    def summary(self) -> EditSummary:
        """Counts and tallies of :attr:`edits` (equal to ``summarize(self.edits)``)."""
        if self.build_summary is not None:
            return self.build_summary()
        from .edits import summarize

        return summarize(self.edits)

    @property
    def changed(self) -> bool:
        return self.text != self.source or bool(self.summary.counts)

    def count(self, kind: str) -> int:
        """Number of edits of ``kind``."""
        return self.summary.counts.get(kind, 0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalizeResult):
            return NotImplemented
        return (self.text, self.source, self.encoding, self.script, self.flags, self.edits) == (
            other.text,
            other.source,
            other.encoding,
            other.script,
            other.flags,
            other.edits,
        )

    __hash__ = None  # type: ignore[assignment]


class DecodeError(ValueError):
    """The bytes cannot be decoded with confidence; nothing should be written.

    ``offset`` is the first bad byte (or None when the problem is implausibility),
    ``encoding`` the best candidate that was considered.
    """

    def __init__(self, reason: str, *, offset: int | None = None, encoding: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.encoding = encoding
