"""Reading one input file safely: open, read or hash, sniff for binary, notice changes.

What and why:

* :func:`open_input` opens only regular files (a FIFO would block the run for ever)
  and returns the file's state; :func:`read_input` and :func:`check_unchanged` turn a
  file that changed while it was read (size, mtime, inode) into a :class:`FileProblem`,
  so that stale output is never written.
* :func:`hash_input` hashes a large file in blocks and keeps its head for
  :func:`binary_reason`, which calls a file binary from its first 8 KB.
* :func:`file_state` is what the manifest keeps of a file (size, times, inode);
  :func:`trusted_state` refuses a state taken in the same clock tick as the file's
  last change (git's "racy clean").
* Every problem with one file is a :class:`FileProblem` with the one line the report
  (or the hook) shows for it.

Tuning that tests (and users) change go through parameters, whose defaults come from
the environment when the run or hook starts: ``ZHNORM_STREAM_BYTES`` (files larger
than this are normalized piece by piece), ``ZHNORM_PIECE_CHARS`` (characters per
piece) and ``ZHNORM_RACY_NS`` (see :func:`trusted_state`).
"""

from __future__ import annotations

import os
import stat
import time
from typing import TYPE_CHECKING, BinaryIO, Protocol

if TYPE_CHECKING:
    from .result import NormalizeResult

BINARY_PROBE = 8192  # bytes examined to call a file binary
READ_BLOCK = 1 << 20
#: Files larger than this are normalized piece by piece (:mod:`normalizer.stream`): the
#: whole text is never held, so memory stays flat however large the file.
STREAM_BYTES = 16 << 20
#: A file state (size, times, inode) taken less than this after the file's last change is
#: not trusted by the next run, which hashes the file instead: a change made in the same
#: tick of the file system's clock would leave the state as it was (git's "racy clean").
RACY_NS = 2_000_000_000
CONTROL_SHARE = 0.3  # more control bytes than this in the probe: not text

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

CHANGED_WHILE_READ = "changed while being read (size, time or content differ); nothing written, rerun to retry"
# NUL characters past the binary check's first 8 KB mean a damaged or binary file, not a
# corpus article: refused rather than rewritten (the core itself keeps NULs intact; UTF-16/32
# text, whose NUL bytes decode to other characters, is not concerned).
NUL_IN_TEXT = "contains NUL characters (U+0000): not plain text, not normalized"


def default_stream_bytes() -> int:
    """``ZHNORM_STREAM_BYTES`` from the environment, else :data:`STREAM_BYTES`."""
    return int(os.environ.get("ZHNORM_STREAM_BYTES") or STREAM_BYTES)


def default_piece_chars() -> int | None:
    """``ZHNORM_PIECE_CHARS`` from the environment, else None (``normalizer.stream.PIECE_CHARS``)."""
    value = os.environ.get("ZHNORM_PIECE_CHARS")
    return int(value) if value else None


def default_racy_ns() -> int:
    """``ZHNORM_RACY_NS`` from the environment, else :data:`RACY_NS`."""
    return int(os.environ.get("ZHNORM_RACY_NS") or RACY_NS)


class FileProblem(Exception):
    """One file cannot be handled: ``reason`` is the one line reported for it."""

    def __init__(self, reason: str, *, encoding: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.encoding = encoding


def guard(result: NormalizeResult) -> None:
    """:class:`FileProblem` for a result (whole or one piece) that must not be written."""
    if "\x00" in result.source:
        raise FileProblem(NUL_IN_TEXT, encoding=result.encoding)


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
        from .wide import bomless_unicode  # imported here: the hook reads clean files without it

        return None if bomless_unicode(head) else "binary (NUL bytes in the first 8 KB)"
    if len(head) - len(head.translate(None, _CONTROL)) > CONTROL_SHARE * len(head):
        return "binary (mostly control bytes)"
    return None


class FileStat(Protocol):
    """A file's ``stat`` as far as its state goes: an ``os.stat_result``, or the compact copy a
    listing keeps (:class:`normalizer.selection.FileInfo`)."""

    @property
    def st_size(self) -> int: ...
    @property
    def st_mtime_ns(self) -> int: ...
    @property
    def st_ctime_ns(self) -> int: ...
    @property
    def st_ino(self) -> int: ...


def file_state(info: FileStat) -> list[int]:
    """What the manifest keeps of a file's state: size, mtime and ctime (ns), inode.

    ctime too (git keeps it as well): a program can set a file's mtime back, not its ctime.
    """
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def trusted_state(info: FileStat, racy_ns: int | None = None) -> list[int] | None:
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


def sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def open_source(path: str | os.PathLike[str]) -> BinaryIO:
    """Open an input file for reading: every input is opened here (tests count or refuse opens)."""
    return open(path, "rb")


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def reading_problem(err: OSError) -> FileProblem:
    """The :class:`FileProblem` of a read that failed."""
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
        f = open_source(path)
    except OSError as err:
        raise reading_problem(err) from err
    try:
        info = os.fstat(f.fileno())
    except OSError as err:
        f.close()
        raise reading_problem(err) from err
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
        raise reading_problem(err) from err
    if _identity(after) != _identity(before) or len(data) != after.st_size:
        raise FileProblem(CHANGED_WHILE_READ)
    return data


def check_unchanged(path: str | os.PathLike[str], before: os.stat_result) -> None:
    """:class:`FileProblem` when ``path`` is no longer the file it was when it was opened."""
    try:
        now = os.stat(path)
    except OSError as err:
        raise FileProblem(CHANGED_WHILE_READ + f" ({err.strerror or err})") from err
    if _identity(now) != _identity(before):
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
        raise reading_problem(err) from err
    return digest.hexdigest(), head


def read_exact(f: BinaryIO, n: int) -> bytes:
    """``n`` bytes of ``f`` (fewer only at its end), however the reads come back."""
    data = f.read(n)
    while len(data) < n:
        more = f.read(n - len(data))
        if not more:
            break
        data += more
    return data
