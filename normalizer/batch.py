"""Normalize a directory tree (SRC) into a mirror tree (DST) of clean UTF-8 files: the run.

What and why:

* SRC is only read. Each text file becomes ``DST/<same relative path>``, UTF-8 without
  BOM; binary files are skipped (listed in the report, not copied). Which files, and
  which links are followed: :mod:`normalizer.selection`.
* :func:`run` plans the run (:class:`RunPlan`, :mod:`normalizer.plan`), takes the no-change
  shortcut when it applies, and otherwise hands the files that must be read to an executor
  (:mod:`normalizer.executors`: a local pool of warm workers by default;
  ``normalizer.distributed`` supplies one for a Dask cluster), which runs
  :func:`normalizer.worker.process_batch` and may return outcomes in any order: the
  report, the manifest and the HTML previews do not depend on completion order.
* The manifest (:mod:`normalizer.manifest`: ``DST/.zhnorm-manifest.sqlite``, committed batch by
  batch while a run works) remembers each input's SHA-256 and file state with the options and
  tool versions used, so a rerun skips files whose inputs did not change (by file state, as git
  does, else by hash) and finishes an interrupted run. ``force`` redoes everything. Files that
  errored are always retried. When nothing changed at all and the last run's report is still in
  place, a rerun reads only the manifest's file states (and hashes the few inputs whose state
  the last run could not trust), says so and leaves the report alone
  (:attr:`RunResult.unchanged_since`, :mod:`normalizer.shortcut`).
* Writes are atomic (:mod:`normalizer.atomic`), so a killed run leaves no half-written output;
  mirror outputs and the report are not flushed to disk one by one (they can be made again from
  SRC, and the manifest records each output's state, so an output a power failure lost no longer
  matches and is redone; after such a crash on a file system that may keep a file's new size
  without its data, run once with ``--force``). The manifest is written with ``fsync``.
* Nothing is lost or half-written (tests/test_reliability.py, tests/test_crash.py): see :mod:`normalizer.inputs`
  (files that change while read, binary sniffing) and :mod:`normalizer.worker` (large files streamed piece by
  piece). Names that are not valid UTF-8 are written with the same bytes and reported with ``\\xNN`` escapes.
* No output lands inside SRC, even through a DST folder linked into it: each write is fenced off
  SRC resolved (:func:`normalizer.atomic.check_outside`, looked at again right before the rename);
  such a file is an error and the run goes on.
* Outputs an earlier run wrote whose source is gone or now fails are listed (and, with
  ``delete``, removed): :mod:`normalizer.stale`.
* The report: :mod:`normalizer.report.assemble`.

The pipeline (OpenCC, pypinyin), the process pool and the report modules (but the light ``schema``
and ``compact``) are imported inside the functions that use them: a rerun that finds nothing
changed must be done in about the time Python takes to start.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from . import atomic, stale
from .atomic import TEMP_MARK, remove_temporaries
from .escapes import printable
from .executors import Executor, execute_tasks, local_executor, pool_context
from .inputs import state_of
from .manifest import MANIFEST_NAME, Entry, Manifest, Recorder, recorded_outputs
from .plan import RunOptions, RunPlan
from .report.schema import HTML_NAME, REPORT_NAME
from .run_result import RunResult
from .selection import UsageError, entry_reason, scan
from .shortcut import unchanged_result
from .worker import Outcome, Task, process_batch, reused_outcome

if TYPE_CHECKING:
    from .manifest import Fingerprint
    from .report.assemble import DetailedFiles
    from .report.json_report import Record

__all__ = [
    "HTML_NAME",
    "MANIFEST_NAME",
    "REPORT_NAME",
    "TEMP_MARK",
    "Executor",
    "Outcome",
    "RunOptions",
    "RunPlan",
    "RunResult",
    "Task",
    "UsageError",
    "inspect",
    "process_batch",
    "run",
]


def run(
    src: Path,
    dst: Path,
    options: RunOptions,
    *,
    report_dir: Path | None = None,
    on_record: Callable[[Record], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Normalize SRC into DST; write ``report_dir/report.json`` and ``report.html`` when given.

    ``on_start`` is called with the number of files about to be processed, and ``on_record`` with
    each file's record as it completes (e.g. for a progress bar or to print errors): its summary
    (:func:`normalizer.report.compact.summary`, without mapping histograms, positions and edits;
    ``result.records`` has the whole records). Raises :class:`UsageError` for bad paths or options,
    before any write. ``executor`` runs the tasks: by default :func:`normalizer.executors.local_executor`
    with :meth:`RunPlan.jobs` processes (``normalizer.distributed`` runs them on a Dask cluster).
    Outcomes may come back in any order; ``result.records`` are in path order either way.

    Files whose input state (size, times, inode) and output state are what the
    manifest recorded are reused without being read; the others are hashed, and
    reused when their SHA-256 is unchanged. When every selected file is reused by its
    state (or, for a few files changed just before the last run, by its hash), the options
    are the same and the report this manifest's run wrote is still in ``report_dir`` as it
    left it, nothing at all is written: the result says ``unchanged_since`` and its report
    is that one (on_start and on_record are not called; :mod:`normalizer.shortcut`).

    For report.html, the workers also return a bounded preview of each changed file's
    lines; only the first ``PREVIEW_FILES`` files with edits (in path order, the files
    the page shows in detail) keep theirs; a rerun that reuses such a file normalizes it
    again for its lines. Neither report.json nor the manifest holds text lines. Once
    ``PREVIEW_FILES`` files with edits are known, tasks for later paths (drawn lazily by
    the executor) ask for no preview.
    """
    plan = RunPlan.make(src, dst, options, report_dir)
    if report_dir is not None and not options.dry_run and not options.force:
        unchanged = unchanged_result(plan)
        if unchanged is not None:
            return unchanged
    return _Run(plan, executor).execute(on_record, on_start)


class _Collected:
    """The outcomes a run has seen, kept small: each record's line (report.json, ``result.records``),
    running totals, the report page's table of files (when a report is written), the run's histogram
    and the files written. No record is kept: a run of many files would hold them all until the end."""

    def __init__(self, page: bool) -> None:
        from .report.file_table import FileTable
        from .report.json_report import RunningTotals
        from .tally import TallySum

        self.lines: dict[str, bytes] = {}
        self.totals = RunningTotals(own_mappings=False)  # the run's histogram is the tallies'
        self.table = FileTable() if page else None
        self.tallies = TallySum()
        self.written = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.line is None:
            raise TypeError("the executor returned an outcome of a task that was not compact")
        self.lines[outcome.record["path"]] = outcome.line
        self.totals.add(outcome.record)
        if self.table is not None:
            self.table.add(outcome.record)
        if outcome.tallies:
            self.tallies.add(outcome.tallies)
        self.written += outcome.written


class _Run:
    """:func:`run` when the shortcut does not apply: reuse what can be, redo the rest, report."""

    def __init__(self, plan: RunPlan, executor: Executor | None):
        from .report.assemble import DetailedFiles
        from .report.review import REVIEW_PREVIEWS, ReviewFiles

        self.plan = plan
        self.executor = executor
        self.detailed: DetailedFiles = DetailedFiles(plan.preview_limit())
        self.review = ReviewFiles(REVIEW_PREVIEWS if plan.report_dir is not None else 0)
        self.collected = _Collected(page=plan.report_dir is not None)
        self.warnings: list[str] = []
        self.earlier: dict[str, Fingerprint] = {}  # outputs earlier runs wrote (normalizer.stale)
        self.shown_records: dict[str, Record] = {}  # summaries of the files report.html may detail

    def execute(self, on_record: Callable[[Record], None] | None, on_start: Callable[[int], None] | None) -> RunResult:
        plan = self.plan
        if self.executor is None and len(plan.chosen) > 1 and plan.jobs(plan.chosen) > 1:
            pool_context()  # the pool's forkserver warms up while the manifest is read
            if plan.report_dir is not None:  # and report.html's template loads, not after the last file
                from .report.html_report import load_template

                load_template()
        manifest, recorder, self.earlier = _open_manifest(plan)
        if on_start:
            on_start(len(plan.chosen))
        self._gone(recorder)
        fresh, still = [], []
        items = {} if plan.options.force else manifest.items()  # one query, not one a file
        for rel in plan.chosen:
            (still if plan.still(rel, items.get(rel)) else fresh).append(rel)
        del items
        self._process(manifest, recorder, fresh, still, on_record)
        try:
            return self._report(manifest)
        finally:
            self._save(recorder)

    def _process(
        self,
        manifest: Manifest,
        recorder: Recorder,
        fresh: list[str],
        still: list[str],
        on_record: Callable[[Record], None] | None,
    ) -> None:
        """Take every outcome (reused ones first) into the manifest and the collected records."""
        outcomes: Iterator[Outcome] = iter(())
        finished = False
        try:
            if fresh:
                execute = self.executor or local_executor(self.plan.jobs(fresh))
                outcomes = execute(self._tasks(fresh, manifest), len(fresh))
            known = ((outcome, True) for outcome in self._reused(still, manifest))
            for outcome, reused in chain(known, ((outcome, False) for outcome in outcomes)):
                self._take(outcome, recorder, known=reused)
                if on_record:
                    on_record(outcome.record)
                recorder.tick()
            if self.plan.report_dir is not None:
                self._finish_previews()
            finished = True
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:  # stop the executor's workers when the run stops early
                close()
            recorder.flush()
            if not finished:  # interrupted: keep what was done, drop what the stopped workers had begun
                self._save(recorder)
                if not self.plan.options.dry_run:
                    remove_temporaries(self.plan.dst)

    def _tasks(self, fresh: list[str], manifest: Manifest) -> Iterator[Task]:
        wants, floor = self.detailed.wants_preview, self.review.floor  # asked as each task is drawn
        return (self.plan.task(rel, manifest, preview=wants(rel), review_floor=floor()) for rel in fresh)

    def _reused(self, still: list[str], manifest: Manifest) -> Iterator[Outcome]:
        """The outcomes of files whose state did not change: from the manifest, not read."""
        import json

        for _rel, row in manifest.rows(still):
            assert row is not None
            record = json.loads(row.entry.record)
            yield reused_outcome(row.entry, record, preview=False, compact=True, source=None, output=None)

    def _gone(self, recorder: Recorder) -> None:
        """Stale outputs whose source is gone: a ``stale`` record each; deleted, or kept in the manifest."""
        plan = self.plan
        for found in stale.gone(self.earlier, plan.files, plan.dst, delete=self._delete, outside=plan.src_resolved):
            if found.how == stale.KEPT:
                recorder.put(found.rel, [None, found.recorded], stale.entry(None, found.stored))
            self.collected.add(Outcome(found.record, None, False, line=found.line))

    @property
    def _delete(self) -> bool:
        return self.plan.options.delete and not self.plan.options.dry_run

    def _stale_output(self, outcome: Outcome, recorder: Recorder) -> Outcome | None:
        """For a source that now fails (error, skipped) while its earlier output is still in DST:
        the outcome with ``stale_output`` set, the output deleted or kept in the manifest; else None."""
        rel = outcome.record["path"]
        recorded = self.earlier.get(rel)
        if recorded is None or outcome.record["status"] not in ("error", "skipped") or outcome.line is None:
            return None
        plan = self.plan
        on_disk = plan.files[rel][0]
        found = stale.failing(outcome.line, plan.dst, on_disk, recorded, delete=self._delete, outside=plan.src_resolved)
        if found is None:
            return None
        if found.how == stale.KEPT:
            source = outcome.source if outcome.record["status"] == "skipped" else None  # errors are always retried
            recorder.put(rel, [source, recorded], stale.entry(outcome.sha256, found.stored))
        else:
            recorder.drop(rel)
        return replace(outcome, record={**outcome.record, "stale_output": found.how}, line=found.line)

    def _take(self, outcome: Outcome, recorder: Recorder, *, known: bool) -> None:
        """Note an outcome; record it in the manifest (``known``: reused by state, recorded already)."""
        marked = self._stale_output(outcome, recorder) if self.earlier else None
        outcome = marked or outcome
        self.collected.add(outcome)
        record = outcome.record
        rel = record["path"]
        detailed = self.detailed.add(record, outcome.preview)[0]
        self.review.add(record, outcome.preview, detailed=detailed)
        if marked is not None:  # its manifest entry is settled (normalizer.stale)
            return
        if record["status"] == "error":
            recorder.drop(rel)
        elif record.get("reused"):
            if not known:  # reused by hash: the input's state changed
                recorder.set_item(rel, [outcome.source, outcome.output])
        elif outcome.sha256:
            assert outcome.line is not None
            entry = Entry(outcome.sha256, outcome.line, outcome.pairs or b"")
            recorder.put(rel, [outcome.source, outcome.output], entry)

    def _finish_previews(self) -> None:
        """Previews for detailed files that came without one (reused files), and for files needing review,
        as far as the page has room for them."""
        import json

        from .report.assemble import complete_previews
        from .report.compact import summary
        from .report.review import review_weight

        plan, previews = self.plan, self.detailed.previews
        previews.update(self.review.shown(previews))
        lines = self.collected.lines
        # The page's detailed files, read back from their lines once: for their order here, for the page later.
        self.shown_records = {rel: summary(json.loads(lines[rel])) for rel in previews if rel in lines}
        if all(previews.values()):  # every preview came (a first run): nothing to make
            return
        weights = {rel: review_weight(record) for rel, record in self.shown_records.items()}
        order = sorted(weights, key=lambda rel: (-weights[rel], rel))  # the page's order
        sources = {rel: plan.src / (plan.files[rel][0] if rel in plan.files else rel) for rel in previews}
        options = plan.options
        complete_previews(previews, order, sources, errors=options.errors, stream_bytes=options.stream_bytes)

    def _report(self, manifest: Manifest) -> RunResult:
        """Assemble the report, write it to the report directory, and note it in the manifest."""
        from .report.assemble import build_result, write_report
        from .tally import named_tallies

        plan, collected = self.plan, self.collected
        lines = [collected.lines[rel] for rel in sorted(collected.lines)]
        mappings = named_tallies(collected.tallies.total())  # the run's pairs, named once
        result, data = build_result(
            collected.totals.totals(mappings),
            lines,
            plan.run_info(),
            written=collected.written,
            budget_from_corpus=plan.options.report_detail == "summary",
            render=plan.report_dir is not None,
            warnings=self.warnings,
        )
        if plan.report_dir is None or data is None or collected.table is None:
            return result
        previews = self.detailed.previews
        records = self.shown_records
        write_report(result, data, collected.table, records, report_dir=plan.report_dir, previews=previews)
        if result.report_path is not None and result.html_path is not None:
            manifest.report = {
                "dir": os.path.abspath(plan.report_dir),
                "selection": plan.selection(),
                "json": state_of(result.report_path),
                "html": state_of(result.html_path),
                **result.head,
            }
        return result

    def _save(self, recorder: Recorder) -> None:
        warning = recorder.save()
        if warning is not None:
            self.warnings.append(warning)


def _open_manifest(plan: RunPlan) -> tuple[Manifest, Recorder, dict[str, Fingerprint]]:
    """DST's manifest for this run (read only for a dry run), DST prepared, entries of gone inputs
    dropped; and the outputs earlier runs recorded, whatever their options (:mod:`normalizer.stale`)."""
    from .executors import POOL_BATCH_FILES

    write = not plan.options.dry_run
    if write:
        _prepare_dst(plan.dst)
        if plan.report_dir is not None and plan.report_dir.is_dir():
            remove_temporaries(plan.report_dir)
    try:  # the manifest is unfinished until saved
        earlier = recorded_outputs(plan.dst, write=write)  # before a manifest of another key starts afresh
        manifest = Manifest(plan.dst, plan.key, write=write, corpus_bytes=plan.input_bytes(plan.files))
        if write:
            manifest.keep_only(plan.files)
    except sqlite3.Error as err:
        raise UsageError(f"cannot open the manifest in DST {plan.dst}: {err}") from err
    recorder = Recorder(manifest, every=plan.options.journal_seconds, batch_files=POOL_BATCH_FILES)
    return manifest, recorder, earlier


def _prepare_dst(dst: Path) -> None:
    """Create DST, remove a killed run's temporary files, and check that it takes files: else UsageError."""
    try:
        dst.mkdir(parents=True, exist_ok=True)
        remove_temporaries(dst)
        fd, probe = atomic.create_temporary(os.path.join(dst, "probe"))  # on the module: tests make it fail
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UsageError(f"DST {dst} is not writable: {err.strerror or err}") from err


def inspect(paths: Iterable[Path], *, errors: str = "strict", detail: str = "summary", jobs: int = 1) -> list[Record]:
    """Records for files and directory trees without writing anything (``zhnorm detect``).

    A directory contributes every file under it; record paths are shown as given
    (a directory's files as ``DIR/relative``).
    """
    tasks: list[Task] = []
    for path in paths:
        if path.is_dir():
            for rel, info in scan(path):
                shown = printable(path.as_posix() + "/" + rel)
                tasks.append(Task(shown, str(path / rel), "", errors, detail, True, skip=entry_reason(path, rel, info)))
        else:
            tasks.append(Task(printable(str(path)), str(path), "", errors, detail, dry_run=True))
    return [outcome.record for outcome in execute_tasks(tasks, jobs)]
