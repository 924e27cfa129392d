"""What a batch run works on, decided before anything is read or written: its options
(:class:`RunOptions`) and its plan (:class:`RunPlan`: SRC listed, the files the options
select, the task for each file).

Why a module of its own: the run (:mod:`normalizer.batch`) and its no-change shortcut
(:mod:`normalizer.shortcut`) both start from the plan, and neither should have to import
the other.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .executors import jobs_for
from .inputs import default_piece_chars, default_racy_ns, default_stream_bytes, file_state, state_of
from .report.schema import DETAIL_LEVELS, SCHEMA_VERSION
from .selection import Listed, UsageError, check_paths, entry_reason, listing, selected
from .versions import code_digest, opencc_version
from .worker import Task

if TYPE_CHECKING:
    from .manifest import IndexItem, Manifest


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Options of a batch run (all picklable).

    The first seven are the run's options as report.json shows them. The others tune how the work
    is done, not its result, and are not reported: ``stream_bytes`` (files larger than this are
    normalized piece by piece), ``piece_chars`` (characters per piece; None: ``stream.PIECE_CHARS``),
    ``racy_ns`` (see :func:`normalizer.inputs.trusted_state`) default to the environment
    (:mod:`normalizer.inputs`); ``journal_seconds``: how often at most the manifest's transaction is
    committed (also after every batch of files); ``preview_files``: how many files report.html shows
    in detail (None: ``normalizer.report.preview.PREVIEW_FILES``)."""

    jobs: int | None = None  # worker processes; None = all cores, one for a small run (executors.jobs_for)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    dry_run: bool = False
    force: bool = False
    errors: str = "strict"
    report_detail: str = "summary"
    stream_bytes: int = field(default_factory=default_stream_bytes)
    piece_chars: int | None = field(default_factory=default_piece_chars)
    racy_ns: int = field(default_factory=default_racy_ns)
    journal_seconds: float = 2.0
    preview_files: int | None = None
    delete: bool = False  # remove stale outputs (normalizer.stale); reported as run.options.delete when set

    def key(self) -> dict[str, Any]:
        """What decides a file's output and record: a change redoes every file."""
        return {
            "zhnorm": __version__,
            "code": code_digest(),  # a development checkout changes without a version bump
            "opencc": opencc_version(),
            "report_schema": SCHEMA_VERSION,  # records are stored in the manifest
            "errors": self.errors,
            "report_detail": self.report_detail,
        }

    def as_report(self) -> dict[str, Any]:
        """The options as report.json's ``run.options`` shows them."""
        return {
            "jobs": self.jobs,
            "include": list(self.include),
            "exclude": list(self.exclude),
            "dry_run": self.dry_run,
            "force": self.force,
            "errors": self.errors,
            "report_detail": self.report_detail,
            **({"delete": True} if self.delete else {}),
        }

    def check(self) -> None:
        """Raise :class:`UsageError` for options that cannot work."""
        if self.errors not in ("strict", "replace"):
            raise UsageError(f"errors must be 'strict' or 'replace', not {self.errors!r}")
        if self.report_detail not in DETAIL_LEVELS:
            raise UsageError(f"report detail must be one of {', '.join(DETAIL_LEVELS)}")


@dataclass(frozen=True)
class RunPlan:
    """What a run works on, decided before anything is read or written.

    ``files``: every entry under SRC by the path the report shows (differs from the name
    on disk for names that are not valid UTF-8, whose bytes are shown as ``\\xNN``),
    with its name on disk and its lstat; ``chosen``: the paths the options select.
    """

    src: Path
    dst: Path
    options: RunOptions
    report_dir: Path | None
    key: dict[str, Any]
    started: datetime
    files: dict[str, Listed]
    chosen: list[str]

    @classmethod
    def make(cls, src: Path, dst: Path, options: RunOptions, report_dir: Path | None = None) -> RunPlan:
        """Check the paths and options (:class:`UsageError`), list SRC and select its files."""
        check_paths(src, dst, report_dir)
        options.check()
        started = datetime.now(UTC)
        files = listing(src)
        chosen = [rel for rel in files if selected(rel, options.include, options.exclude)]
        return cls(src, dst, options, report_dir, options.key(), started, files, chosen)

    def input_bytes(self, rels: Iterable[str]) -> int:
        """The size of the inputs ``rels``, as listed."""
        return sum(info.st_size for _, info in (self.files[rel] for rel in rels) if info is not None)

    def jobs(self, rels: Iterable[str]) -> int:
        """Worker processes to read ``rels`` with: as the options say, else by their size (:func:`jobs_for`)."""
        return jobs_for(self.options.jobs, self.input_bytes(rels))

    def selection(self) -> str:
        """A digest of the selected paths: the no-change shortcut needs the same files in the report."""
        import hashlib

        return hashlib.sha256("\n".join(self.chosen).encode("utf-8", "surrogateescape")).hexdigest()

    def preview_limit(self) -> int:
        """How many files report.html shows in detail (0: no report)."""
        if self.report_dir is None:
            return 0
        if self.options.preview_files is not None:
            return self.options.preview_files
        from .report.preview import PREVIEW_FILES

        return PREVIEW_FILES

    def still(self, rel: str, item: IndexItem | None) -> bool:
        """Whether ``rel``'s input and output are in the state the manifest's ``item`` recorded."""
        if not item or item[0] is None:
            return False
        on_disk, info = self.files[rel]
        if info is None:
            return False
        if not stat.S_ISREG(info.st_mode):
            if not stat.S_ISLNK(info.st_mode) or entry_reason(self.src, on_disk, info) is not None:
                return False
            try:
                info = os.stat(os.path.join(self.src, on_disk))
            except OSError:
                return False
        if file_state(info) != item[0]:
            return False
        return item[1] is None or state_of(os.path.join(self.dst, on_disk)) == item[1]

    def task(self, rel: str, manifest: Manifest, *, preview: bool, review_floor: int | None = None) -> Task:
        """The worker's task for ``rel``, with what the manifest recorded of it (unless forced)."""
        on_disk, info = self.files[rel]
        options = self.options
        row = None if options.force else manifest.get(rel)
        return Task(
            rel,
            os.path.join(self.src, on_disk),
            os.path.join(self.dst, on_disk),
            options.errors,
            options.report_detail,
            options.dry_run,
            None if row is None else row.entry,
            preview=preview,
            review_floor=review_floor,
            skip=entry_reason(self.src, on_disk, info),
            compact=True,
            output=None if row is None else row.item[1],
            size=info.st_size if info is not None else 0,
            racy_ns=options.racy_ns,
            stream_bytes=options.stream_bytes,
            piece_chars=options.piece_chars,
            outside=self.src_resolved,
        )

    @cached_property
    def src_resolved(self) -> str:
        """SRC with every symbolic link resolved: no output may land under it (through a linked DST folder)."""
        return os.path.realpath(self.src)

    def run_info(self) -> dict[str, Any]:
        """The report's ``run`` object, finished now."""
        finished = datetime.now(UTC)
        return {
            "src": str(self.src),
            "dst": str(self.dst),
            "started": self.started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_s": round((finished - self.started).total_seconds(), 3),
            "options": self.options.as_report(),
        }
