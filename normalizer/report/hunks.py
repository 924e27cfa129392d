"""Edits grouped by the source lines they touch: what a preview and the inline diff show.

A line here ends at ``"\\n"``, as a reader and ``git diff`` see it. (Script detection cuts
lines where ``str.splitlines`` does, see :func:`normalizer.codepoints.line_ends`, because a
verdict per line must cover every line break Python knows; a report line is a text line.)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from ..edits import BY_POSITION
from ..model import Edit

_NEWLINE = re.compile("\n")


class Hunk(NamedTuple):
    """Edits that touch the same lines, with the span of source text those lines cover."""

    line: int  # 0-based number of the first line touched
    start: int  # offset where that line starts
    end: int  # offset of the "\n" ending the last line touched (or the end of the text)
    edits: list[Edit]  # in source order


def line_starts(text: str) -> list[int]:
    """Offset where each line of ``text`` starts (0, then just after each ``"\\n"``)."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def hunks(source: str, edits: Iterable[Edit], starts: Sequence[int] | None = None) -> Iterator[Hunk]:
    """The edits of ``source`` grouped by line, in order: edits on one line form one hunk, and an
    edit that crosses a line break joins the lines it touches into one. ``starts`` is
    :func:`line_starts` of ``source`` when the caller has it already."""
    if starts is None:
        starts = line_starts(source)

    def line_end(line: int) -> int:
        return starts[line + 1] - 1 if line + 1 < len(starts) else len(source)

    ordered = sorted(edits, key=BY_POSITION)
    i = 0
    while i < len(ordered):
        first = bisect_right(starts, ordered[i].start) - 1
        end = line_end(first)
        j = i
        while j < len(ordered) and (j == i or ordered[j].start <= end):
            e = ordered[j]
            if e.end > end:  # it crosses the line break: the hunk runs to the end of its last line
                end = line_end(bisect_right(starts, e.end - 1) - 1)
            j += 1
        yield Hunk(first, starts[first], end, ordered[i:j])
        i = j
