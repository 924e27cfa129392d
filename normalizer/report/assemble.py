"""A run's report, assembled from what its workers returned: report.json and report.html.

The main process does as little per file as it can (with two workers on two cores,
every millisecond it spends is taken from them): workers return each record already
serialized, with a small summary, and their histograms of changes unnamed, summed per
batch (:mod:`normalizer.tally`). The run keeps each line and adds each summary to running
totals (:class:`normalizer.report.json_report.RunningTotals`) and to the page's table
(:class:`normalizer.report.file_table.FileTable`), then drops it: no record is held to the
end. report.json is the lines, written in pieces after a head whose totals hold the run's
histogram, named once. Only when that
is larger than the corpus and than ``REPORT_FLOOR`` (summary detail: the size budget, see
:func:`normalizer.report.json_report.build_report`) are the records parsed and the
report built the old way, dropping detail until it fits.

report.html shows the first ``PREVIEW_FILES`` files with edits (in path order) in
detail, with a bounded preview of their changed lines: :class:`DetailedFiles` keeps
track of which files those are while outcomes come back in any order, and which tasks
should ask their worker for a preview.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_write
from ..run_result import RunResult
from ..versions import tool_info
from .schema import HTML_NAME, REPORT_NAME, SCHEMA, SCHEMA_VERSION

if TYPE_CHECKING:
    from .file_table import FileTable
    from .json_report import Record


#: A report.json this small is never cut, whatever the corpus size: a run of a few
#: files keeps all its detail (a report "smaller than the corpus" matters for large runs).
REPORT_FLOOR = 256 * 1024


def has_edits(record: Record) -> bool:
    """Whether report.html may show ``record``'s file in detail: changed, with edits."""
    return record["status"] == "changed" and bool(record.get("edit_counts"))


class DetailedFiles:
    """The first ``limit`` paths with edits among the outcomes so far (sorted), with their previews.

    Tasks drawn that asked for a preview and whose outcome is not back are ``asked``. A
    pool draws tasks ahead (many with many workers), and each would make a preview
    (~3 ms) that the first ``limit`` files with edits then make useless: at most twice
    ``limit`` ask at a time. Not fewer: a file that turns out to be detailed without a
    preview gets one from :func:`complete_previews`, normalized again in the main
    process, at the end, while the workers sit idle.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.paths: list[str] = []
        self.previews: dict[str, dict[str, Any] | None] = {}
        self.asked: set[str] = set()

    def may_be_detailed(self, rel: str) -> bool:
        """Whether ``rel`` would be detailed if it has edits."""
        return len(self.paths) < self.limit or (bool(self.paths) and rel < self.paths[-1])

    def wants_preview(self, rel: str) -> bool:
        """Whether the task of ``rel``, drawn now, should ask for a preview (noted as asked)."""
        if not self.may_be_detailed(rel):
            return False
        if len(self.paths) + len(self.asked) >= 2 * self.limit and not (self.paths and rel < self.paths[-1]):
            return False
        self.asked.add(rel)
        return True

    def add(self, record: Record, preview: dict[str, Any] | None) -> tuple[bool, str | None]:
        """Note an outcome: (whether its file is detailed now, the path that drops out to make room)."""
        rel = record["path"]
        self.asked.discard(rel)
        if not (has_edits(record) and self.may_be_detailed(rel)):
            return False, None
        insort(self.paths, rel)
        self.previews[rel] = preview
        if len(self.paths) <= self.limit:
            return True, None
        dropped = self.paths.pop()  # outcomes out of path order: a later path drops out
        del self.previews[dropped]
        return True, dropped


def complete_previews(
    previews: dict[str, dict[str, Any] | None],
    order: Iterable[str],
    sources: dict[str, Path],
    *,
    errors: str,
    stream_bytes: int,
) -> list[str]:
    """Fill in the missing previews of the files the page will show with their lines; the paths filled.

    ``order``: the paths of ``previews`` in review order. They are walked as the page walks them
    (:func:`normalizer.report.html_report.shown_in_detail`), and a missing preview (a file reused
    from the manifest, which keeps none) is made when the walk reaches it: none the page has no room
    for (a rerun on the 1,866-file corpus made 119 previews again for the 77 the page shows). Bounded by
    ``PREVIEW_FILES``: these files (``sources``: where each is read) are normalized again, in this
    process. The pipeline is imported only then: with a pool, this process has not needed it
    otherwise (~0.1 s of imports, at the end of the run, while the workers sit idle).
    """
    from .html_report import prerender, shown_in_detail

    done: list[str] = []

    def preview_of(rel: str) -> dict[str, Any] | None:
        if previews[rel] is None:
            made = _preview_again(sources[rel], errors=errors, stream_bytes=stream_bytes)
            if made is not None:
                previews[rel] = prerender(made)
                done.append(rel)
        return previews[rel]

    shown_in_detail(order, preview_of)
    return done


def _preview_again(path: Path, *, errors: str, stream_bytes: int) -> dict[str, Any] | None:
    """The preview of the file at ``path``, normalized again (None: it cannot be shown)."""
    from .. import pipeline
    from ..model import DecodeError
    from .preview import build_preview

    try:
        if path.stat().st_size > stream_bytes:  # never held whole: no lines shown
            return None
        result = pipeline.normalize_bytes(path.read_bytes(), errors=errors)
    except (OSError, DecodeError):  # changed since it was processed: show no lines
        return None
    return build_preview(result)


def build_result(
    totals: dict[str, Any],
    lines: list[bytes],
    run_info: dict[str, Any],
    *,
    written: int,
    budget_from_corpus: bool,
    render: bool,
    warnings: list[str],
) -> tuple[RunResult, Iterable[bytes] | None]:
    """The run's result and, when ``render``, report.json's bytes in pieces (else None); ``totals``: over
    every record, with the run's histograms (:class:`normalizer.report.json_report.RunningTotals`;
    the records do not hold them unless detail is full), ``lines``: the records' lines, in path order."""
    from .compact import JsonLines
    from .json_report import build_report, render_json

    head: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "run": run_info,
        "totals": {**totals, "written": written},
        "truncated": [],
    }
    budget = max(REPORT_FLOOR, totals["bytes_in"]) if budget_from_corpus else None
    result = RunResult(head=head, lines=lines, warnings=warnings)
    if not render and budget is None:
        return result, None
    joined = JsonLines.of(head, lines)
    data: Iterable[bytes] = joined
    if budget is not None and joined.size > budget:
        records = result.records
        mappings = totals["mappings"]  # as report.json writes them: build_report's totals leave them so
        report = build_report(
            records, tool=head["tool"], run=run_info, written=written, budget=budget, mappings=mappings
        )
        result = RunResult(report, records=records, warnings=warnings)
        data = (render_json(report).encode("utf-8"),)
    return result, data if render else None


def write_report(
    result: RunResult,
    data: Iterable[bytes],
    table: FileTable,
    records: Mapping[str, Record],
    *,
    report_dir: Path,
    previews: dict[str, dict[str, Any] | None],
) -> None:
    """Write report.json (``data``, in pieces) and report.html to ``report_dir``; a warning on the result
    when that fails. ``table``: the page's :class:`FileTable` of every file; ``records``: by path, the
    summaries of (at least) the files with a preview, which the page shows in detail."""
    from .html_report import page_pieces, render_html

    if result.built_whole:  # the size budget dropped detail: the page shows what report.json has
        page: Iterable[str] = (render_html(result.report, previews),)
    else:
        page = page_pieces(result.head, table, records, previews)
    try:
        report_path = report_dir / REPORT_NAME
        atomic_write(report_path, data, durable=False, compare=False)
        html_path = report_dir / HTML_NAME
        atomic_write(html_path, (piece.encode("utf-8") for piece in page), durable=False, compare=False)
    except OSError as err:
        result.warnings.append(f"cannot write the report in {report_dir}: {err.strerror or err}")
    else:
        result.report_path, result.html_path = report_path, html_path
