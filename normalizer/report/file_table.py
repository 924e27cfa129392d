"""What report.html needs of every file, gathered one record at a time: its row of the files
table, the files needing review, and the counts behind the page's charts and summary.

Why gathered: a batch run used to keep every file's record summary until the end only to
write this page, ~2.3 KB of Python objects per file (a run of 30,000 small articles peaked
at 384 MB). A :class:`FileTable` keeps a file's row, rendered (~0.4 KB), and running
counts; the page needs whole records only for the few files it shows in detail.

The page lists files in review order: the weightiest first
(:func:`normalizer.report.review.review_weight`), in path order within a weight, whatever
order the records were added in.
"""

from __future__ import annotations

from bisect import insort
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .html_text import kind_parts, markup, number, visible, visible_text
from .review import review_reasons, review_weight

PAGE_ROWS = 100  # rows of the files table per page
REVIEW_ROWS = 50  # files listed in the "needs review" section (the view in the table has them all)
PIECE_ROWS = 1024  # rows rendered at a time when the page is written in pieces


def file_kinds(record: Mapping[str, Any]) -> str:
    """The edit kinds of a file (and "flag"), as the page filters by them."""
    kinds = {k for kind in record.get("edit_counts", {}) for k in kind_parts(kind)}
    if record.get("flag_counts"):
        kinds.add("flag")
    return " ".join(sorted(kinds))


def script_text(record: Mapping[str, Any]) -> str:
    """A file's script verdict, with its share when it is one script ("traditional 98%")."""
    s = record.get("script")
    if not s:
        return ""
    share = max(s["traditional_share"], s["simplified_share"])
    return f"{s['verdict']} {share:.0%}" if s["verdict"] in ("traditional", "simplified") else s["verdict"]


def _note(record: Mapping[str, Any]) -> str:
    if record.get("reason"):
        return record["reason"]
    if record["status"] == "changed" and not record.get("edit_counts"):
        return f"re-encoded from {record.get('encoding')}, no text edits"
    return ""


def _conversions(record: Mapping[str, Any]) -> int:
    return sum(n for kind, n in record.get("edit_counts", {}).items() if "convert" in kind_parts(kind))


def _annotations(record: Mapping[str, Any]) -> int:
    return sum(g[2] for g in record.get("annotations", ()))


def row(record: Mapping[str, Any], anchor: str | None, weight: int) -> dict[str, Any]:
    """The cells of ``record``'s row in the files table (``weight``: its review weight), as text."""
    edits = record.get("edit_counts")
    other = sum(n for kind, n in (edits or {}).items() if not {"annotation", "convert"} & set(kind_parts(kind)))
    return {
        "record": record,
        "anchor": anchor,
        "kinds": file_kinds(record),
        "review": 1 if weight else 0,
        "script": script_text(record),
        "annotations": number(_annotations(record)) if "annotations" in record else "",
        "conversions": number(_conversions(record)) if edits is not None else "",
        "other": number(other) if edits is not None else "",
        "flags": number(sum(record["flag_counts"].values())) if "flag_counts" in record else "",
        "note": _note(record),
    }


def row_parts(row: Mapping[str, Any]) -> tuple[str, str]:
    """One row of the files table, as the page's template wrote it (escaped as Jinja2's autoescape
    does: :func:`normalizer.report.html_text.markup`), after a line break: split where `` hidden``
    goes when the row is not on the table's first page.

    Written here, not in the template: a page has a row per file (10,000 for a large corpus), and
    Jinja2 looks up and escapes each of their ~20 values apart, which took most of the page's time.
    """
    record = row["record"]
    path, status, anchor = record["path"], markup(record["status"]), row["anchor"]
    shown = f'<bdi class="p">{visible(path)}</bdi>'
    if anchor:
        shown = f'<button type="button" class="go" data-go="{markup(anchor)}" title="show its lines">{shown}</button>'
    reused = ' <span title="up to date: taken from the last run, not redone">↺</span>' if record.get("reused") else ""
    cells = "".join(
        [f'<td class="num">{markup(row[name])}</td>' for name in ("annotations", "conversions", "other", "flags")]
    )
    start = (
        f'\n<tr data-p="{markup(visible_text(path))}" data-s="{status}" data-k="{markup(row["kinds"])}" '
        f'data-r="{row["review"]}"'
    )
    rest = (
        f"><td>{shown}</td>"
        f'<td><span class="chip st-{status}">{status}</span>{reused}</td>'
        f"<td>{markup(record.get('encoding') or '')}</td><td>{markup(row['script'])}</td>{cells}"
        f"<td><bdi>{visible(row['note'])}</bdi></td></tr>"
    )
    return start, rest


class FileTable:
    """Every file's row and review weight, the files needing review, and the page's counts;
    :meth:`add` each record (summaries do: :func:`normalizer.report.compact.summary`)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str, str]] = []  # (-weight, path, row split at "hidden"), unsorted
        self.review: list[tuple[int, str, list[dict[str, str]]]] = []  # the first REVIEW_ROWS: (-weight, path, why)
        self.review_count = 0
        self.with_edits = 0  # changed files with edits
        self.kinds: set[str] = set()  # edit kinds of every file
        self.flagged = False  # whether any file has flags
        self.encodings: Counter[str] = Counter()  # of the files read (changed or unchanged)
        self.scripts: Counter[str] = Counter()
        # annotation text removed -> [count, (path, index) where first met]: the page lists the most
        # frequent, ties in the order met in path order, as when it counted the records in that order.
        self._removed: dict[str, list[Any]] = {}

    @classmethod
    def of(cls, records: Iterable[Mapping[str, Any]]) -> FileTable:
        table = cls()
        for record in records:
            table.add(record)
        return table

    def add(self, record: Mapping[str, Any]) -> None:
        """Note a file's record: its row, its place among the files needing review, its counts."""
        path, status = record["path"], record["status"]
        weight = review_weight(record)
        self.rows.append((-weight, path, *row_parts(row(record, None, weight))))
        if weight:
            self.review_count += 1
            if len(self.review) < REVIEW_ROWS or (-weight, path) < self.review[-1][:2]:
                insort(self.review, (-weight, path, review_reasons(record)), key=lambda r: r[:2])
                del self.review[REVIEW_ROWS:]
        edits = record.get("edit_counts", {})
        self.with_edits += status == "changed" and bool(edits)
        self.kinds.update(k for kind in edits for k in kind_parts(kind))
        self.flagged = self.flagged or bool(record.get("flag_counts"))
        if status in ("changed", "unchanged") and record.get("encoding"):
            self.encodings[record["encoding"]] += 1
        if record.get("script"):
            self.scripts[record["script"]["verdict"]] += 1
        for i, (before, _after, count, *_) in enumerate(record.get("annotations", ())):
            seen = self._removed.get(before)
            if seen is None:
                self._removed[before] = [count, (path, i)]
                continue
            seen[0] += count
            if path < seen[1][0]:  # (a same path was met at a smaller index: i grows)
                seen[1] = (path, i)

    def removed(self) -> Counter[str]:
        """Annotation removals by removed text, in the order first met in path order."""
        return Counter({k: v[0] for k, v in sorted(self._removed.items(), key=lambda kv: kv[1][1])})

    def rows_pieces(self, anchored: Mapping[str, tuple[str, Mapping[str, Any]]]) -> Iterator[str]:
        """Every row of the files table in review order, in pieces of ``PIECE_ROWS`` rows; rows past
        the first ``PAGE_ROWS`` are hidden (the page's script pages through them). ``anchored``:
        path -> (anchor, record) of the files shown in detail, whose rows link to their section."""
        self.rows.sort()
        for at in range(0, len(self.rows), PIECE_ROWS):
            out = []
            for i, (weight, path, start, rest) in enumerate(self.rows[at : at + PIECE_ROWS], at):
                if path in anchored:
                    anchor, record = anchored[path]
                    start, rest = row_parts(row(record, anchor, -weight))
                out += (start, " hidden" if i >= PAGE_ROWS else "", rest)
            yield "".join(out)
