"""Plain-text renderings for the command line: run summary, detect table, inline diff.

Kept apart from :mod:`normalizer.cli` so the command stays a thin parser/printer and
these renderings can be tested as plain functions. Colour is a parameter: the caller
decides it (TTY, ``NO_COLOR``, ``--color``). Every name and every piece of corpus text
goes through :func:`normalizer.escapes.printable` (controls, bidi controls and
newlines shown as ``\\xNN``/``\\uNNNN``), terminal or not.
"""

from __future__ import annotations

import io
import os
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import click

from ..escapes import escape_undecodable, printable

if TYPE_CHECKING:
    from ..model import Edit
    from ..result import NormalizeResult
    from .json_report import Record

# The model and the JSON report are imported by the functions that need them: a rerun that
# finds nothing changed prints summary_lines and must not pay for importing them.


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_lines(report: Mapping[str, Any], *, dry_run: bool = False, unchanged_since: str | None = None) -> list[str]:
    """A few lines that end every run: what happened to how many files.

    ``report`` needs no ``files`` (``RunResult.head`` will do). ``unchanged_since``: the
    run found nothing changed since the run that finished then, and left its report as
    it was; the counts are that run's.
    """
    t = report["totals"]
    run = {**report["run"], "src": printable(report["run"]["src"]), "dst": printable(report["run"]["dst"])}
    counts = f"{t['changed']} changed, {t['unchanged']} unchanged, {t['skipped']} skipped, {_n(t['error'], 'error')}"
    if unchanged_since is not None:
        return [
            f"zhnorm {run['src']} → {run['dst']}: nothing changed since {unchanged_since}; report unchanged",
            f"{_n(t['files'], 'file')}: {counts}",
            f"edits: {_counts(t['edit_counts'])}; flags: {_counts(t['flags'])}",
            *([stale_line(t["stale"], deleted=False, dry_run=dry_run)] if t.get("stale") else []),
        ]
    lines = [f"zhnorm {run['src']} → {run['dst']}: {_n(t['files'], 'file')} in {run['duration_s']:.1f} s — {counts}"]
    if dry_run:
        lines.append(f"dry run: nothing written ({t['reused']} up to date)")
    else:
        same = t["changed"] + t["unchanged"] - t["reused"] - t["written"]  # redone, output already had those bytes
        line = f"written: {t['written']}; up to date, not redone: {t['reused']}"
        lines.append(line + (f"; redone, DST already held the same bytes: {same}" if same > 0 else ""))
    lines.append(f"edits: {_counts(t['edit_counts'])}; flags: {_counts(t['flags'])}")
    if t.get("stale"):
        lines.append(stale_line(t["stale"], deleted=bool(run.get("options", {}).get("delete")), dry_run=dry_run))
    if report.get("truncated"):
        lines.append(f"report detail dropped to stay under the corpus size: {', '.join(report['truncated'])}")
    return lines


def stale_line(count: int, *, deleted: bool, dry_run: bool) -> str:
    """The summary's line on outputs whose source is gone or now fails (see normalizer.stale)."""
    what = f"stale: {_n(count, 'output')} in DST whose source is gone or now fails"
    if deleted:
        return f"{what}: would be deleted (dry run)" if dry_run else f"{what}: deleted (--delete)"
    return f"{what}: kept (run with --delete to remove them; the report lists them)"


DETECT_COLUMNS = ("path", "encoding", "script", "trad", "simp", "annotations", "flags")


def detect_row(record: Record) -> list[str]:
    """The table's cells for ``record``; a file in error (or skipped) has its reason as an extra last cell."""
    if record["status"] in ("error", "skipped"):
        problem = printable(f"{record['status']}: {record['reason']}")
        return [printable(record["path"]), record.get("encoding") or "-", "-", "", "", "", "", problem]
    s = record["script"]
    return [
        printable(record["path"]),
        record["encoding"] or "-",
        s["verdict"],
        f"{s['traditional_share']:.0%}",
        f"{s['simplified_share']:.0%}",
        str(sum(g[2] for g in record["annotations"])),
        str(sum(record["flag_counts"].values())),
    ]


def width(s: str) -> int:
    """Terminal columns taken by ``s`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def detect_table(records: Sequence[Record]) -> str:
    """Aligned columns, one row per file; a problem's reason trails its row without widening any column."""
    rows = [list(DETECT_COLUMNS), *(detect_row(r) for r in records)]
    widths = [max(width(row[i]) for row in rows) for i in range(len(DETECT_COLUMNS))]
    widths.append(0)  # the reason, when there is one: last, so it pads nothing
    return "\n".join("  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows)


_LAYOUT = "\t\n"  # kept in a text shown line by line; every other control is escaped


def _shown(text: str) -> str:
    """Corpus text as a diff shows it: CRLF and lone CR line ends as LF (a raw CR returns the
    cursor), tabs and LFs kept, any other control escaped (before colour codes are added)."""
    return printable(text.replace("\r\n", "\n").replace("\r", "\n"), keep=_LAYOUT)


def _render_edit(e: Edit, color: bool) -> str:
    before, after = _shown(escape_undecodable(e.before)), _shown(e.after)
    if color:
        return click.style(before, fg="red", strikethrough=True) + click.style(after, fg="green")
    return (f"[-{before}-]" if before else "") + (f"{{+{after}+}}" if after else "")


def inline_diff(result: NormalizeResult, *, color: bool = False) -> Iterator[str]:
    """The changed lines of a document with every edit shown in place.

    Without colour an edit reads ``[-before-]{+after+}`` (as ``git diff --word-diff``);
    with colour, before is red and struck through, after green. Lines are 1-based.
    """
    from .hunks import hunks, line_starts

    source = result.source
    starts = line_starts(source)
    for hunk in hunks(source, result.edits, starts):
        pos = hunk.start
        out: list[str] = []
        for e in hunk.edits:
            out.append(_shown(source[pos : e.start]))
            out.append(_render_edit(e, color))
            pos = e.end
        out.append(_shown(source[pos : hunk.end]))
        text = "".join(out).rstrip("\n")
        prefix = f"{hunk.line + 1:>5}: "
        yield prefix + text.replace("\n", "\n" + " " * len(prefix))
    for f in result.flags:
        line = bisect_right(starts, f.start)
        yield f"flag {f.kind} at line {line}: '{printable(escape_undecodable(f.text))}' ({f.reason})"


def terminal_columns(stream: TextIO, default: int = 80) -> int:
    """The width of the terminal ``stream`` writes to, asked each time (windows are resized); else ``default``."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or default
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return default


class Progress:
    """A one-line progress bar for a terminal: ``[#####.....]  512/10000 files  5%``.

    Redrawn in place (carriage return, erase line) at most every ``interval`` seconds
    and on the last file. :meth:`clear` erases it, e.g. before printing an error line
    (the next update redraws it below) and at the end. The caller decides whether to
    show one at all (a TTY, not ``--quiet``). The line never fills the terminal's last
    column (a full line wraps on many terminals, and then every redraw adds a line):
    the bar shrinks, then goes, then the counts are cut.
    """

    WIDTH = 30
    MIN_BAR = 5

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        noun: str = "files",
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        columns: Callable[[], int] | None = None,
    ):
        self.total, self.stream, self.noun, self.interval, self.clock = total, stream, noun, interval, clock
        self.columns = columns or (lambda: terminal_columns(stream))
        self.done = 0
        self._last: float | None = None
        self._shown = False

    def line(self, columns: int = 80) -> str:
        """The bar as drawn on a terminal ``columns`` wide (at most ``columns - 1`` characters)."""
        share = self.done / self.total if self.total else 1.0
        digits = len(str(self.total))
        counts = f"{self.done:>{digits}}/{self.total} {self.noun} {share:4.0%}"
        room = columns - 1 - len(counts) - 3  # "[", "] ", and the last column left free
        size = min(self.WIDTH, room)
        if size < self.MIN_BAR:
            return counts[: max(columns - 1, 0)]
        filled = int(share * size)
        return f"[{'#' * filled}{'.' * (size - filled)}] {counts}"

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if self._last is None or now - self._last >= self.interval or self.done >= self.total:
            self._last = now
            self.stream.write("\r\x1b[K" + self.line(self.columns()))
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
            self._last = None  # redraw at the next update
