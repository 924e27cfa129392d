"""Normalize a directory tree (SRC) into a mirror tree (DST) of clean UTF-8 files.

What and why:

* SRC is only read. Each text file becomes ``DST/<same relative path>``, UTF-8 without
  BOM; binary files are skipped (listed in the report, not copied).
* Work runs in a process pool: OpenCC's ``convert()`` holds the GIL, so threads do
  not help. Tasks are plain picklable data and :func:`process_file` (and
  :func:`process_batch`, for executors that ship files in batches) is a top-level
  function; each worker builds its own converter lazily (see ``normalizer.convert``).
* :func:`run` does everything but the execution: choosing files, the manifest, the
  report. What runs the tasks is an :data:`Executor` (the local pool by default;
  ``normalizer.distributed`` supplies one for a Dask cluster), which may return
  outcomes in any order: the report, the manifest and the HTML previews do not
  depend on completion order.
* Writes are atomic (temporary file in the target directory, then ``os.replace``),
  so an interrupted run leaves no half-written output; leftover temporary files of
  a killed run are removed by the next run.
* A manifest (``DST/.zhnorm-manifest.json``, itself written atomically and
  regularly during the run) remembers each input's SHA-256 with the options and
  tool versions used, so a rerun skips files whose inputs did not change and
  finishes an interrupted run. ``force`` redoes everything. Files that errored are
  always retried.
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
import tempfile
import time
from bisect import insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from . import __version__
from .model import DecodeError, NormalizeResult
from .pipeline import normalize_bytes

if TYPE_CHECKING:
    from .report.json_report import Record
    from .stream import Piece, Survey

# hashlib, json, importlib.metadata, the process pool and the JSON report are imported
# inside the functions that use them: ``zhnorm check``/``fix`` (a pre-commit hook, run
# at every commit) import this module for its file helpers and must start fast.

MANIFEST_NAME = ".zhnorm-manifest.json"
MANIFEST_VERSION = 1
REPORT_NAME = "report.json"
TEMP_MARK = ".zhnorm-tmp-"
BINARY_PROBE = 8192  # bytes examined to call a file binary
MANIFEST_SAVE_SECONDS = 2.0
#: Files larger than this are normalized piece by piece (:mod:`normalizer.stream`): the
#: whole text is never held, so memory stays flat however large the file. The
#: environment variable ZHNORM_STREAM_BYTES overrides it (tests lower it).
STREAM_BYTES = int(os.environ.get("ZHNORM_STREAM_BYTES") or 16 << 20)
#: Characters per piece for streamed files; None = ``normalizer.stream.PIECE_CHARS``.
STREAM_PIECE_CHARS: int | None = None
READ_BLOCK = 1 << 20

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
        from .report.json_report import SCHEMA_VERSION

        return {
            "zhnorm": __version__,
            "code": code_digest(),  # a development checkout changes without a version bump
            "opencc": opencc_version(),
            "report_schema": SCHEMA_VERSION,  # records are stored in the manifest
            "errors": self.errors,
            "report_detail": self.report_detail,
        }


@dataclass(frozen=True, slots=True)
class Task:
    """One file for a worker: where to read, where to write, and what was done last time."""

    rel: str
    src: str
    dst: str
    errors: str
    detail: str
    dry_run: bool
    previous: dict[str, Any] | None = None  # manifest entry: {"sha256", "record"[, "preview"]}
    preview: bool = False  # also return the changed lines (report.html), see normalizer.report.preview
    skip: str | None = None  # not read: why (a symbolic link not followed, not a regular file)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a worker did with one file."""

    record: Record
    sha256: str | None
    written: bool
    preview: dict[str, Any] | None = None  # changed lines, when the task asked for them and the file has edits


@dataclass(slots=True)
class RunResult:
    """A finished run: the report document and where it was written."""

    report: dict[str, Any]
    report_path: Path | None = None
    records: list[Record] = field(default_factory=list)
    html_path: Path | None = None
    warnings: list[str] = field(default_factory=list)  # run-level problems (manifest or report not written)

    @property
    def exit_code(self) -> int:
        return 1 if self.warnings or any(r["status"] == "error" for r in self.records) else 0


# Runs tasks: gets them lazily (an iterator) with their number, returns their outcomes in any
# order. A task is drawn as late as the executor can afford: its ``preview`` flag may depend on
# outcomes already returned.
Executor = Callable[[Iterator[Task], int], Iterator[Outcome]]


@cache
def code_digest() -> str:
    """Short hash of the package's own code and data: outputs made by other code are stale."""
    import hashlib

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".txt") and p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def opencc_version() -> str:
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
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        links = [d for d in dirnames if (base / d).is_symlink()]  # listed, not followed by os.walk
        for name in (*filenames, *links):
            found.append((base / name).relative_to(root).as_posix())
    return sorted(found)


def entry_reason(root: Path, rel: str) -> str | None:
    """Why the walked entry ``root/rel`` is not read (it is reported as skipped), or None.

    Symbolic links are followed only to regular files inside ``root``: a link that
    leaves SRC could make a run read (and copy) anything on the machine.
    """
    path = root / rel
    try:
        info = os.lstat(path)
    except OSError as err:
        return f"cannot stat: {err.strerror or err}"
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


_UNDECODED = re.compile("[\udc80-\udcff]")


def display_path(path: str) -> str:
    """``path`` printable and valid UTF-8: bytes of a non-UTF-8 name (surrogate escapes) as ``\\xNN``."""
    return _UNDECODED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", path)


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` is not text (one short phrase), or None when it may be text.

    Binary: a known file signature, NUL bytes in the first 8 KB that do not look
    like UTF-16 without BOM, or mostly control bytes. A byte-order mark means text.
    """
    head = data[:BINARY_PROBE]
    if not head or head.startswith(_BOMS):
        return None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"binary ({what})"
    if b"\x00" in head:
        return None if _looks_utf16(head) else "binary (NUL bytes in the first 8 KB)"
    if len(head) - len(head.translate(None, _CONTROL)) > CONTROL_SHARE * len(head):
        return "binary (mostly control bytes)"
    return None


def _looks_utf16(head: bytes) -> bool:
    even = head[: len(head) // 2 * 2]
    for codec in ("utf-16-le", "utf-16-be"):
        text = even.decode(codec, "replace")
        bad = text.count("\ufffd") + sum(1 for c in text if c < " " and c not in "\t\n\r\f")
        if bad <= 1:
            return True
    return False


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
        return Outcome(problem_record(task.rel, "skipped", task.skip, bytes_in=0), None, False)
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
        return Outcome(record, digest, False)
    except Exception as err:  # a bug in one file's processing must not stop the run
        reason = f"internal error: {type(err).__name__}: {err}".replace("\n", " ")
        return Outcome(problem_record(task.rel, "error", reason, bytes_in=size or 0), digest, False)


def _process_small(task: Task, data: bytes, digest: str, before: os.stat_result) -> Outcome:
    from .report.json_report import file_record, problem_record

    reused = _reuse(task, digest)
    if reused is not None:
        return Outcome(reused, digest, False, (task.previous or {}).get("preview") if task.preview else None)
    why = binary_reason(data)
    if why:
        return Outcome(problem_record(task.rel, "skipped", why, bytes_in=len(data)), digest, False)
    try:
        result = normalize_bytes(data, errors=task.errors)
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
            written = atomic_write(Path(task.dst), out)
        except OSError as err:
            reason = f"cannot write {display_path(task.dst)}: {err.strerror or err}"
            raise FileProblem(reason, encoding=result.encoding) from err
    preview = None
    if task.preview and record["status"] == "changed" and result.edits:
        from .report.preview import build_preview

        preview = build_preview(result)
    return Outcome(record, digest, written, preview)


def _process_large(task: Task, f: BinaryIO, before: os.stat_result) -> Outcome:
    """A file over ``STREAM_BYTES``: hashed, then normalized in pieces written straight to a temporary file."""
    from .report.json_report import StreamRecordBuilder, problem_record

    digest, head = hash_input(f)
    reused = _reuse(task, digest)
    if reused is not None:
        return Outcome(reused, digest, False, (task.previous or {}).get("preview") if task.preview else None)
    why = binary_reason(head)
    if why:
        return Outcome(problem_record(task.rel, "skipped", why, bytes_in=before.st_size), digest, False)
    builder: StreamRecordBuilder | None = None
    preview = _PreviewBuilder() if task.preview else None

    def on_piece(piece: Piece) -> None:
        nonlocal builder
        if builder is None:
            builder = StreamRecordBuilder(task.rel, detail=task.detail)
        builder.add(piece)
        if preview is not None:
            preview.add(piece)

    sink = None if task.dry_run else AtomicFile(Path(task.dst))
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
    return Outcome(record, digest, written, kept)


class _PreviewBuilder:
    """The preview of a streamed file (see :mod:`normalizer.report.preview`), piece by piece."""

    def __init__(self) -> None:
        self.changed = 0
        self.lines: list[dict[str, Any]] = []

    def add(self, piece: Piece) -> None:
        if not piece.result.edits:
            return
        from .report.preview import PREVIEW_LINES, build_preview

        part = build_preview(piece.result, max_lines=max(0, PREVIEW_LINES - len(self.lines)))
        self.changed += part["changed_lines"]
        self.lines.extend({**line, "n": line["n"] + piece.line} for line in part["lines"])

    def preview(self) -> dict[str, Any]:
        return {"changed_lines": self.changed, "lines": self.lines}


def process_batch(tasks: Sequence[Task]) -> list[Outcome]:
    """:func:`process_file` for each task of a batch (one scheduler task for many small files)."""
    return [process_file(task) for task in tasks]


def _reuse(task: Task, digest: str) -> Record | None:
    """The previous record when input and output are still what the manifest says."""
    prev = task.previous
    if not prev or prev.get("sha256") != digest:
        return None
    record = prev.get("record") or {}
    if record.get("status") in ("changed", "unchanged"):
        try:
            if os.stat(task.dst).st_size != record.get("bytes_out"):
                return None
        except OSError:
            return None
    elif record.get("status") != "skipped":
        return None
    return {**record, "reused": True}


_UMASK: int | None = None


def _file_mode() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (the one place output bytes go: tests make it fail)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class AtomicFile:
    """A file written in parts to a temporary file beside ``path``, then renamed over it.

    Until :meth:`commit` nothing at ``path`` changes; :meth:`discard` (always safe to
    call, e.g. in a ``finally``) removes the temporary file. Errors are
    :class:`FileProblem` naming the target.
    """

    def __init__(self, path: Path, *, mode: int | None = None):
        self.path = path
        self.mode = mode
        self.tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
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
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            os.chmod(self.tmp, _file_mode() if self.mode is None else self.mode)
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


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> bool:
    """Write ``data`` to ``path`` atomically; False (and no write) when it already holds it.

    The new file gets permission bits ``mode`` (e.g. those of the file it replaces, so
    an in-place rewrite keeps them), by default 0o666 minus the umask. On any error or
    interruption the temporary file is removed and ``path`` keeps its previous content.
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, _file_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


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


# --- manifest ------------------------------------------------------------------


def load_manifest(dst: Path, key: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Entries of DST's manifest, or {} when missing, unreadable or made with another key."""
    import json

    try:
        doc = json.loads((dst / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("manifest_version") != MANIFEST_VERSION or doc.get("key") != key:
        return {}
    files = doc.get("files")
    return files if isinstance(files, dict) else {}


def save_manifest(dst: Path, key: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
    import json

    doc = {"manifest_version": MANIFEST_VERSION, "key": key, "files": dict(sorted(entries.items()))}
    atomic_write(dst / MANIFEST_NAME, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


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
    ``on_record`` with each file record as it completes (e.g. for a progress bar or to
    print errors). Raises :class:`UsageError` for bad paths or options, before any write.
    ``executor`` runs the tasks: by default :func:`local_executor` with ``options.jobs``
    (``normalizer.distributed`` runs them on a Dask cluster). Outcomes may come back in
    any order; ``result.records`` are in path order either way.

    For report.html, the workers also return a bounded preview of each changed file's
    lines; only the first ``PREVIEW_FILES`` files with edits (in path order, the files
    the page shows in detail) keep theirs, cached in their manifest entries so that a
    rerun that reuses them still shows their lines. Neither report.json nor the rest
    of the manifest holds text lines. Once ``PREVIEW_FILES`` files with edits are
    known, tasks for later paths (drawn lazily by the executor) ask for no preview.
    """
    from .report.json_report import DETAIL_LEVELS, build_report, render_json

    check_paths(src, dst, report_dir)
    if options.errors not in ("strict", "replace"):
        raise UsageError(f"errors must be 'strict' or 'replace', not {options.errors!r}")
    if options.report_detail not in DETAIL_LEVELS:
        raise UsageError(f"report detail must be one of {', '.join(DETAIL_LEVELS)}")
    started = datetime.now(UTC)
    key = options.key()
    # Paths as reported (and as manifest keys) -> paths on disk: they differ for names that
    # are not valid UTF-8, whose bytes are shown as \\xNN.
    all_files = {display_path(rel): rel for rel in walk(src)}
    manifest = {rel: e for rel, e in load_manifest(dst, key).items() if rel in all_files}
    previous = {} if options.force else dict(manifest)
    if not options.dry_run:
        _prepare_dst(dst)
        if report_dir is not None and report_dir.is_dir():
            remove_temporaries(report_dir)
    chosen = [rel for rel in all_files if selected(rel, options.include, options.exclude)]
    if on_start:
        on_start(len(chosen))
    limit = _preview_files() if report_dir is not None else 0
    detailed: list[str] = []  # the first ``limit`` paths with edits among the outcomes so far, sorted
    previews: dict[str, dict[str, Any] | None] = {}  # their previews: the files report.html shows in detail

    def may_be_detailed(rel: str) -> bool:
        return len(detailed) < limit or (bool(detailed) and rel < detailed[-1])

    def tasks() -> Iterator[Task]:
        for rel in chosen:
            on_disk = all_files[rel]
            yield Task(
                rel,
                str(src / on_disk),
                str(dst / on_disk),
                options.errors,
                options.report_detail,
                options.dry_run,
                previous.get(rel),
                preview=may_be_detailed(rel),
                skip=entry_reason(src, on_disk),
            )

    records: list[Record] = []
    warnings: list[str] = []
    written = 0
    last_save = time.monotonic()
    execute = executor or local_executor(options.jobs or default_jobs())
    outcomes = execute(tasks(), len(chosen))
    try:
        for outcome in outcomes:
            records.append(outcome.record)
            written += outcome.written
            rel = outcome.record["path"]
            keep = _has_edits(outcome.record) and may_be_detailed(rel)
            if keep:
                insort(detailed, rel)
                previews[rel] = outcome.preview
                if len(detailed) > limit:  # outcomes out of path order: a later path drops out
                    dropped = detailed.pop()
                    del previews[dropped]
                    if "preview" in manifest.get(dropped, {}):
                        manifest[dropped] = {k: v for k, v in manifest[dropped].items() if k != "preview"}
            if outcome.record["status"] == "error":
                manifest.pop(rel, None)
            elif outcome.sha256:
                entry = {"sha256": outcome.sha256, "record": _stored(outcome.record)}
                if keep and outcome.preview is not None:
                    entry["preview"] = outcome.preview
                manifest[rel] = entry
            if on_record:
                on_record(outcome.record)
            if not options.dry_run and time.monotonic() - last_save > MANIFEST_SAVE_SECONDS:
                with contextlib.suppress(OSError):  # e.g. disk full: saved again later, or at the end
                    save_manifest(dst, key, manifest)
                last_save = time.monotonic()
        if report_dir is not None:
            _complete_previews(previews, src, all_files, options.errors, manifest)
            # Only this run's detailed files keep a preview: the manifest stays bounded.
            for rel, entry in manifest.items():
                if "preview" in entry and rel not in previews:
                    manifest[rel] = {k: v for k, v in entry.items() if k != "preview"}
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:  # stop the executor's workers when the run stops early
            close()
        if not options.dry_run and dst.is_dir():
            try:
                save_manifest(dst, key, manifest)
            except OSError as err:  # the outputs are fine; a rerun redoes what the manifest misses
                warnings.append(f"cannot write {dst / MANIFEST_NAME}: {err.strerror or err}")
    records.sort(key=lambda r: r["path"])
    finished = datetime.now(UTC)
    report = build_report(
        records,
        tool=tool_info(),
        run={
            "src": str(src),
            "dst": str(dst),
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_s": round((finished - started).total_seconds(), 3),
            "options": {**asdict(options), "include": list(options.include), "exclude": list(options.exclude)},
        },
        written=written,
        budget=sum(r.get("bytes_in") or 0 for r in records) if options.report_detail == "summary" else None,
    )
    report_path = html_path = None
    if report_dir is not None:
        from .report.html_report import HTML_NAME, render_html

        try:
            report_path = report_dir / REPORT_NAME
            atomic_write(report_path, render_json(report).encode("utf-8"))
            html_path = report_dir / HTML_NAME
            atomic_write(html_path, render_html(report, previews).encode("utf-8"))
        except OSError as err:
            warnings.append(f"cannot write the report in {report_dir}: {err.strerror or err}")
            report_path = html_path = None
    return RunResult(report, report_path, records, html_path, warnings)


def _prepare_dst(dst: Path) -> None:
    """Create DST, remove a killed run's temporary files, and check that it takes files: else UsageError."""
    try:
        dst.mkdir(parents=True, exist_ok=True)
        remove_temporaries(dst)
        fd, probe = tempfile.mkstemp(prefix=f".probe{TEMP_MARK}", dir=dst)
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
    on_disk: dict[str, str],
    errors: str,
    manifest: dict[str, dict[str, Any]],
) -> None:
    """Fill in the previews of detailed files reused from a manifest that had none.

    Rare (the set of detailed files shifted, e.g. an earlier file was deleted) and
    bounded by ``PREVIEW_FILES``: these files are normalized again, in this process.
    """
    from .report.preview import build_preview

    for rel, preview in previews.items():
        if preview is not None:
            continue
        path = src / on_disk.get(rel, rel)
        try:
            if path.stat().st_size > STREAM_BYTES:  # never held whole: no lines shown
                continue
            result = normalize_bytes(path.read_bytes(), errors=errors)
        except (OSError, DecodeError):  # changed since it was processed: show no lines
            continue
        previews[rel] = build_preview(result)
        if rel in manifest:
            manifest[rel] = {**manifest[rel], "preview": previews[rel]}


def _stored(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "reused"}


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
    """Outcomes in task order; in this process when one worker is enough."""
    if count is None:
        tasks = list(tasks)
        count = len(tasks)
    if jobs <= 1 or count <= 1:
        yield from map(process_file, tasks)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, count)
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
    try:
        chunk = max(1, min(16, count // (workers * 4)))
        yield from pool.map(process_file, tasks, chunksize=chunk)
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
            for rel in walk(path):
                shown = display_path(path.as_posix() + "/" + rel)
                tasks.append(Task(shown, str(path / rel), "", errors, detail, True, skip=entry_reason(path, rel)))
        else:
            tasks.append(Task(display_path(str(path)), str(path), "", errors, detail, dry_run=True))
    return [outcome.record for outcome in _execute(tasks, jobs)]
