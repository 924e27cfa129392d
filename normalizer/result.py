"""The outcome of normalizing one document, and how its edits follow from the stages' output.

The stages leave their edits in compact form (:class:`StagedEdits`): what was composed
before conversion, and each conversion stage's edits in its own offsets. From that data
:func:`compose_edits` builds every edit in source offsets, :func:`staged_summary` the
report's counts and :func:`prefix_edits` the edits of a file's first lines. A
:class:`NormalizeResult` computes them on first use: a batch run needs only the summary,
and building an :class:`~normalizer.model.Edit` per converted character (~100,000 in a
1 MB traditional article) would cost more than converting the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .edits import AlignedEdits, EditLog, deletion_points
from .model import ANNOTATION, Edit, EditSummary, Flag, ScriptVerdict
from .summary import aligned_summary, merge_summaries, summarize


@dataclass(frozen=True, slots=True)
class StagedEdits:
    """A document's edits as the stages made them, not yet composed into one list.

    ``prior``: the edits made before conversion (decode replacements, byte-order mark,
    NFC, annotation removals), already in offsets of the decoded input.
    ``opencc`` and ``corrections`` (fixes, then punctuation): the conversion stages'
    edits, each in offsets of the text that stage was given.
    ``same_length``: OpenCC kept every length, so the conversion stages share one
    coordinate system and touch different characters.
    ``compact``: ``prior`` holds annotation removals only and ``opencc`` is
    :class:`~normalizer.edits.AlignedEdits` (or empty). Then no edit crosses a line
    break, and the summary and a prefix's edits are computed without composing them all.
    """

    prior: tuple[Edit, ...] = ()
    opencc: Sequence[Edit] = ()
    corrections: tuple[Sequence[Edit], ...] = ()
    same_length: bool = True
    compact: bool = False


def compose_edits(source: str, staged: StagedEdits) -> tuple[Edit, ...]:
    """Every edit in offsets of ``source`` (the decoded input); applied to it they give the output."""
    log = EditLog(source)
    log.add_stage(staged.prior)
    if staged.same_length:
        # One coordinate system for the conversion stages: compose them in a single step.
        log.add_stage([e for stage in (staged.opencc, *staged.corrections) for e in stage])
    else:
        for stage in (staged.opencc, *staged.corrections):
            log.add_stage(stage)
    return log.edits


def staged_summary(staged: StagedEdits) -> EditSummary:
    """``summarize(compose_edits(source, staged))`` for :attr:`StagedEdits.compact` edits,
    computed from the compact form (the OpenCC edits are counted in numpy)."""
    if not staged.compact:
        raise ValueError("only compact staged edits are summarized without composing them")
    removals = staged.prior
    # EditLog splits a converted run where a removal was (in the text the conversion saw): so do the counts.
    parts = [aligned_summary(_aligned(staged), deletion_points(removals)[0])] if staged.opencc else []
    parts.extend(summarize(stage) for stage in staged.corrections if stage)
    # One part (most documents: OpenCC's changes alone) is its own sum: it lists no annotation
    # or replacement to sort.
    rest = parts[0] if len(parts) == 1 else merge_summaries(parts)
    if not removals:
        return rest
    if rest.annotations:  # never from conversion stages; the general merge keeps this exact
        return merge_summaries([EditSummary({ANNOTATION: len(removals)}, {}, removals), rest])
    # The removals come from the log in position order: merging would only sort them again.
    return EditSummary({ANNOTATION: len(removals), **rest.counts}, rest.tallies, removals, rest.replaced)


def prefix_edits(source: str, staged: StagedEdits, offset: int) -> tuple[Edit, ...]:
    """The edits that start before source ``offset``, for :attr:`StagedEdits.compact` edits and
    an ``offset`` that ends a line; only those edits are built (a preview shows a file's first
    changed lines)."""
    if not staged.compact:
        raise ValueError("only compact staged edits give a prefix without composing them")
    removals = [e for e in staged.prior if e.start < offset]
    limit = offset - sum(e.end - e.start for e in removals)  # ``offset`` in the text OpenCC saw
    log = EditLog(source)
    log.add_stage(removals)
    first = list(_aligned(staged).prefix(limit)) if staged.opencc else []
    later = [e for stage in staged.corrections for e in stage if e.start < limit]
    log.add_stage(first + later)
    return log.edits


def _aligned(staged: StagedEdits) -> AlignedEdits:
    if not isinstance(staged.opencc, AlignedEdits):
        raise TypeError("compact staged edits hold OpenCC's edits as AlignedEdits")
    return staged.opencc


@dataclass(frozen=True, eq=False)
class NormalizeResult:
    """The outcome of normalizing one document.

    ``edits`` and ``summary`` are computed on first use from ``staged`` (see the module
    docstring); two results are equal when their texts, encoding, script, flags and
    edits are.
    """

    text: str
    source: str = field(repr=False)
    encoding: str | None
    script: ScriptVerdict
    flags: tuple[Flag, ...]
    staged: StagedEdits = field(repr=False)

    @cached_property
    def edits(self) -> tuple[Edit, ...]:
        """Every edit, in source offsets; applied to ``source`` they give ``text``."""
        return compose_edits(self.source, self.staged)

    def edits_before(self, offset: int) -> tuple[Edit, ...]:
        """The edits that start before source ``offset``. When no edit spans a line break
        (:attr:`lines_kept`) and ``offset`` ends a line, only those are built."""
        if self.staged.compact:
            return prefix_edits(self.source, self.staged, offset)
        return tuple(e for e in self.edits if e.start < offset)

    @property
    def lines_kept(self) -> bool:
        """No edit spans or touches a line break: line *n* of the output is line *n* of the
        source with that line's edits applied (true for most documents)."""
        return self.staged.compact

    @cached_property
    def summary(self) -> EditSummary:
        """Counts and tallies of :attr:`edits` (equal to ``summarize(self.edits)``)."""
        if self.staged.compact:
            return staged_summary(self.staged)
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
