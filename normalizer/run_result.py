"""A finished run as its caller sees it (:class:`RunResult`), built lazily from what the run kept."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .report.json_report import Record


class RunResult:
    """A finished run: the report document, the file records and where the report was written.

    ``report`` and ``records`` are built when first read: a run keeps each record as
    the line of report.json its worker serialized (and a summary), and parsing 2,000
    of them back into dicts costs a quarter of a second the command line never needs;
    :attr:`head` (the report without its file records) is what a summary prints. When
    the run found nothing changed since the last one (:attr:`unchanged_since`, the time
    that run finished), the report is the one it left, read from report.json.
    """

    def __init__(
        self,
        report: dict[str, Any] | None = None,
        report_path: Path | None = None,
        records: list[Record] | None = None,
        html_path: Path | None = None,
        warnings: list[str] | None = None,
        *,
        head: dict[str, Any] | None = None,
        lines: list[bytes] | None = None,
        unchanged_since: str | None = None,
    ):
        self._report = report
        self._records = records
        self._head = head
        self._lines = lines
        self.report_path = report_path
        self.html_path = html_path
        self.warnings: list[str] = warnings if warnings is not None else []  # run-level problems
        self.unchanged_since = unchanged_since

    @property
    def head(self) -> dict[str, Any]:
        """The report without its ``files``: tool, run, totals, truncated."""
        if self._head is None:
            self._head = {k: v for k, v in self.report.items() if k != "files"}
        return self._head

    @property
    def report(self) -> dict[str, Any]:
        if self._report is None:
            if self._lines is None and self.report_path is not None:
                import json

                self._report = json.loads(self.report_path.read_bytes())
            else:
                self._report = {**(self._head or {}), "files": self.records}
        return self._report

    @property
    def built_whole(self) -> bool:
        """Whether the report was built as one document (its records parsed), not from lines."""
        return self._report is not None

    @property
    def records(self) -> list[Record]:
        """Every file's full record, in path order."""
        if self._records is None:
            if self._lines is not None:
                import json

                self._records = [json.loads(line) for line in self._lines]
            else:
                self._records = self.report["files"]
        return self._records

    @property
    def exit_code(self) -> int:
        if self.warnings:
            return 1
        if self._records is None and self._report is None and self._head is not None:
            return 1 if self._head["totals"]["error"] else 0
        return 1 if any(r["status"] == "error" for r in self.records) else 0
