"""A bounded preview of one file's changed lines, for the HTML report.

The JSON report deliberately holds no text lines (it must stay smaller than the
corpus), but a reader of ``report.html`` wants to *see* the edits in context. So the
worker that normalizes a file also returns this preview, bounded on every axis:

* at most ``PREVIEW_LINES`` changed lines (the first ones), plus the number of
  changed lines in the whole file;
* at most ``LINE_CHARS`` characters of source text per line: a longer line is cut
  to a window starting a little before its first edit (``head``/``tail`` say that
  text was cut, ``hidden`` how many of the line's edits fell outside the window).

A preview is a plain dict (it crosses process boundaries; the manifest keeps none: a
detailed file reused from the last run is normalized again for its preview)::

    {"changed_lines": 42,
     "lines": [{"n": 1,                       # 1-based line number in the input
                "segs": ["云南省科", ["convert", "協", "协"],
                         ["annotation", "(xié)", "", "toned reading of 協 (xie2)"], "召"],
                "head": true, "tail": true, "hidden": 3}]}   # the last three only when true / non-zero

``segs`` alternates unchanged source text (a string) and edits ``[kind, before,
after]`` (plus the edit's reason when it has one). Joining the strings and the
edits' ``before`` gives the source line; joining the strings and the edits'
``after`` gives the output line, so neither is stored twice. Undecodable bytes are
written ``\\xNN`` as in the JSON report. An edit that crosses a line break joins the
lines it touches into one entry.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

from ..edits import BY_POSITION
from ..escapes import escape_undecodable, has_undecodable
from ..model import Edit
from ..result import NormalizeResult
from .hunks import hunks, line_starts

PREVIEW_FILES = 100  # files shown with their changed lines in report.html; the others get a row of counts
PREVIEW_LINES = 20  # changed lines kept per file
LINE_CHARS = 300  # source characters kept per changed line
CONTEXT = 24  # characters kept before the first edit when a long line is cut

Preview = dict[str, Any]


def build_preview(result: NormalizeResult, *, max_lines: int = PREVIEW_LINES, line_chars: int = LINE_CHARS) -> Preview:
    """The first ``max_lines`` changed lines of ``result`` with their edits (see the module docstring)."""
    if result.lines_kept:
        source_lines = result.source.split("\n")
        output_lines = result.text.split("\n")
        if len(source_lines) == len(output_lines):
            return _preview_by_lines(result, source_lines, output_lines, max_lines, line_chars)
    return preview_from_edits(result.source, result.edits, max_lines=max_lines, line_chars=line_chars)


def _preview_by_lines(
    result: NormalizeResult, source_lines: list[str], output_lines: list[str], max_lines: int, line_chars: int
) -> Preview:
    """No edit spans a line break: the changed lines are the lines that differ, and only the
    edits of the lines shown are built (a traditional article has ~1,000 edits)."""
    changed = [i for i, (a, b) in enumerate(zip(source_lines, output_lines)) if a != b]
    shown = changed[:max_lines]
    if not shown:
        return {"changed_lines": len(changed), "lines": []}
    starts = line_starts(result.source)
    edits = sorted(result.edits_before(starts[shown[-1]] + len(source_lines[shown[-1]])), key=BY_POSITION)
    at = [e.start for e in edits]
    lines = []
    for i in shown:
        lo, hi = starts[i], starts[i] + len(source_lines[i])
        mine = edits[bisect_left(at, lo) : bisect_left(at, hi)]
        lines.append(_line(result.source, lo, hi, mine, i + 1, line_chars))
    return {"changed_lines": len(changed), "lines": lines}


def preview_from_edits(
    source: str, edits: Iterable[Edit], *, max_lines: int = PREVIEW_LINES, line_chars: int = LINE_CHARS
) -> Preview:
    """The preview from a complete list of edits (edits may span lines: those lines join)."""
    lines: list[dict[str, Any]] = []
    changed = 0
    for hunk in hunks(source, edits):
        changed += 1
        if len(lines) < max_lines:
            lines.append(_line(source, hunk.start, hunk.end, hunk.edits, hunk.line + 1, line_chars))
    return {"changed_lines": changed, "lines": lines}


def _line(source: str, start: int, end: int, edits: list[Any], number: int, line_chars: int) -> dict[str, Any]:
    if end - start <= line_chars:
        lo, hi = start, end
    else:
        lo = max(start, edits[0].start - CONTEXT)
        hi = lo + line_chars
    segs: list[Any] = []
    pos = lo
    hidden = 0
    # The edits' ``before`` is source text of this line: a line without undecodable bytes (nearly
    # every line) needs no escaping of its ~50 pieces.
    shown = escape_undecodable if has_undecodable(source[start:end]) else str
    for e in edits:
        if hidden or (e.start >= hi and segs):
            hidden += 1
            continue
        if e.start > pos:
            segs.append(shown(source[pos : e.start]))
        seg = [e.kind, shown(e.before), e.after]
        if e.reason:
            seg.append(e.reason)
        segs.append(seg)
        pos = e.end
    hi = min(max(hi, pos), end)
    if pos < hi:
        segs.append(shown(source[pos:hi]))
    if segs and isinstance(segs[-1], str) and hi == end:
        segs[-1] = segs[-1].rstrip("\r")
        if not segs[-1]:
            segs.pop()
    entry: dict[str, Any] = {"n": number, "segs": segs}
    if lo > start:
        entry["head"] = True
    if hi < end:
        entry["tail"] = True
    if hidden:
        entry["hidden"] = hidden
    return entry


# A segment is a string or a list: ``seg.__class__ is str`` tests it without a call (a preview
# holds some 700 segments, and report.html joins each line both ways).


def source_line(entry: Mapping[str, Any]) -> str:
    """The (possibly cut) source text of a preview line."""
    return "".join([s if s.__class__ is str else s[1] for s in entry["segs"]])


def output_line(entry: Mapping[str, Any]) -> str:
    """The (possibly cut) output text of a preview line."""
    return "".join([s if s.__class__ is str else s[2] for s in entry["segs"]])
