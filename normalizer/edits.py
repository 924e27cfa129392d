"""Edit arithmetic: apply edits, find them, and carry them back to source offsets.

Each stage works on the output of the previous one and reports edits in its own
input's offsets. :class:`EditLog` composes the stages so that every recorded edit
is expressed in offsets of the original decoded input, and applying the final list
to that input reproduces the final text.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter, ne
from typing import TYPE_CHECKING, overload

from .codepoints import np_module, sorted_distinct
from .model import Edit

if TYPE_CHECKING:
    import numpy as np


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (offsets into ``source``) and return the new text."""
    out: list[str] = []
    pos = 0
    for e in sorted(edits, key=BY_POSITION):
        if e.start < pos:
            raise ValueError(f"overlapping edit at {e.start}")
        if source[e.start : e.end] != e.before:
            raise ValueError(f"edit at {e.start} expects {e.before!r}, found {source[e.start : e.end]!r}")
        out.append(source[pos : e.start])
        out.append(e.after)
        pos = e.end
    out.append(source[pos:])
    return "".join(out)


#: Sort key for edits: by start, then end (attrgetter runs in C).
BY_POSITION = attrgetter("start", "end")

_RUNS = re.compile(rb"\x01+")


def aligned_edits(kind: str, before: str, after: str, offset: int = 0) -> list[Edit]:
    """Edits between two strings of equal length, one per run of differing characters.

    OpenCC's t2s tables keep length, so this is how conversion changes are found.
    The comparison runs in C (``map(ne)`` into a bytes mask, runs found by a regex),
    so only the runs themselves cost Python work.
    """
    if before == after:
        return []
    mask = bytes(map(ne, before, after))
    new = tuple.__new__  # skips NamedTuple's Python-level __new__: this is the hot path
    return [
        new(Edit, (kind, offset + s, offset + e, before[s:e], after[s:e], ""))
        for s, e in (m.span() for m in _RUNS.finditer(mask))
    ]


def diff_edits(kind: str, before: str, after: str, offset: int = 0) -> list[Edit]:
    """Edits between two arbitrary strings (used where lengths may differ, e.g. NFC)."""
    if len(before) == len(after):
        return aligned_edits(kind, before, after, offset)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [
        Edit(kind, offset + i1, offset + i2, before[i1:i2], after[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def line_edits(kind: str, before: str, after: str) -> list[Edit]:
    """Edits between two texts with the same line structure, diffing only changed lines."""
    old_lines = before.splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    if len(old_lines) != len(new_lines):
        return diff_edits(kind, before, after)
    edits: list[Edit] = []
    pos = 0
    for old, new in zip(old_lines, new_lines, strict=False):
        if old != new:
            edits.extend(diff_edits(kind, old, new, pos))
        pos += len(old)
    return edits


class EditLog:
    """Accumulates edits from successive stages in offsets of the original source.

    ``add_stage(edits)`` takes edits whose offsets refer to the current text (the
    result of all earlier stages). An edit that overlaps text produced by an earlier
    edit is merged with it (kinds joined by "+"), so the log never holds overlapping
    edits and ``apply_edits(source, log.edits)`` always gives the current text.
    """

    def __init__(self, source: str):
        self.source = source
        self._edits: list[Edit] = []  # sorted, non-overlapping, source offsets

    @property
    def edits(self) -> tuple[Edit, ...]:
        return tuple(self._edits)

    def add_stage(self, stage_edits: Sequence[Edit]) -> None:
        if not stage_edits:
            return
        stage = sorted(stage_edits, key=BY_POSITION)
        old = self._edits
        if not old:
            self._edits = stage
            return
        if not any(e.after for e in old):  # earlier stages only removed text (annotations, controls)
            moved = _after_deletions(stage, old)
            if moved is not None:
                self._edits = sorted(moved + old, key=BY_POSITION)
                return
        # Where each earlier edit's output lies in the current text, and the net
        # length change of all earlier edits before index i (cum[i]).
        cum = [0]
        cur_starts: list[int] = []
        cur_ends: list[int] = []
        for e in old:
            cs = e.start + cum[-1]
            cur_starts.append(cs)
            cur_ends.append(cs + len(e.after))
            cum.append(cum[-1] + len(e.after) - (e.end - e.start))

        # A same-length edit (a conversion run) that spans a deletion made earlier
        # is split there, so removed annotations and conversions stay separate edits.
        cuts = [cs for cs, ce in zip(cur_starts, cur_ends, strict=False) if cs == ce]
        if cuts:
            stage = [piece for e in stage for piece in _split_at(e, cuts)]

        # Group stage edits with the earlier edits they overlap into clusters.
        clusters: list[tuple[int, int, list[Edit]]] = []  # (old lo, old hi, new edits)
        for e in stage:
            lo = bisect_right(cur_ends, e.start)
            hi = lo
            # Earlier outputs ending at or before e.start (deletions there included)
            # lie before e; those starting before e.end overlap it.
            while hi < len(old) and cur_starts[hi] < e.end:
                hi += 1
            if clusters and hi > lo and clusters[-1][1] > lo:
                plo, phi, news = clusters[-1]
                clusters[-1] = (min(plo, lo), max(phi, hi), [*news, e])
            else:
                clusters.append((lo, hi, [e]))

        result: list[Edit] = []
        used_old: set[int] = set()
        for lo, hi, news in clusters:
            if lo == hi:
                for e in news:
                    shift = cum[lo]
                    result.append(Edit(e.kind, e.start - shift, e.end - shift, e.before, e.after, e.reason))
                continue
            cs = min(cur_starts[lo], news[0].start)
            ce = max(cur_ends[hi - 1], max(n.end for n in news))
            src_start = cs - cum[lo]
            src_end = ce - cum[hi]
            current = apply_edits(self.source[src_start:src_end], [_shift(old[j], -src_start) for j in range(lo, hi)])
            after = apply_edits(current, [_shift(n, -cs) for n in news])
            kinds: list[str] = []
            for k in [old[j].kind for j in range(lo, hi)] + [n.kind for n in news]:
                for part in k.split("+"):
                    if part not in kinds:
                        kinds.append(part)
            reason = "; ".join(r for r in [old[j].reason for j in range(lo, hi)] + [n.reason for n in news] if r)
            result.append(Edit("+".join(kinds), src_start, src_end, self.source[src_start:src_end], after, reason))
            used_old.update(range(lo, hi))
        result.extend(e for j, e in enumerate(old) if j not in used_old)
        self._edits = sorted(result, key=BY_POSITION)


def deletion_points(deletions: Sequence[Edit]) -> tuple[list[int], list[int]]:
    """(where each of ``deletions`` lies in the text after them, how many characters the first
    k of them removed for each k): a later stage's offsets are in that text. ``deletions`` are
    sorted, in source offsets."""
    cuts: list[int] = []
    removed = [0]
    for e in deletions:
        cuts.append(e.start - removed[-1])
        removed.append(removed[-1] + e.end - e.start)
    return cuts, removed


def _after_deletions(stage: list[Edit], deletions: list[Edit]) -> list[Edit] | None:
    """``stage`` (sorted) in source offsets when every earlier edit is a deletion, or None when
    an edit of ``stage`` spans a deletion and is not a conversion run that splits there (the
    general merge of :meth:`EditLog.add_stage` then applies). The same edits, in the same
    order, as that merge gives: each stage edit shifted by the text deleted before it, a
    same-length run split at each deletion inside it. One bisect an edit, no clusters: a spam
    page's hundreds of removed annotations and the conversions around them."""
    cuts, removed = deletion_points(deletions)
    n = len(cuts)
    new = tuple.__new__  # skips NamedTuple's Python-level __new__
    out: list[Edit] = []
    for e in stage:
        k = bisect_right(cuts, e.start)
        if k < n and cuts[k] < e.end:  # a deletion inside e
            pieces = _split_at(e, cuts)
            if len(pieces) == 1:  # not a run that splits: merged by the general way
                return None
            shifts = [(p, removed[bisect_right(cuts, p.start)]) for p in pieces]
        else:
            shifts = [(e, removed[k])]  # the deletions before e: its bisect already found them
        for p, by in shifts:
            out.append(new(Edit, (p.kind, p.start + by, p.end + by, p.before, p.after, p.reason)) if by else p)
    return out


def _split_at(e: Edit, cuts: list[int]) -> list[Edit]:
    if len(e.before) != len(e.after) or e.end - e.start < 2:
        return [e]
    lo = bisect_right(cuts, e.start)
    hi = bisect_left(cuts, e.end, lo)
    if lo == hi:
        return [e]
    points = cuts[lo:hi]
    pieces = []
    prev = e.start
    for c in [*points, e.end]:
        if c > prev:
            a, b = prev - e.start, c - e.start
            pieces.append(Edit(e.kind, prev, c, e.before[a:b], e.after[a:b], e.reason))
        prev = c
    return pieces


def _shift(e: Edit, by: int) -> Edit:
    return Edit(e.kind, e.start + by, e.end + by, e.before, e.after, e.reason)


def source_mapper(edits: Sequence[Edit]):
    """A function mapping an offset in the edited text back to the source.

    ``edits`` are sorted, non-overlapping and in source offsets (``EditLog.edits``).
    An offset inside an edit's output maps into that edit's source span.
    """
    cur_starts: list[int] = []
    cum = [0]
    for e in edits:
        cur_starts.append(e.start + cum[-1])
        cum.append(cum[-1] + len(e.after) - (e.end - e.start))

    def to_source(pos: int) -> int:
        i = bisect_right(cur_starts, pos) - 1
        if i < 0:
            return pos
        e = edits[i]
        inside = pos - cur_starts[i]
        if inside < len(e.after):
            return e.start + min(inside, e.end - e.start)
        return pos - cum[i + 1]

    return to_source


def target_mapper(edits: Sequence[Edit]):
    """A function mapping a source offset to the edited text (inverse of :func:`source_mapper`)."""
    starts = [e.start for e in edits]
    cum = [0]
    for e in edits:
        cum.append(cum[-1] + len(e.after) - (e.end - e.start))

    def to_target(pos: int) -> int:
        i = bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        e = edits[i]
        if pos < e.end:
            return e.start + cum[i] + min(pos - e.start, len(e.after))
        return pos + cum[i + 1]

    return to_target


class AlignedEdits(Sequence[Edit]):
    """Edits between two texts of equal length, held as a mask over their code points.

    One edit per run of changed characters (``mask``), except that characters in
    ``singles`` are edits of their own, with ``single_reason``. :class:`Edit` objects
    are built only when the sequence is read; :meth:`count` and :meth:`changed_codes`
    let :func:`normalizer.summary.aligned_summary` count and tally the changes in numpy
    without building them. A 1 MB traditional article has ~100,000
    changed characters: building every edit would cost more than converting the text.
    """

    def __init__(
        self,
        kind: str,
        before: str,
        after: str,
        codes: tuple[np.ndarray, np.ndarray],
        mask: np.ndarray,
        singles: np.ndarray | None = None,
        single_reason: str = "",
        masked: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        """``masked``: ``codes`` at the ``mask`` (before, after), when the caller has them already."""
        self.kind = kind
        self.before = before
        self.after = after
        self._x, self._y = codes
        self._mask = mask
        self._singles = singles
        self._single_reason = single_reason
        self._masked = masked
        self._built: list[Edit] | None = None

    def _joins(self) -> np.ndarray:
        """``joins[i]``: character i+1 continues the run of character i."""
        joins = self._mask[1:] & self._mask[:-1]
        if self._singles is not None:
            joins &= ~self._singles[1:]
        return joins

    def _edits(self) -> list[Edit]:
        if self._built is None:
            np = np_module()
            mask, joins = self._mask, self._joins()
            starts = np.flatnonzero(mask & ~np.concatenate(([False], joins)))
            ends = np.flatnonzero(mask & ~np.concatenate((joins, [False]))) + 1
            if self._singles is not None:
                reasons = [self._single_reason if s else "" for s in self._singles[starts].tolist()]
            else:
                reasons = [""] * len(starts)
            kind, before, after = self.kind, self.before, self.after
            new = tuple.__new__  # skips NamedTuple's Python-level __new__
            self._built = [
                new(Edit, (kind, s, e, before[s:e], after[s:e], r))
                for s, e, r in zip(starts.tolist(), ends.tolist(), reasons)
            ]
        return self._built

    def __len__(self) -> int:
        return len(self._edits())

    def __bool__(self) -> bool:  # without building the edits
        if self._masked is not None:
            return len(self._masked[0]) > 0
        return bool(self._mask.any())

    @overload
    def __getitem__(self, i: int) -> Edit: ...

    @overload
    def __getitem__(self, i: slice) -> list[Edit]: ...

    def __getitem__(self, i: int | slice) -> Edit | list[Edit]:
        return self._edits()[i]

    def __iter__(self) -> Iterator[Edit]:
        return iter(self._edits())

    def prefix(self, end: int) -> AlignedEdits:
        """The edits of the first ``end`` characters (``end`` must not cut a run)."""
        singles = self._singles[:end] if self._singles is not None else None
        codes = (self._x[:end], self._y[:end])
        return AlignedEdits(self.kind, self.before, self.after, codes, self._mask[:end], singles, self._single_reason)

    def count(self, cuts: Sequence[int] = ()) -> int:
        """How many edits these are once split at ``cuts`` (as :class:`EditLog` splits a run
        at a deletion made by an earlier stage), counted in numpy without building them."""
        np = np_module()
        changed = len(self._masked[0]) if self._masked is not None else int(np.count_nonzero(self._mask))
        if not changed:
            return 0
        joins = self._joins()
        count = changed - int(np.count_nonzero(joins))
        if len(cuts):
            c = sorted_distinct(np.asarray(cuts, dtype=np.int64))
            c = c[(c > 0) & (c < len(self._mask))]
            count += int(np.count_nonzero(joins[c - 1]))
        return count

    def changed_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """The code points of every changed character, before and after (one pair per character)."""
        if self._masked is not None:
            return self._masked
        return self._x[self._mask], self._y[self._mask]
