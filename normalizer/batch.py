"""Normalize a directory tree (SRC) into a mirror tree (DST) of clean UTF-8 files.

What and why:

* SRC is only read. Each text file becomes ``DST/<same relative path>``, UTF-8 without
  BOM; binary files are skipped (listed in the report, not copied).
* Work runs in a process pool: OpenCC's ``convert()`` holds the GIL, so threads do
  not help. Tasks are plain picklable data, shipped in batches to
  :func:`process_batch` (a top-level function, also what ``normalizer.distributed``
  runs on a cluster). The pool's processes are forked from a forkserver that has
  already imported the pipeline and built its converters (:mod:`normalizer._warmup`),
  so each worker starts warm instead of spending ~0.3 s of CPU getting there.
* :func:`run` does everything but the execution: choosing files, the manifest, the
  report. What runs the tasks is an :data:`Executor` (the local pool by default;
  ``normalizer.distributed`` supplies one for a Dask cluster), which may return
  outcomes in any order: the report, the manifest and the HTML previews do not
  depend on completion order.
* The main process does as little per file as it can, because with two workers on
  two cores every millisecond it spends is taken from them: workers return each
  record already serialized, with a small summary, and their mapping histograms
  summed per batch (:mod:`normalizer.report.compact`); report.json is those lines
  joined, the manifest those lines kept as bytes.
* Writes are atomic (temporary file in the target directory, then ``os.replace``),
  so a killed run leaves no half-written output; leftover temporary files of a
  killed run are removed by the next run. Mirror outputs and the report are *not*
  flushed to disk one by one (``fsync``; it cost ~0.6 ms a file, more than half of a
  typical article's normalization): they can be made again from SRC, and the
  manifest records each output's size, times and inode, so an output that a power
  failure or OS crash lost or rolled back no longer matches and is redone. (After
  such a crash on a file system that may keep a file's new size without its data,
  run once with ``--force``.) The manifest is written with ``fsync``, as is
  ``zhnorm fix`` (:mod:`normalizer.hook`), which rewrites the user's only copy.
* The manifest (:mod:`normalizer.manifest`: ``DST/.zhnorm-manifest.json`` plus an
  append-only journal while a run works) remembers each input's SHA-256 and file
  state with the options and tool versions used, so a rerun skips files whose
  inputs did not change (by file state, as git does, else by hash) and finishes an
  interrupted run. ``force`` redoes everything. Files that errored are always retried.
  When nothing changed at all and the last run's report is still in place, a rerun
  reads only the manifest's first line, says so and leaves the report alone
  (:attr:`RunResult.unchanged_since`).
* Nothing is lost or half-written (tests/test_reliability.py, tests/test_crash.py):
  files over :data:`STREAM_BYTES` are normalized piece by piece
  (:mod:`normalizer.stream`), their output streamed into the temporary file, their
  hash and their input/output comparison computed in blocks, so memory does not grow
  with the file; a file that changes while it is read (size, mtime, inode or, for
  streamed files, content) is an error and is not written; a write error (disk full)
  removes the temporary file and leaves the previous output; text with NUL
  characters is refused (OpenCC would cut its lines short). Symbolic links are read
  only when they lead to a regular file inside SRC; other links, FIFOs, sockets and
  devices are skipped with the reason. Names that are not valid UTF-8 are written
  with the same bytes and reported with ``\\xNN`` escapes.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import re
import stat
import sys
import time
from bisect import insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from . import __version__

if TYPE_CHECKING:
    from .manifest import Entry, IndexItem, Manifest
    from .model import NormalizeResult
    from .report.json_report import Record
    from .stream import Piece, Survey

# The pipeline (and OpenCC, pypinyin), hashlib, json, the manifest, the process pool and
# the report modules are imported inside the functions that use them: ``zhnorm check``/
# ``fix`` (a pre-commit hook, run at every commit) import this module for its file helpers,
# and a rerun that finds nothing changed must be done in about the time Python takes to
# start. ``normalize_bytes`` is still an attribute of this module (see ``__getattr__``).

MANIFEST_NAME = ".zhnorm-manifest.json"
REPORT_NAME = "report.json"
HTML_NAME = "report.html"  # as normalizer.report.html_report.HTML_NAME (tests check)
TEMP_MARK = ".zhnorm-tmp-"
BINARY_PROBE = 8192  # bytes examined to call a file binary
#: How often a run appends its new manifest entries to the journal (normalizer.manifest).
MANIFEST_SAVE_SECONDS = 2.0
#: A file state (size, times, inode) taken less than this after the file's last change is
#: not trusted by the next run, which hashes the file instead: a change made in the same
#: tick of the file system's clock would leave the state as it was (git's "racy clean").
RACY_NS = 2_000_000_000
#: Files larger than this are normalized piece by piece (:mod:`normalizer.stream`): the
#: whole text is never held, so memory stays flat however large the file. The
#: environment variable ZHNORM_STREAM_BYTES overrides it (tests lower it).
STREAM_BYTES = int(os.environ.get("ZHNORM_STREAM_BYTES") or 16 << 20)
#: Characters per piece for streamed files; None = ``normalizer.stream.PIECE_CHARS``.
STREAM_PIECE_CHARS: int | None = None
READ_BLOCK = 1 << 20
#: The local pool ships files to its workers in batches of at most this many files or
#: bytes: fewer round trips, and each batch's mapping histograms summed before they
#: cross to the main process (see normalizer.report.compact); smaller towards the end.
POOL_BATCH_FILES = 32
POOL_BATCH_BYTES = 4 << 20

_TEMP_RE = re.compile(r"^\..+" + re.escape(TEMP_MARK) + r"[A-Za-z0-9_]+$")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # UTF-8, UTF-16/32 LE, UTF-16/32 BE
_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "zip archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "ELF executable"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf", "7z archive"),
    (b"SQLite format 3\x00", "SQLite database"),
)
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")
CONTROL_SHARE = 0.3  # more control bytes than this in the probe: not text
# As normalizer.report.json_report's (tests check): repeated here so that a rerun that finds
# nothing changed does not import the report modules to learn them.
DETAIL_LEVELS = ("summary", "full")
REPORT_SCHEMA_VERSION = 1


def __getattr__(name: str) -> Any:
    """``normalize_bytes``, imported from the pipeline on first use (tests replace it here)."""
    if name == "normalize_bytes":
        from .pipeline import normalize_bytes

        globals()["normalize_bytes"] = normalize_bytes
        return normalize_bytes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _normalize_bytes(data: bytes, *, errors: str) -> NormalizeResult:
    return sys.modules[__name__].normalize_bytes(data, errors=errors)


class UsageError(ValueError):
    """The arguments cannot work (SRC missing, DST inside SRC, ...): nothing was done."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Options of a batch run (all picklable)."""

    jobs: int | None = None  # worker processes; None = all cores
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    dry_run: bool = False
    force: bool = False
    errors: str = "strict"
    report_detail: str = "summary"

    def key(self) -> dict[str, Any]:
        """What decides a file's output and record: a change redoes every file."""
        return {
            "zhnorm": __version__,
            "code": code_digest(),  # a development checkout changes without a version bump
            "opencc": opencc_version(),
            "report_schema": REPORT_SCHEMA_VERSION,  # records are stored in the manifest
            "errors": self.errors,
            "report_detail": self.report_detail,
        }

    def as_report(self) -> dict[str, Any]:
        """The options as report.json's ``run.options`` shows them."""
        return {**asdict(self), "include": list(self.include), "exclude": list(self.exclude)}


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
    skip: str | None = None  # not read: why (a symbolic link not followed, not a regular file)
    compact: bool = False  # return the record serialized, summarized, its histograms apart (see Outcome)
    output: list[int] | None = None  # the output's state the manifest recorded with ``previous``
    size: int = 0  # the input's size when listed (to size batches; 0: unknown)
    racy_ns: int | None = None  # see trusted_state; None: RACY_NS (the run passes its own to every worker)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a worker did with one file.

    For a ``compact`` task, ``record`` is the record's summary
    (:func:`normalizer.report.compact.summary`), ``line`` the whole record as JSON,
    ``mappings`` its mapping histograms (or, from :func:`process_batch`, the sum of a
    batch's on one of its outcomes and None on the others), and ``preview`` the
    preview rendered for report.html (``normalizer.report.html_report.prerender``)
    with ``preview_json`` the preview itself for the manifest.
    """

    record: Record
    sha256: str | None
    written: bool
    preview: dict[str, Any] | None = None  # changed lines, when the task asked for them and the file has edits
    line: bytes | None = None
    mappings: dict[str, dict[str, int]] | None = None
    source: list[int] | None = None  # the input's state when read (see file_state); None: not to be trusted
    output: list[int] | None = None  # the output's state after the write; None: no output
    preview_json: bytes | None = None


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


# Runs tasks: gets them lazily (an iterator) with their number, returns their outcomes in any
# order. A task is drawn as late as the executor can afford: its ``preview`` flag may depend on
# outcomes already returned.
Executor = Callable[[Iterator[Task], int], Iterator[Outcome]]


@cache
def code_digest() -> str:
    """Short hash of the package's own code and data: outputs made by other code are stale."""
    import hashlib

    package = os.path.dirname(os.path.realpath(__file__))
    found: list[tuple[str, str]] = []  # (path relative to the package, "/"-separated; path)
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames.sort()
        rel = os.path.relpath(dirpath, package).replace(os.sep, "/")
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.endswith((".py", ".txt")) and os.path.isfile(path):
                found.append((name if rel == "." else f"{rel}/{name}", path))
    digest = hashlib.sha256()
    for rel, path in sorted(found):
        digest.update(rel.encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


@cache
def opencc_version() -> str:
    """The installed OpenCC's version.

    Read from the name of its ``OpenCC-<version>.dist-info`` directory on ``sys.path``
    (the first one, as the import finds the package) when there is one:
    ``importlib.metadata`` takes ~20 ms to start, a seventh of a no-change rerun.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            low = name.lower()
            if low.startswith("opencc-") and low.endswith(".dist-info"):
                return name[len("opencc-") : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("OpenCC")
    except metadata.PackageNotFoundError:  # pragma: no cover - OpenCC is a dependency
        return "unknown"


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# --- choosing files -------------------------------------------------------------


def matches(rel: str, pattern: str) -> bool:
    """Whether a relative path matches a glob.

    A pattern with "/" is matched against the whole relative path (``*`` crosses
    "/"); one without "/" against each path component, so ``*.md`` matches file
    names and ``drafts`` a directory at any depth.
    """
    if "/" in pattern:
        return fnmatch.fnmatchcase(rel, pattern.strip("/"))
    return any(fnmatch.fnmatchcase(part, pattern) for part in PurePosixPath(rel).parts)


def selected(rel: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    include = tuple(include)
    if include and not any(matches(rel, p) for p in include):
        return False
    return not any(matches(rel, p) for p in exclude)


def walk(root: Path) -> list[str]:
    """Relative "/"-separated paths of the files under ``root``, sorted.

    Besides regular files, the list holds what :func:`entry_reason` reports as skipped:
    symbolic links to directories (never followed), broken or looping links, FIFOs,
    sockets and devices. Names that are not valid UTF-8 come back with
    surrogate escapes (``os.fsdecode``), so they still open the right file.
    """
    return [rel for rel, _info in scan(root)]


def scan(root: Path) -> list[tuple[str, os.stat_result | None]]:
    """:func:`walk`'s paths, each with its ``lstat`` (None when it cannot be read).

    ``os.scandir`` and plain strings: the run stats every file anyway (to reuse what did
    not change), and ``os.walk`` with ``Path`` objects took ~10x longer.
    """
    found: list[tuple[str, os.stat_result | None]] = []
    stack = [(os.fspath(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = os.scandir(directory)
        except OSError:  # as os.walk: an unreadable directory is passed over
            continue
        with entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    stack.append((entry.path, prefix + entry.name + "/"))
                    continue
                try:
                    info: os.stat_result | None = entry.stat(follow_symlinks=False)
                except OSError:
                    info = None
                found.append((prefix + entry.name, info))
    found.sort(key=lambda item: item[0])
    return found


def entry_reason(root: Path, rel: str, info: os.stat_result | None = None) -> str | None:
    """Why the walked entry ``root/rel`` is not read (it is reported as skipped), or None.

    Symbolic links are followed only to regular files inside ``root``: a link that
    leaves SRC could make a run read (and copy) anything on the machine. ``info`` is
    the entry's ``lstat`` when the caller has it.
    """
    if info is not None and stat.S_ISREG(info.st_mode):  # the common case, without a Path
        return None
    path = root / rel
    if info is None:
        try:
            info = os.lstat(path)
        except OSError as err:
            return f"cannot stat: {err.strerror or err}"
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISLNK(info.st_mode):
        try:
            target = path.resolve(strict=True)
        except RuntimeError:
            return "symbolic link loop (not followed)"
        except OSError as err:
            if err.errno == errno.ELOOP:
                return "symbolic link loop (not followed)"
            return f"broken symbolic link (not followed): {err.strerror or err}"
        if not _inside(target, root.resolve()):
            return "symbolic link to outside SRC (not followed)"
        if target.is_dir():
            return "symbolic link to a directory (not followed)"
        info = os.stat(path)
    if stat.S_ISREG(info.st_mode):
        return None
    return "not a regular file (FIFO, socket or device)"


def file_state(info: os.stat_result) -> list[int]:
    """What the manifest keeps of a file's state: size, mtime and ctime (ns), inode.

    ctime too (git keeps it as well): a program can set a file's mtime back, not its ctime.
    """
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def trusted_state(info: os.stat_result, racy_ns: int | None = None) -> list[int] | None:
    """:func:`file_state`, or None when the file changed less than ``racy_ns`` (:data:`RACY_NS`) ago."""
    if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < (RACY_NS if racy_ns is None else racy_ns):
        return None
    return file_state(info)


def state_of(path: str | os.PathLike[str]) -> list[int] | None:
    """:func:`file_state` of ``path`` (following links), None when it cannot be stat'ed."""
    try:
        return file_state(os.stat(path))
    except OSError:
        return None


_UNDECODED = re.compile("[\udc80-\udcff]")


def display_path(path: str) -> str:
    """``path`` printable and valid UTF-8: bytes of a non-UTF-8 name (surrogate escapes) as ``\\xNN``."""
    return _UNDECODED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", path)


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` is not text (one short phrase), or None when it may be text.

    Binary: a known file signature, NUL bytes in the first 8 KB that do not look
    like UTF-16 or UTF-32 without BOM, or mostly control bytes. A byte-order mark means text.
    """
    head = data[:BINARY_PROBE]
    if not head or head.startswith(_BOMS):
        return None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"binary ({what})"
    if b"\x00" in head:
        from .wide import bomless_unicode  # (lazily: see the imports above)

        return None if bomless_unicode(head) else "binary (NUL bytes in the first 8 KB)"
    if len(head) - len(head.translate(None, _CONTROL)) > CONTROL_SHARE * len(head):
        return "binary (mostly control bytes)"
    return None


# --- one file (runs in a worker process) -----------------------------------------


def sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


class FileProblem(Exception):
    """One file cannot be handled: ``reason`` is the one line reported for it."""

    def __init__(self, reason: str, *, encoding: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.encoding = encoding


CHANGED_WHILE_READ = "changed while being read (size, time or content differ); nothing written, rerun to retry"
# NUL characters past the binary check's first 8 KB mean a damaged or binary file, not a
# corpus article: refused rather than rewritten (the core itself keeps NULs intact; UTF-16/32
# text, whose NUL bytes decode to other characters, is not concerned).
NUL_IN_TEXT = "contains NUL characters (U+0000): not plain text, not normalized"


def guard(result: NormalizeResult) -> None:
    """:class:`FileProblem` for a result (whole or one piece) that must not be written."""
    if "\x00" in result.source:
        raise FileProblem(NUL_IN_TEXT, encoding=result.encoding)


def _open_source(path: str | os.PathLike[str]) -> BinaryIO:
    """Open an input file for reading (one place, so tests can make it unreadable even as root)."""
    return open(path, "rb")


def _state(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def _reading(err: OSError) -> FileProblem:
    return FileProblem(f"cannot read: {err.strerror or err}")


def open_input(path: str | os.PathLike[str]) -> tuple[BinaryIO, os.stat_result]:
    """An input file opened for reading with its state; :class:`FileProblem` when it is not
    a readable regular file (a FIFO would block the run for ever)."""
    try:
        mode = os.stat(path).st_mode  # before opening: opening a FIFO blocks, a directory fails
        if stat.S_ISDIR(mode):
            raise FileProblem("is a directory")
        if not stat.S_ISREG(mode):
            raise FileProblem("not a regular file (FIFO, socket or device)")
        f = _open_source(path)
    except OSError as err:
        raise _reading(err) from err
    try:
        info = os.fstat(f.fileno())
    except OSError as err:
        f.close()
        raise _reading(err) from err
    if not stat.S_ISREG(info.st_mode):
        f.close()
        raise FileProblem("not a regular file")
    return f, info


def read_input(f: BinaryIO, before: os.stat_result) -> bytes:
    """All of an opened input; :class:`FileProblem` when it changed while being read."""
    try:
        data = f.read()
        after = os.fstat(f.fileno())
    except OSError as err:
        raise _reading(err) from err
    if _state(after) != _state(before) or len(data) != after.st_size:
        raise FileProblem(CHANGED_WHILE_READ)
    return data


def check_unchanged(path: str | os.PathLike[str], before: os.stat_result) -> None:
    """:class:`FileProblem` when ``path`` is no longer the file it was when it was opened."""
    try:
        now = os.stat(path)
    except OSError as err:
        raise FileProblem(CHANGED_WHILE_READ + f" ({err.strerror or err})") from err
    if _state(now) != _state(before):
        raise FileProblem(CHANGED_WHILE_READ)


def hash_input(f: BinaryIO) -> tuple[str, bytes]:
    """SHA-256 of the rest of an opened file, read in blocks, and its first ``BINARY_PROBE`` bytes."""
    import hashlib

    digest = hashlib.sha256()
    head = b""
    try:
        while block := f.read(READ_BLOCK):
            if len(head) < BINARY_PROBE:
                head += block[: BINARY_PROBE - len(head)]
            digest.update(block)
    except OSError as err:
        raise _reading(err) from err
    return digest.hexdigest(), head


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    while len(data) < n:
        more = f.read(n - len(data))
        if not more:
            break
        data += more
    return data


def stream_normalize(
    path: str | os.PathLike[str],
    before: os.stat_result,
    *,
    errors: str,
    sink: AtomicFile | None,
    on_piece: Callable[[Piece], None],
) -> tuple[Survey, str, int, bool]:
    """Normalize a large file piece by piece (:func:`normalizer.stream.normalize_file`).

    Each piece's output goes straight to ``sink`` (when given) and is compared with the
    input bytes as it is made; ``on_piece`` sees every piece. Returns the survey, the
    input's SHA-256 (of the bytes read during this pass), the output size and whether
    the output equals the input. Raises :class:`normalizer.DecodeError` (before any
    piece under errors="strict") and :class:`FileProblem` (unreadable, unwritable, or
    the file changed meanwhile). Memory is bounded by a piece, never the whole text.
    """
    import hashlib

    from .stream import PIECE_CHARS, normalize_file

    digest = hashlib.sha256()
    same = True
    size = 0
    try:
        survey, pieces = normalize_file(path, errors=errors, piece_chars=STREAM_PIECE_CHARS or PIECE_CHARS)
        with _open_source(path) as inp:
            for piece in pieces:
                guard(piece.result)
                on_piece(piece)
                chunk = piece.result.text.encode("utf-8")
                size += len(chunk)
                if sink is not None:
                    sink.write(chunk)
                if same:
                    got = _read_exact(inp, len(chunk))
                    digest.update(got)
                    same = got == chunk
                del piece, chunk
            while block := inp.read(READ_BLOCK):
                digest.update(block)
                same = False
    except OSError as err:  # write errors are FileProblems already: this one is a read error
        raise _reading(err) from err
    check_unchanged(path, before)
    return survey, digest.hexdigest(), size, same


def process_file(task: Task) -> Outcome:
    """Normalize one file and write its output; never raises for a bad file."""
    from .report.json_report import problem_record

    if task.skip:
        return _finish(task, problem_record(task.rel, "skipped", task.skip, bytes_in=0), None, False)
    size = digest = None
    try:
        f, before = open_input(task.src)
        size = before.st_size
        with f:
            if size > STREAM_BYTES:
                return _process_large(task, f, before)
            data = read_input(f, before)
        digest = sha256(data)
        return _process_small(task, data, digest, before)
    except FileProblem as err:
        record = problem_record(task.rel, "error", err.reason, bytes_in=size or 0, encoding=err.encoding)
        return _finish(task, record, digest, False)
    except Exception as err:  # a bug in one file's processing must not stop the run
        reason = f"internal error: {type(err).__name__}: {err}".replace("\n", " ")
        return _finish(task, problem_record(task.rel, "error", reason, bytes_in=size or 0), digest, False)


def _finish(
    task: Task,
    record: Record,
    digest: str | None,
    written: bool,
    preview: dict[str, Any] | None = None,
    *,
    source: list[int] | None = None,
    output: list[int] | None = None,
) -> Outcome:
    """The outcome of a new record: as is, or split up for a ``compact`` task (see :class:`Outcome`)."""
    if not task.compact:
        return Outcome(record, digest, written, preview, source=source, output=output)
    from .report.compact import record_json, summary

    view = preview_json = None
    if preview is not None:
        from .report.compact import _encode
        from .report.html_report import prerender

        preview_json = _encode(preview).encode("utf-8")
        view = prerender(preview)
    return Outcome(
        summary(record),
        digest,
        written,
        view,
        line=record_json(record),
        mappings=record.get("mappings") or None,
        source=source,
        output=output,
        preview_json=preview_json,
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


def _process_small(task: Task, data: bytes, digest: str, before: os.stat_result) -> Outcome:
    from .model import DecodeError
    from .report.json_report import file_record, problem_record

    source = trusted_state(before, task.racy_ns)
    reused = _reuse(task, digest, source)
    if reused is not None:
        return reused
    why = binary_reason(data)
    if why:
        return _finish(task, problem_record(task.rel, "skipped", why, bytes_in=len(data)), digest, False, source=source)
    try:
        result = _normalize_bytes(data, errors=task.errors)
    except DecodeError as err:
        raise FileProblem(err.reason, encoding=err.encoding) from err
    guard(result)
    out = result.text.encode("utf-8")
    status = "unchanged" if out == data else "changed"
    record = file_record(task.rel, result, status=status, bytes_in=len(data), bytes_out=len(out), detail=task.detail)
    written = False
    if not task.dry_run:
        check_unchanged(task.src, before)
        try:
            written = atomic_write(task.dst, out, durable=False)
        except OSError as err:
            reason = f"cannot write {display_path(task.dst)}: {err.strerror or err}"
            raise FileProblem(reason, encoding=result.encoding) from err
    preview = None
    if task.preview and record["status"] == "changed" and result.summary.counts:
        from .report.preview import build_preview

        preview = build_preview(result)
    source, output = _output_state(task, source)
    return _finish(task, record, digest, written, preview, source=source, output=output)


def _process_large(task: Task, f: BinaryIO, before: os.stat_result) -> Outcome:
    """A file over ``STREAM_BYTES``: hashed, then normalized in pieces written straight to a temporary file."""
    from .model import DecodeError
    from .report.json_report import StreamRecordBuilder, problem_record

    digest, head = hash_input(f)
    source = trusted_state(before, task.racy_ns)
    reused = _reuse(task, digest, source)
    if reused is not None:
        return reused
    why = binary_reason(head)
    if why:
        record = problem_record(task.rel, "skipped", why, bytes_in=before.st_size)
        return _finish(task, record, digest, False, source=source)
    builder: StreamRecordBuilder | None = None
    preview = _PreviewBuilder() if task.preview else None

    def on_piece(piece: Piece) -> None:
        nonlocal builder
        if builder is None:
            builder = StreamRecordBuilder(task.rel, detail=task.detail)
        builder.add(piece)
        if preview is not None:
            preview.add(piece)

    sink = None if task.dry_run else AtomicFile(Path(task.dst), durable=False)
    try:
        try:
            survey, after, size, same = stream_normalize(
                task.src, before, errors=task.errors, sink=sink, on_piece=on_piece
            )
        except DecodeError as err:
            raise FileProblem(err.reason, encoding=err.encoding) from err
        if after != digest:
            raise FileProblem(CHANGED_WHILE_READ)
        if builder is None:  # no piece: an empty text (e.g. only a byte-order mark)
            builder = StreamRecordBuilder(task.rel, detail=task.detail)
        status = "unchanged" if same else "changed"
        record = builder.record(survey, status=status, bytes_in=before.st_size, bytes_out=size)
        written = False
        if sink is not None:
            written = sink.commit_unless_same()
    finally:
        if sink is not None:
            sink.discard()
    kept = preview.preview() if preview is not None and status == "changed" and record.get("edit_counts") else None
    source, output = _output_state(task, source)
    return _finish(task, record, digest, written, kept, source=source, output=output)


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


def process_batch(tasks: Sequence[Task]) -> list[Outcome]:
    """:func:`process_file` for each task of a batch (one scheduler task for many small files).

    The batch's mapping histograms are summed into its first outcome that has any
    (the others' become None): the run only ever adds them up, and one sum per batch
    is what crosses to the main process instead of one histogram per file.
    """
    outcomes = [process_file(task) for task in tasks]
    with_mappings = [i for i, o in enumerate(outcomes) if o.mappings]
    if len(with_mappings) > 1:
        from .report.compact import pool_mappings

        total = pool_mappings(outcomes[i].mappings for i in with_mappings)
        for n, i in enumerate(with_mappings):
            outcomes[i] = replace(outcomes[i], mappings=total if n == 0 else None)
    return outcomes


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
    view = None
    if preview and entry.preview is not None:
        import json

        view = json.loads(entry.preview)
    if not compact:
        return Outcome(record, entry.sha256, False, view, source=source, output=output)
    from .report.compact import as_reused, summary

    if view is not None:
        from .report.html_report import prerender

        view = prerender(view)
    return Outcome(
        summary(record),
        entry.sha256,
        False,
        view,
        line=as_reused(entry.record),
        mappings=record.get("mappings") or None,
        source=source,
        output=output,
        preview_json=entry.preview if view is not None else None,
    )


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (the one place output bytes go: tests make it fail)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class AtomicFile:
    """A file written in parts to a temporary file beside ``path``, then renamed over it.

    Until :meth:`commit` nothing at ``path`` changes; :meth:`discard` (always safe to
    call, e.g. in a ``finally``) removes the temporary file. Errors are
    :class:`FileProblem` naming the target. ``durable``: flush the data to disk
    (``fsync``) before the rename, as for a file whose only copy this is; without it a
    killed process still never leaves a partial file, but a power failure may (see
    the module docstring).
    """

    def __init__(self, path: Path, *, mode: int | None = None, durable: bool = True):
        self.path = path
        self.mode = mode
        self.durable = durable
        self.tmp: str | None = None
        try:
            self.fd, self.tmp = _create_temporary(os.fspath(path))
        except OSError as err:
            raise self._problem(err) from err

    def _problem(self, err: OSError) -> FileProblem:
        return FileProblem(f"cannot write {display_path(str(self.path))}: {err.strerror or err}")

    def write(self, data: bytes) -> None:
        try:
            _write_all(self.fd, data)
        except OSError as err:
            raise self._problem(err) from err

    def commit(self) -> None:
        assert self.tmp is not None
        try:
            if self.durable:
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            if self.mode is not None:
                os.chmod(self.tmp, self.mode)
            os.replace(self.tmp, self.path)
        except OSError as err:
            raise self._problem(err) from err
        self.tmp = None

    def commit_unless_same(self) -> bool:
        """Commit unless ``path`` already holds the same bytes (its mtime then stays); whether committed."""
        assert self.tmp is not None
        if _same_files(self.tmp, self.path):
            self.discard()
            return False
        self.commit()
        return True

    def discard(self) -> None:
        if self.tmp is None:
            return
        with contextlib.suppress(OSError):
            if self.fd >= 0:
                os.close(self.fd)
        self.fd = -1
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)
        self.tmp = None


def _same_files(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two files hold the same bytes (compared in blocks)."""
    try:
        if os.stat(a).st_size != os.stat(b).st_size:
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                x, y = fa.read(READ_BLOCK), fb.read(READ_BLOCK)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int | None = None,
    durable: bool = True,
    compare: bool = True,
) -> bool:
    """Write ``data`` to ``path`` atomically; False (and no write) when it already holds it.

    The new file gets permission bits ``mode`` (e.g. those of the file it replaces, so
    an in-place rewrite keeps them), by default 0o666 minus the umask. On any error or
    interruption the temporary file is removed and ``path`` keeps its previous content.
    ``durable``: ``fsync`` the data before the rename (see :class:`AtomicFile`); the
    batch run's mirror outputs and reports are written without, the manifest and the
    hook's in-place rewrites with. ``compare=False`` skips reading ``path`` to compare
    (the caller knows the content is new).
    """
    path = os.fspath(path)
    if compare:
        try:
            if os.stat(path).st_size == len(data):
                with open(path, "rb") as f:
                    if f.read() == data:
                        return False
        except FileNotFoundError:
            pass
    fd, tmp = _create_temporary(path)
    try:
        try:
            _write_all(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def _create_temporary(target: str) -> tuple[int, str]:
    """A new temporary file beside ``target``, open for writing: ``.<name>.zhnorm-tmp-<random>``.

    Its permission bits are 0o666 minus the umask, the default for outputs. Its
    directory is created when missing. Not ``tempfile.mkstemp``: this takes ~25 µs less
    a file (no Python-level random name, no ``chmod`` afterwards), which a run pays for
    every output. Tests make it fail to simulate a directory that refuses new files.
    """
    directory, name = os.path.split(target)
    prefix = os.path.join(directory, f".{name}{TEMP_MARK}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    made = False
    for _ in range(100):
        tmp = prefix + os.urandom(4).hex()
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
        except FileNotFoundError:
            if made or not directory:
                raise
            # Create it (another worker may be creating it too: exist_ok) and try again.
            os.makedirs(directory, exist_ok=True)
            made = True
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", prefix)


def remove_temporaries(root: Path) -> int:
    """Delete temporary files a killed run left under ``root``; returns how many."""
    removed = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if _TEMP_RE.match(name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
    return removed


# --- the run ---------------------------------------------------------------------


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_paths(src: Path, dst: Path, report_dir: Path | None = None) -> None:
    """Raise :class:`UsageError` unless SRC is a directory and DST/report cannot touch it."""
    if not src.exists():
        raise UsageError(f"SRC {src} does not exist")
    if not src.is_dir():
        raise UsageError(f"SRC {src} is not a directory")
    if dst.exists() and not dst.is_dir():
        raise UsageError(f"DST {dst} exists and is not a directory")
    s, d = src.resolve(), dst.resolve()
    if _inside(d, s):
        raise UsageError(f"DST {dst} is inside SRC {src}; SRC must never be modified")
    if _inside(s, d):
        raise UsageError(f"SRC {src} is inside DST {dst}; SRC must never be modified")
    if report_dir is not None and _inside(report_dir.resolve(), s):
        raise UsageError(f"report directory {report_dir} is inside SRC {src}; SRC must never be modified")


# A listed input: its name on disk (differs from the reported path for names that are not
# UTF-8) and its lstat.
Listed = tuple[str, "os.stat_result | None"]


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

    ``on_start`` is called with the number of files about to be processed, and
    ``on_record`` with each file's record as it completes (e.g. for a progress bar or
    to print errors): its summary (:func:`normalizer.report.compact.summary`, without
    mapping histograms, positions and edits; ``result.records`` has the whole records).
    Raises :class:`UsageError` for bad paths or options, before any write.
    ``executor`` runs the tasks: by default :func:`local_executor` with ``options.jobs``
    (``normalizer.distributed`` runs them on a Dask cluster). Outcomes may come back in
    any order; ``result.records`` are in path order either way.

    Files whose input state (size, times, inode) and output state are what the
    manifest recorded are reused without being read; the others are hashed, and
    reused when their SHA-256 is unchanged. When every selected file is reused that
    way, the options are the same and the report this manifest's run wrote is still
    in ``report_dir`` as it left it, nothing at all is written: the result says
    ``unchanged_since`` and its report is that one (on_start and on_record are not called).

    For report.html, the workers also return a bounded preview of each changed file's
    lines; only the first ``PREVIEW_FILES`` files with edits (in path order, the files
    the page shows in detail) keep theirs, cached in their manifest entries so that a
    rerun that reuses them still shows their lines. Neither report.json nor the rest
    of the manifest holds text lines. Once ``PREVIEW_FILES`` files with edits are
    known, tasks for later paths (drawn lazily by the executor) ask for no preview.
    """
    check_paths(src, dst, report_dir)
    if options.errors not in ("strict", "replace"):
        raise UsageError(f"errors must be 'strict' or 'replace', not {options.errors!r}")
    if options.report_detail not in DETAIL_LEVELS:
        raise UsageError(f"report detail must be one of {', '.join(DETAIL_LEVELS)}")
    started = datetime.now(UTC)
    key = options.key()
    # Paths as reported (and as manifest keys) -> paths on disk and lstat: they differ for
    # names that are not valid UTF-8, whose bytes are shown as \\xNN.
    all_files: dict[str, Listed] = {display_path(rel): (rel, info) for rel, info in scan(src)}
    chosen = [rel for rel in all_files if selected(rel, options.include, options.exclude)]
    if report_dir is not None and not options.dry_run and not options.force:
        unchanged = _unchanged(src, dst, report_dir, key, options, all_files, chosen)
        if unchanged is not None:
            return unchanged
    return _run(src, dst, options, key, started, all_files, chosen, report_dir, on_record, on_start, executor)


def _selection(chosen: Sequence[str]) -> str:
    """A digest of the selected paths: the no-change shortcut needs the same files in the report."""
    import hashlib

    return hashlib.sha256("\n".join(chosen).encode("utf-8", "surrogateescape")).hexdigest()


def _still(src: str, dst: str, listed: Listed, item: IndexItem | None) -> bool:
    """Whether an input and its output are in the state the manifest's ``item`` recorded."""
    if not item or item[0] is None:
        return False
    on_disk, info = listed
    if info is None:
        return False
    if not stat.S_ISREG(info.st_mode):
        if not stat.S_ISLNK(info.st_mode) or entry_reason(Path(src), on_disk, info) is not None:
            return False
        try:
            info = os.stat(os.path.join(src, on_disk))
        except OSError:
            return False
    if file_state(info) != item[0]:
        return False
    return item[1] is None or state_of(os.path.join(dst, on_disk)) == item[1]


def _unchanged(
    src: Path,
    dst: Path,
    report_dir: Path,
    key: dict[str, Any],
    options: RunOptions,
    all_files: dict[str, Listed],
    chosen: Sequence[str],
) -> RunResult | None:
    """The no-change shortcut: the last run's result when it still stands, else None.

    Reads only the manifest's first line and stats the inputs, outputs and report
    files: nothing is parsed, hashed or written (see :func:`run`).
    """
    from .manifest import JOURNAL_NAME, read_head

    if os.path.lexists(dst / JOURNAL_NAME):  # the last run did not finish
        return None
    head = read_head(dst)
    if head is None or head.key != key or head.report is None:
        return None
    last = head.report
    run_info = last.get("run") or {}
    if (
        last.get("dir") != os.path.abspath(report_dir)
        or run_info.get("src") != str(src)
        or run_info.get("dst") != str(dst)
        or run_info.get("options") != options.as_report()
    ):
        return None
    report_path, html_path = report_dir / REPORT_NAME, report_dir / HTML_NAME
    if state_of(report_path) != last.get("json") or state_of(html_path) != last.get("html"):
        return None
    if last.get("selection") != _selection(chosen):
        return None
    s, d, index = os.fspath(src), os.fspath(dst), head.index
    if not all(_still(s, d, all_files[rel], index.get(rel)) for rel in chosen):
        return None
    return RunResult(
        report_path=report_path,
        html_path=html_path,
        head={k: last[k] for k in ("schema", "schema_version", "tool", "run", "totals", "truncated") if k in last},
        unchanged_since=run_info.get("finished"),
    )


def _run(
    src: Path,
    dst: Path,
    options: RunOptions,
    key: dict[str, Any],
    started: datetime,
    all_files: dict[str, Listed],
    chosen: list[str],
    report_dir: Path | None,
    on_record: Callable[[Record], None] | None,
    on_start: Callable[[int], None] | None,
    executor: Executor | None,
) -> RunResult:
    """:func:`run` when the shortcut does not apply: reuse what can be, redo the rest, report."""
    import json

    from .manifest import Entry, Journal
    from .manifest import load as load_manifest
    from .report.compact import merge_mappings

    jobs = options.jobs or default_jobs()
    if executor is None and jobs > 1 and len(chosen) > 1:
        _pool_context()  # the pool's forkserver warms up while the manifest is read
    manifest = load_manifest(dst, key)
    manifest.keep_only(all_files)
    manifest.report = None  # until this run writes its own
    entries, index = manifest.entries, manifest.index
    journal: Journal | None = None
    if not options.dry_run:
        _prepare_dst(dst)
        if report_dir is not None and report_dir.is_dir():
            remove_temporaries(report_dir)
        try:
            journal = Journal(dst, manifest)  # on disk until the manifest is saved: the run is unfinished
        except OSError as err:
            raise UsageError(f"DST {dst} is not writable: {err.strerror or err}") from err
    if on_start:
        on_start(len(chosen))
    s, d = os.fspath(src), os.fspath(dst)
    fresh: list[str] = []
    still: list[str] = []
    for rel in chosen:
        reusable = not options.force and rel in entries and _still(s, d, all_files[rel], index.get(rel))
        (still if reusable else fresh).append(rel)

    limit = _preview_files() if report_dir is not None else 0
    detailed: list[str] = []  # the first ``limit`` paths with edits among the outcomes so far, sorted
    previews: dict[str, dict[str, Any] | None] = {}  # their previews: the files report.html shows in detail

    def may_be_detailed(rel: str) -> bool:
        return len(detailed) < limit or (bool(detailed) and rel < detailed[-1])

    # Tasks drawn that asked for a preview and whose outcome is not back. A pool draws
    # tasks ahead (many with many workers), and each would make a preview (~3 ms) that the
    # first ``limit`` files with edits then make useless: at most twice ``limit`` ask at a
    # time. Not fewer: a file that turns out to be detailed without a preview gets one from
    # _complete_previews, normalized again in this process, at the end, while the workers
    # sit idle (and first warming up the pipeline here: ~0.3 s).
    asked: set[str] = set()

    def wants_preview(rel: str) -> bool:
        if not may_be_detailed(rel):
            return False
        if len(detailed) + len(asked) >= 2 * limit and not (detailed and rel < detailed[-1]):
            return False
        asked.add(rel)
        return True

    def tasks() -> Iterator[Task]:
        for rel in fresh:
            on_disk, info = all_files[rel]
            previous = None if options.force else entries.get(rel)
            yield Task(
                rel,
                os.path.join(s, on_disk),
                os.path.join(d, on_disk),
                options.errors,
                options.report_detail,
                options.dry_run,
                previous,
                preview=wants_preview(rel),
                skip=entry_reason(src, on_disk, info),
                compact=True,
                output=(index.get(rel) or [None, None])[1] if previous is not None else None,
                size=info.st_size if info is not None else 0,
                racy_ns=RACY_NS,
            )

    def reused() -> Iterator[Outcome]:  # files whose state did not change: from the manifest, not read
        for rel in still:
            entry, item = entries[rel], index[rel]
            record = json.loads(entry.record)
            yield reused_outcome(
                entry, record, preview=may_be_detailed(rel), compact=True, source=item[0], output=item[1]
            )

    summaries: dict[str, Record] = {}
    lines: dict[str, bytes] = {}
    mappings: dict[str, dict[str, int]] = {}
    warnings: list[str] = []
    written = 0
    last_save = time.monotonic()
    outcomes: Iterator[Outcome] = iter(())
    finished_loop = False
    try:
        if fresh:
            outcomes = (executor or local_executor(jobs))(tasks(), len(fresh))
        for outcome in chain(reused(), outcomes):
            record = outcome.record
            rel = record["path"]
            if outcome.line is None:
                raise TypeError("the executor returned an outcome of a task that was not compact")
            summaries[rel] = record
            lines[rel] = outcome.line
            asked.discard(rel)
            if outcome.mappings:
                merge_mappings(mappings, outcome.mappings)
            written += outcome.written
            keep = _has_edits(record) and may_be_detailed(rel)
            if keep:
                insort(detailed, rel)
                previews[rel] = outcome.preview
                if len(detailed) > limit:  # outcomes out of path order: a later path drops out
                    dropped = detailed.pop()
                    del previews[dropped]
                    entry = entries.get(dropped)
                    if entry is not None and entry.preview is not None:
                        entries[dropped] = entry.without_preview()
                        if journal is not None:
                            journal.add(dropped, index.get(dropped), entries[dropped])
            if record["status"] == "error":
                if entries.pop(rel, None) is not None:
                    index.pop(rel, None)
                    if journal is not None:
                        journal.add(rel, None, None)
            elif outcome.sha256:
                stored = entries[rel].record if record.get("reused") else outcome.line
                entry = Entry(outcome.sha256, stored, outcome.preview_json if keep else None)
                item = [outcome.source, outcome.output]
                if entry != entries.get(rel) or item != index.get(rel):
                    entries[rel], index[rel] = entry, item
                    if journal is not None:
                        journal.add(rel, item, entry)
            if on_record:
                on_record(record)
            if journal is not None and time.monotonic() - last_save > MANIFEST_SAVE_SECONDS:
                with contextlib.suppress(OSError):  # e.g. disk full: written again later, or at the end
                    journal.flush()
                last_save = time.monotonic()
        if report_dir is not None:
            _complete_previews(previews, src, all_files, options.errors, entries)
            # Only this run's detailed files keep a preview: the manifest stays bounded.
            for rel, entry in entries.items():
                if entry.preview is not None and rel not in previews:
                    entries[rel] = entry.without_preview()
        finished_loop = True
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:  # stop the executor's workers when the run stops early
            close()
        if journal is not None:
            with contextlib.suppress(OSError):
                journal.flush()
            if not finished_loop:  # interrupted: keep what was done in the manifest
                _save_manifest(dst, manifest, journal, warnings)

    order = sorted(summaries)
    finished = datetime.now(UTC)
    run_info = {
        "src": str(src),
        "dst": str(dst),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 3),
        "options": options.as_report(),
    }
    try:
        result = _report(
            [summaries[rel] for rel in order],
            [lines[rel] for rel in order],
            mappings,
            run_info,
            written=written,
            budget_from_corpus=options.report_detail == "summary",
            report_dir=report_dir,
            previews=previews,
            warnings=warnings,
        )
        if result.report_path is not None and result.html_path is not None:
            manifest.report = {
                "dir": os.path.abspath(report_dir or "."),
                "selection": _selection(chosen),
                "json": state_of(result.report_path),
                "html": state_of(result.html_path),
                **result.head,
            }
    finally:
        if journal is not None:
            _save_manifest(dst, manifest, journal, warnings)
    return result


def _save_manifest(dst: Path, manifest: Manifest, journal: Any, warnings: list[str]) -> None:
    """Write the manifest whole and drop the journal; on failure the journal keeps what was done."""
    from .manifest import save

    if journal.fd < 0:
        return  # saved already
    try:
        save(dst, manifest)
    except OSError as err:  # the outputs are fine; a rerun replays the journal or redoes what is missing
        journal.close()
        warnings.append(f"cannot write {dst / MANIFEST_NAME}: {err.strerror or err}")
        return
    journal.remove()


def _report(
    summaries: list[Record],
    lines: list[bytes],
    mappings: dict[str, dict[str, int]],
    run_info: dict[str, Any],
    *,
    written: int,
    budget_from_corpus: bool,
    report_dir: Path | None,
    previews: dict[str, dict[str, Any] | None],
    warnings: list[str],
) -> RunResult:
    """Assemble the report from the records' summaries and lines; write it to ``report_dir``.

    report.json is the lines joined (:func:`normalizer.report.compact.render_lines`).
    Only when that is larger than the corpus (summary detail: the size budget, see
    :func:`normalizer.report.json_report.build_report`) are the records parsed and
    the report built the old way, dropping detail until it fits.
    """
    from .report.compact import converted_characters, render_lines
    from .report.json_report import SCHEMA, SCHEMA_VERSION, build_report, render_json, totals

    tool = tool_info()
    head: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool": tool,
        "run": run_info,
        "totals": {**totals(summaries, mappings=mappings), "written": written},
        "truncated": [],
    }
    budget = sum(r.get("bytes_in") or 0 for r in summaries) if budget_from_corpus else None
    result = RunResult(head=head, lines=lines, warnings=warnings)
    data: bytes | None = None
    if report_dir is not None or budget is not None:
        data = render_lines(head, lines)
        if budget is not None and len(data) > budget:
            records = result.records
            report = build_report(records, tool=tool, run=run_info, written=written, budget=budget)
            result = RunResult(report, records=records, warnings=warnings)
            data = render_json(report).encode("utf-8") if report_dir is not None else None
    if report_dir is None or data is None:
        return result
    from .report.html_report import render_html

    if result._report is not None:  # the size budget dropped detail: the page shows what report.json has
        page = render_html(result._report, previews)
    else:
        page = render_html({**head, "files": summaries}, previews, converted=converted_characters(mappings))
    try:
        report_path = report_dir / REPORT_NAME
        atomic_write(report_path, data, durable=False, compare=False)
        html_path = report_dir / HTML_NAME
        atomic_write(html_path, page.encode("utf-8"), durable=False, compare=False)
    except OSError as err:
        warnings.append(f"cannot write the report in {report_dir}: {err.strerror or err}")
    else:
        result.report_path, result.html_path = report_path, html_path
    return result


def _prepare_dst(dst: Path) -> None:
    """Create DST, remove a killed run's temporary files, and check that it takes files: else UsageError."""
    try:
        dst.mkdir(parents=True, exist_ok=True)
        remove_temporaries(dst)
        fd, probe = _create_temporary(os.path.join(dst, "probe"))
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UsageError(f"DST {dst} is not writable: {err.strerror or err}") from err


def _preview_files() -> int:
    from .report.preview import PREVIEW_FILES

    return PREVIEW_FILES


def _has_edits(record: Record) -> bool:
    return record["status"] == "changed" and bool(record.get("edit_counts"))


def _complete_previews(
    previews: dict[str, dict[str, Any] | None],
    src: Path,
    all_files: dict[str, Listed],
    errors: str,
    entries: dict[str, Entry],
) -> None:
    """Fill in the previews of detailed files reused from a manifest that had none.

    Rare (the set of detailed files shifted, e.g. an earlier file was deleted) and
    bounded by ``PREVIEW_FILES``: these files are normalized again, in this process.
    """
    from .model import DecodeError
    from .report.compact import _encode
    from .report.preview import build_preview

    for rel, preview in previews.items():
        if preview is not None:
            continue
        path = src / all_files[rel][0] if rel in all_files else src / rel
        try:
            if path.stat().st_size > STREAM_BYTES:  # never held whole: no lines shown
                continue
            result = _normalize_bytes(path.read_bytes(), errors=errors)
        except (OSError, DecodeError):  # changed since it was processed: show no lines
            continue
        previews[rel] = build_preview(result)
        if rel in entries:
            entries[rel] = entries[rel]._replace(preview=_encode(previews[rel]).encode("utf-8"))


def tool_info() -> dict[str, str]:
    return {
        "name": "zhnorm",
        "version": __version__,
        "opencc": opencc_version(),
        "python": ".".join(map(str, sys.version_info[:3])),
    }


def local_executor(jobs: int) -> Executor:
    """The default :data:`Executor`: this process for one job, else a pool of ``jobs`` worker processes."""

    def execute(tasks: Iterator[Task], count: int) -> Iterator[Outcome]:
        return _execute(tasks, jobs, count)

    return execute


def _execute(tasks: Iterable[Task], jobs: int, count: int | None = None) -> Iterator[Outcome]:
    """Outcomes in task order; in this process when one worker is enough.

    The pool is started at once (its forkserver warms up while the caller goes on);
    tasks are drawn as batches are submitted.
    """
    if count is None:
        tasks = list(tasks)
        count = len(tasks)
    if jobs <= 1 or count <= 1:
        return map(process_file, tasks)
    return _pooled(iter(tasks), min(jobs, count), count, _pool_context())


def _pool_context() -> Any:
    """The multiprocessing context for the pool: a forkserver (started now) that preloads and warms
    the pipeline (:mod:`normalizer._warmup`), so that every worker forked from it starts warm."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not on Linux
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["normalizer._warmup"])  # no effect once the forkserver runs
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def _batches(tasks: Iterator[Task], count: int, workers: int) -> Iterator[list[Task]]:
    """Consecutive tasks in batches of at most :data:`POOL_BATCH_FILES` files or
    :data:`POOL_BATCH_BYTES` bytes, smaller towards the end (a share of what is left per
    worker), so that no worker is left with a long batch while the others are done."""
    batch: list[Task] = []
    total = 0
    left = count
    files = 1
    for task in tasks:
        if not batch:
            files = max(1, min(POOL_BATCH_FILES, left // (4 * workers)))
        batch.append(task)
        total += task.size
        if len(batch) >= files or total >= POOL_BATCH_BYTES:
            left -= len(batch)
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _pooled(tasks: Iterator[Task], workers: int, count: int, context: Any) -> Iterator[Outcome]:
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        batches = _batches(tasks, count, workers)
        pending = deque(pool.submit(process_batch, batch) for _, batch in zip(range(2 * workers), batches))
        while pending:
            done = pending.popleft().result()
            batch = next(batches, None)
            if batch is not None:
                pending.append(pool.submit(process_batch, batch))
            yield from done
    except BaseException:  # Ctrl-C, an error, or the run closed us early: stop the workers now
        # Waiting for them can hang for ever after a Ctrl-C (which also reaches the workers):
        # terminate them (their writes are atomic) and do not wait.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def inspect(paths: Iterable[Path], *, errors: str = "strict", detail: str = "summary", jobs: int = 1) -> list[Record]:
    """Records for files and directory trees without writing anything (``zhnorm detect``).

    A directory contributes every file under it; record paths are shown as given
    (a directory's files as ``DIR/relative``).
    """
    tasks: list[Task] = []
    for path in paths:
        if path.is_dir():
            for rel, info in scan(path):
                shown = display_path(path.as_posix() + "/" + rel)
                tasks.append(Task(shown, str(path / rel), "", errors, detail, True, skip=entry_reason(path, rel, info)))
        else:
            tasks.append(Task(display_path(str(path)), str(path), "", errors, detail, dry_run=True))
    return [outcome.record for outcome in _execute(tasks, jobs)]
