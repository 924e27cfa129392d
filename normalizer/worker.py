"""What a worker process does with one file (a :class:`Task`): read, normalize, write, record.

Tasks and outcomes are plain picklable data, shipped in batches to
:func:`process_batch` (a top-level function: the local pool and a Dask cluster both run
it, Dask by its qualified name ``normalizer.worker.process_batch``). A file is reused
(not normalized again) when its SHA-256 is the one the manifest recorded and its output
is still the one the last run wrote. Files over ``Task.stream_bytes`` are normalized
piece by piece (:mod:`normalizer.stream`): their output streamed into the temporary
file, their hash and their input/output comparison computed in blocks. For a
``compact`` task the record comes back serialized once, with a small summary, and its
histogram of changes apart in compact form (:mod:`normalizer.tally`): packed for the
manifest, and summed per batch for the run totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .atomic import AtomicFile
from .escapes import printable
from .inputs import (
    CHANGED_WHILE_READ,
    FileProblem,
    binary_reason,
    default_stream_bytes,
    hash_input,
    open_input,
    read_input,
    sha256,
    state_of,
    trusted_state,
)
from .rewrite import normalize_data, replace_checked, stream_normalize

if TYPE_CHECKING:
    import os

    from .manifest import Entry
    from .report.json_report import Record, StreamRecordBuilder
    from .stream import Piece
    from .tally import PairTally


@dataclass(frozen=True, slots=True)
class Task:
    """One file for a worker: where to read, where to write, and what was done last time."""

    rel: str
    src: str
    dst: str
    errors: str
    detail: str
    dry_run: bool
    previous: Entry | None = None  # the manifest's entry: reused when the input's SHA-256 is the same
    preview: bool = False  # also return the changed lines (report.html), see normalizer.report.preview
    review_floor: int | None = None  # also when the file's review weight reaches this (report.review.ReviewFiles)
    skip: str | None = None  # not read: why (a symbolic link not followed, not a regular file)
    compact: bool = False  # return the record serialized, summarized, its histograms apart (see Outcome)
    output: list[int] | None = None  # the output's state the manifest recorded with ``previous``
    size: int = 0  # the input's size when listed (to size batches; 0: unknown)
    racy_ns: int | None = None  # see inputs.trusted_state; None: inputs.RACY_NS
    stream_bytes: int | None = None  # larger files are streamed; None: inputs.default_stream_bytes()
    piece_chars: int | None = None  # characters per streamed piece; None: normalizer.stream.PIECE_CHARS
    outside: str | None = None  # SRC resolved: an output that would land there is an error (atomic.check_outside)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a worker did with one file.

    For a ``compact`` task, ``record`` is the record's summary
    (:func:`normalizer.report.compact.summary`), ``line`` the whole record as JSON,
    ``pairs`` the file's histogram of changes packed for the manifest
    (:func:`normalizer.tally.pack_tallies`; None for a reused file, whose entry has it),
    ``tallies`` that histogram unnamed (or, from :func:`process_batch`, the sum of a
    batch's on one of its outcomes and None on the others: the run only adds them up),
    and ``preview`` the preview rendered for report.html
    (``normalizer.report.html_report.prerender``).
    """

    record: Record
    sha256: str | None
    written: bool
    preview: dict[str, Any] | None = None  # changed lines, when the task asked for them and the file has edits
    line: bytes | None = None
    tallies: dict[str, PairTally] | None = None
    pairs: bytes | None = None
    source: list[int] | None = None  # the input's state when read (see file_state); None: not to be trusted
    output: list[int] | None = None  # the output's state after the write; None: no output


def process_file(task: Task) -> Outcome:
    """Normalize one file and write its output; never raises for a bad file."""
    from .model import DecodeError
    from .report.json_report import problem_record

    if task.skip:
        return _finish(task, problem_record(task.rel, "skipped", task.skip, bytes_in=0), None, False)
    size = digest = None
    limit = default_stream_bytes() if task.stream_bytes is None else task.stream_bytes
    try:
        f, before = open_input(task.src)
        size = before.st_size
        with f:
            if size > limit:
                return _process_large(task, f, before)
            data = read_input(f, before)
        digest = sha256(data)
        return _process_small(task, data, digest, before)
    except DecodeError as err:
        record = problem_record(task.rel, "error", err.reason, bytes_in=size or 0, encoding=err.encoding)
        return _finish(task, record, digest, False)
    except FileProblem as err:
        record = problem_record(task.rel, "error", err.reason, bytes_in=size or 0, encoding=err.encoding)
        return _finish(task, record, digest, False)
    except Exception as err:  # a bug in one file's processing must not stop the run
        reason = f"internal error: {type(err).__name__}: {err}".replace("\n", " ")
        return _finish(task, problem_record(task.rel, "error", reason, bytes_in=size or 0), digest, False)


def process_batch(tasks: Sequence[Task]) -> list[Outcome]:
    """:func:`process_file` for each task of a batch (one scheduler task for many small files).

    The batch's tallies are summed into its first outcome that has any (the others'
    become None): the run only ever adds them up, and one sum per batch is what
    crosses to the main process instead of one histogram per file (each file's own
    crosses packed, for the manifest).
    """
    outcomes = [process_file(task) for task in tasks]
    with_tallies = [i for i, o in enumerate(outcomes) if o.tallies]
    if len(with_tallies) > 1:
        from .tally import sum_tallies

        total = sum_tallies(outcomes[i].tallies for i in with_tallies)
        for n, i in enumerate(with_tallies):
            outcomes[i] = replace(outcomes[i], tallies=total if n == 0 else None)
    return outcomes


def _finish(
    task: Task,
    record: Record,
    digest: str | None,
    written: bool,
    preview: dict[str, Any] | None = None,
    *,
    source: list[int] | None = None,
    output: list[int] | None = None,
    tallies: Mapping[str, PairTally] | None = None,
) -> Outcome:
    """The outcome of a new record: as is, or split up for a ``compact`` task (see :class:`Outcome`);
    ``tallies``: the file's histogram of changes."""
    if not task.compact:
        return Outcome(record, digest, written, preview, source=source, output=output)
    from .report.compact import record_json, summary
    from .tally import pack_tallies

    view = None
    if preview is not None:
        from .report.html_report import prerender

        view = prerender(preview)
    return Outcome(
        summary(record),
        digest,
        written,
        view,
        line=record_json(record),
        tallies=dict(tallies) if tallies else None,
        pairs=pack_tallies(tallies) if tallies else None,
        source=source,
        output=output,
    )


def _output_state(task: Task, source: list[int] | None) -> tuple[list[int] | None, list[int] | None]:
    """(input state, output state) to record after writing ``task.dst``.

    An output that cannot be stat'ed leaves the input untrusted too, so that the next
    run hashes the input and checks the output instead of reusing both by state.
    """
    if task.dry_run:
        return source, None
    output = state_of(task.dst)
    return (source if output is not None else None), output


def _reused_or_binary(
    task: Task, digest: str, source: list[int] | None, head: bytes, size: int
) -> Outcome | None:
    """The outcome of a file that needs no normalizing: reused from the manifest, or skipped
    as binary (``head``: its first bytes); None when it must be normalized."""
    from .report.json_report import problem_record

    reused = _reuse(task, digest, source)
    if reused is not None:
        return reused
    why = binary_reason(head)
    if why:
        return _finish(task, problem_record(task.rel, "skipped", why, bytes_in=size), digest, False, source=source)
    return None


def _process_small(task: Task, data: bytes, digest: str, before: os.stat_result) -> Outcome:
    from .report.json_report import file_record

    source = trusted_state(before, task.racy_ns)
    settled = _reused_or_binary(task, digest, source, data, len(data))
    if settled is not None:
        return settled
    result, out = normalize_data(data, errors=task.errors)
    status = "unchanged" if out == data else "changed"
    record = file_record(task.rel, result, status=status, bytes_in=len(data), bytes_out=len(out), detail=task.detail)
    written = False
    if not task.dry_run:
        try:
            written = replace_checked(task.src, before, task.dst, out, durable=False, outside=task.outside)
        except OSError as err:
            reason = f"cannot write {printable(task.dst)}: {err.strerror or err}"
            raise FileProblem(reason, encoding=result.encoding) from err
    preview = None
    if _wants_preview(task, record) and result.summary.counts:
        from .report.preview import build_preview

        preview = build_preview(result)
    source, output = _output_state(task, source)
    tallies = result.summary.tallies
    return _finish(task, record, digest, written, preview, source=source, output=output, tallies=tallies)


def _wants_preview(task: Task, record: Record) -> bool:
    """Whether the outcome of a small file should carry its preview: asked for, or weighty enough for review."""
    if record["status"] != "changed":
        return False
    if task.preview:
        return True
    if task.review_floor is None:
        return False
    from .report.review import needs_preview, review_weight

    return needs_preview(record) and review_weight(record) >= task.review_floor


class _StreamedRecord:
    """The record and preview of a streamed file, built piece by piece."""

    def __init__(self, task: Task):
        from .report.json_report import StreamRecordBuilder

        self.builder: StreamRecordBuilder = StreamRecordBuilder(task.rel, detail=task.detail)
        self.preview = _PreviewBuilder() if task.preview else None

    def add(self, piece: Piece) -> None:
        self.builder.add(piece)
        if self.preview is not None:
            self.preview.add(piece)


def _process_large(task: Task, f: BinaryIO, before: os.stat_result) -> Outcome:
    """A file over the stream limit: hashed, then normalized in pieces written straight to a temporary file."""
    digest, head = hash_input(f)
    source = trusted_state(before, task.racy_ns)
    settled = _reused_or_binary(task, digest, source, head, before.st_size)
    if settled is not None:
        return settled
    built = _StreamedRecord(task)
    sink = None if task.dry_run else AtomicFile(Path(task.dst), durable=False, outside=task.outside)
    try:
        found = stream_normalize(
            task.src, before, errors=task.errors, sink=sink, on_piece=built.add, piece_chars=task.piece_chars
        )
        if found.sha256 != digest:
            raise FileProblem(CHANGED_WHILE_READ)
        status = "unchanged" if found.same else "changed"
        record = built.builder.record(found.survey, status=status, bytes_in=before.st_size, bytes_out=found.size)
        written = sink.commit_unless_same() if sink is not None else False
    finally:
        if sink is not None:
            sink.discard()
    shown = built.preview is not None and status == "changed" and record.get("edit_counts")
    kept = built.preview.preview() if shown and built.preview is not None else None
    source, output = _output_state(task, source)
    tallies = built.builder.tallies
    return _finish(task, record, digest, written, kept, source=source, output=output, tallies=tallies)


class _PreviewBuilder:
    """The preview of a streamed file (see :mod:`normalizer.report.preview`), piece by piece."""

    def __init__(self) -> None:
        self.changed = 0
        self.lines: list[dict[str, Any]] = []

    def add(self, piece: Piece) -> None:
        if not piece.result.summary.counts:
            return
        from .report.preview import PREVIEW_LINES, build_preview

        part = build_preview(piece.result, max_lines=max(0, PREVIEW_LINES - len(self.lines)))
        self.changed += part["changed_lines"]
        self.lines.extend({**line, "n": line["n"] + piece.line} for line in part["lines"])

    def preview(self) -> dict[str, Any]:
        return {"changed_lines": self.changed, "lines": self.lines}


def _reuse(task: Task, digest: str, source: list[int] | None) -> Outcome | None:
    """The previous record when input and output are still what the manifest says."""
    prev = task.previous
    if prev is None or prev.sha256 != digest:
        return None
    import json

    record = json.loads(prev.record)
    output = None
    if record.get("status") in ("changed", "unchanged"):
        output = state_of(task.dst)
        if output is None or output != task.output:  # gone, or not the file this run's predecessor wrote
            return None
    elif record.get("status") != "skipped":
        return None
    return reused_outcome(prev, record, preview=task.preview, compact=task.compact, source=source, output=output)


def reused_outcome(
    entry: Entry,
    record: Record,
    *,
    preview: bool,
    compact: bool,
    source: list[int] | None,
    output: list[int] | None,
) -> Outcome:
    """The outcome of a file whose manifest ``entry`` stands (``record``: its record, parsed)."""
    record["reused"] = True
    view = None  # the manifest keeps no previews: report.assemble.complete_previews makes them
    if not compact:
        return Outcome(record, entry.sha256, False, view, source=source, output=output)
    from .report.compact import as_reused, summary
    from .tally import unpack_tallies

    return Outcome(
        summary(record),
        entry.sha256,
        False,
        view,
        line=as_reused(entry.record),
        tallies=unpack_tallies(entry.pairs) or None,
        source=source,
        output=output,
    )
