"""Immutable results that flow through the pipeline.

Every stage returns plain frozen dataclasses. The tuple of :class:`Edit` objects
in a :class:`normalizer.result.NormalizeResult` is the single source of truth for
reports: applying the edits to ``result.source`` (the decoded input) gives
``result.text`` exactly. This module imports nothing from the package: it is the bottom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    import numpy as np

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
CONTROL = "control"  # a control character (ESC, BEL, VT, DEL, C1 ...) removed; not tab, LF, CR, FF, NUL


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


class LineVerdicts(Protocol):
    """One verdict per line, held as arrays with one entry per line (implemented by
    :class:`normalizer.script.LineTable`).

    Most callers need only the arrays or the tally; reading it as a sequence builds a
    :class:`LineScript` per line.
    """

    starts: np.ndarray  # offsets where each line starts and ends
    ends: np.ndarray
    traditional: np.ndarray  # traditional-only and simplified-only characters per line
    simplified: np.ndarray
    codes: np.ndarray  # verdict per line, as an index into normalizer.script.VERDICTS

    def __len__(self) -> int: ...

    def __getitem__(self, i: int) -> LineScript: ...

    def __iter__(self) -> Iterator[LineScript]: ...

    def tally(self) -> dict[str, int]:
        """Number of lines per verdict (verdicts that occur only)."""
        ...

    def moved(self, to_source: Callable[[int], int]) -> LineVerdicts:
        """The same lines with offsets carried back through earlier edits."""
        ...


@dataclass(frozen=True, slots=True)
class ScriptVerdict:
    """Document verdict: "traditional" | "simplified" | "mixed" | "none".

    ``traditional_share``/``simplified_share`` are shares of the characters that
    distinguish the scripts (characters common to both are not counted).
    ``lines`` holds one verdict per line (:class:`LineVerdicts`).
    """

    verdict: str
    counts: ScriptCounts
    lines: LineVerdicts

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


class Tally(Protocol):
    """One kind's histogram of changes in compact form (implemented by
    :class:`normalizer.tally.PairTally`)."""

    def named(self) -> dict[str, int]:
        """The histogram by name (``協→协``: 38), most frequent first, then by name."""
        ...

    def total(self) -> int:
        """How many changes in all."""
        ...


@dataclass(frozen=True, eq=False)
class EditSummary:
    """What a list of edits amounts to, as the report shows it, without the list.

    ``counts``: edits per kind (merged kinds such as "nfc+convert" as they are).
    ``tallies``: per kind, how often each change was made, in compact form (code points
    and counts, :class:`normalizer.tally.PairTally`): a batch run sums them without
    naming them. :attr:`mappings` names them on first use: per kind ``協→协``: 38, most
    frequent first; same-length edits count once per changed character pair, others
    once per whole ``before→after``.
    ``annotations`` and ``replaced`` are the annotation removals and decode
    replacements themselves: the report lists every one.

    Equal to :func:`normalizer.summary.summarize` of the result's edits, but computed
    from the stages' compact form where it can be, without building every edit. Two
    summaries are equal when their counts, mappings, annotations and replacements are.
    """

    counts: Mapping[str, int]
    tallies: Mapping[str, Tally]
    annotations: tuple[Edit, ...] = ()
    replaced: tuple[Edit, ...] = ()

    @cached_property
    def mappings(self) -> Mapping[str, Mapping[str, int]]:
        """Per kind, the histogram by name (see the class docstring)."""
        return {kind: tally.named() for kind, tally in self.tallies.items()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EditSummary):
            return NotImplemented
        return (self.counts, self.mappings, self.annotations, self.replaced) == (
            other.counts,
            other.mappings,
            other.annotations,
            other.replaced,
        )

    __hash__ = None  # type: ignore[assignment]


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
