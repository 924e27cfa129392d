"""Atomic writes: a temporary file beside the target, then ``os.replace`` over it.

Why: a killed run (or hook) must never leave a half-written file. Until the rename
nothing at the target changes; on any error the temporary file is removed, and the
temporaries a killed process left behind (``.<name>.zhnorm-tmp-<random>``) are removed
by the next run (:func:`remove_temporaries`). ``durable`` writes flush the data to disk
(``fsync``) before the rename, for files whose only copy this is (the manifest, the
hook's in-place rewrites); a run's mirror outputs and reports are written without (they
can be made again from SRC, and the manifest records each output's state, so an output
that a power failure lost or rolled back no longer matches and is redone).

A write may be fenced off a directory (``outside``: SRC, resolved): the directory the
file lands in is resolved (every symbolic link on the way) before the temporary file is
made and again right before the rename, and a write that would land there is refused
with a :class:`normalizer.inputs.FileProblem` (:func:`check_outside`). The second look
narrows the window in which a directory swapped for a link could redirect the rename
to a few system calls; the temporary file is removed either way.

Every byte written goes through :func:`write_all` and every temporary file is made by
:func:`create_temporary`: the one place each, so that a test can make them fail as a
full disk or a read-only directory would.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .escapes import printable
from .inputs import READ_BLOCK, FileProblem

TEMP_MARK = ".zhnorm-tmp-"

_TEMP_RE = re.compile(r"^\..+" + re.escape(TEMP_MARK) + r"[A-Za-z0-9_]+$")


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (the one place output bytes go)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def create_temporary(target: str) -> tuple[int, str]:
    """A new temporary file beside ``target``, open for writing: ``.<name>.zhnorm-tmp-<random>``.

    Its permission bits are 0o666 minus the umask, the default for outputs. Its
    directory is created when missing. Not ``tempfile.mkstemp``: this takes ~25 µs less
    a file (no Python-level random name, no ``chmod`` afterwards), which a run pays for
    every output.
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


#: Where Linux shows each open file descriptor as a link to the path of what it opened.
FD_LINKS = "/proc/self/fd"


def resolved_directory(path: str) -> str:
    """``os.path.realpath(path)``, in three system calls when ``path`` is a directory: opened
    (``O_PATH``, nothing read) and its path, as the kernel resolved it, read back from
    ``/proc/self/fd``. ``realpath`` looks at each component in Python (~20 µs, twice per output
    of a run, see :func:`check_outside`); it answers whenever this way cannot: no such directory
    (yet), not a directory, a link loop, no ``/proc``, a directory removed meanwhile."""
    flag = getattr(os, "O_PATH", 0)
    if flag:
        try:
            fd = os.open(path, flag | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            return os.path.realpath(path)
        try:
            found = os.readlink(f"{FD_LINKS}/{fd}")
        except OSError:
            found = ""
        finally:
            os.close(fd)
        if found.startswith("/") and not found.endswith(" (deleted)"):
            return found
    return os.path.realpath(path)


def check_outside(target: str, outside: str | None) -> None:
    """:class:`FileProblem` when ``target``'s directory, every symbolic link resolved, is
    ``outside`` (a resolved path) or under it; nothing when ``outside`` is None."""
    if outside is None:
        return
    where = resolved_directory(os.path.dirname(target) or ".")
    if where == outside or where.startswith(outside.rstrip(os.sep) + os.sep):
        raise FileProblem(
            f"not written: the output {printable(target)} would land inside SRC ({printable(where)}) "
            "through a symbolic link"
        )


def check_inside(target: str, inside: str | None) -> None:
    """:class:`FileProblem` when ``target``'s directory, every symbolic link resolved, is no
    longer ``inside`` (a resolved path: the repository ``zhnorm fix`` works in) or under it;
    nothing when ``inside`` is None. Looked at again right before the rename, as
    :func:`check_outside`: a folder swapped for a link in between cannot carry the write out."""
    if inside is None:
        return
    where = resolved_directory(os.path.dirname(target) or ".")
    if where != inside and not where.startswith(inside.rstrip(os.sep) + os.sep):
        raise FileProblem(
            f"not written: {printable(target)} now leads outside the repository ({printable(where)}) "
            "through a symbolic link"
        )


def check_fences(target: str, *, outside: str | None, inside: str | None) -> None:
    """Both fences on one target (:func:`check_outside`, :func:`check_inside`)."""
    check_outside(target, outside)
    check_inside(target, inside)


class AtomicFile:
    """A file written in parts to a temporary file beside ``path``, then renamed over it.

    Until :meth:`commit` nothing at ``path`` changes; :meth:`discard` (always safe to
    call, e.g. in a ``finally``) removes the temporary file. Errors are
    :class:`normalizer.inputs.FileProblem` naming the target. ``durable``: flush the
    data to disk (``fsync``) before the rename (see the module docstring); ``outside``:
    see :func:`check_outside`.
    """

    def __init__(
        self,
        path: Path,
        *,
        mode: int | None = None,
        durable: bool = True,
        outside: str | None = None,
        inside: str | None = None,
    ):
        self.path = path
        self.mode = mode
        self.durable = durable
        self.outside, self.inside = outside, inside
        self.tmp: str | None = None
        check_fences(os.fspath(path), outside=outside, inside=inside)
        try:
            self.fd, self.tmp = create_temporary(os.fspath(path))
        except OSError as err:
            raise self._problem(err) from err

    def _problem(self, err: OSError) -> FileProblem:
        return FileProblem(f"cannot write {printable(str(self.path))}: {err.strerror or err}")

    def write(self, data: bytes) -> None:
        try:
            write_all(self.fd, data)
        except OSError as err:
            raise self._problem(err) from err

    def commit(self) -> None:
        assert self.tmp is not None
        try:
            if self.mode is not None:  # by descriptor: the path may lead elsewhere by now
                os.fchmod(self.fd, self.mode)
            if self.durable:
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            check_fences(os.fspath(self.path), outside=self.outside, inside=self.inside)
            os.replace(self.tmp, self.path)
        except OSError as err:
            raise self._problem(err) from err
        self.tmp = None

    def commit_unless_same(self) -> bool:
        """Commit unless ``path`` already holds the same bytes (its mtime then stays); whether committed."""
        assert self.tmp is not None
        if same_files(self.tmp, self.path):
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


def same_files(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
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


def _holds(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size == len(data):
            with open(path, "rb") as f:
                return f.read() == data
    except FileNotFoundError:
        pass
    return False


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes | Iterable[bytes],
    *,
    mode: int | None = None,
    durable: bool = True,
    compare: bool = True,
    outside: str | None = None,
    inside: str | None = None,
) -> bool:
    """Write ``data`` to ``path`` atomically; False (and no write) when it already holds it.
    ``data`` may come in pieces (an iterable of bytes: a large report is never joined in memory),
    then with ``compare=False``.

    The new file gets permission bits ``mode`` (e.g. those of the file it replaces, so
    an in-place rewrite keeps them), by default 0o666 minus the umask. On any error or
    interruption the temporary file is removed and ``path`` keeps its previous content.
    ``durable``: ``fsync`` the data before the rename. ``compare=False`` skips reading
    ``path`` to compare (the caller knows the content is new). ``outside``, ``inside``: see
    :func:`check_outside` and :func:`check_inside` (:class:`normalizer.inputs.FileProblem`).
    """
    path = os.fspath(path)
    check_fences(path, outside=outside, inside=inside)
    pieces = (data,) if isinstance(data, bytes) else data
    if compare:
        if not isinstance(data, bytes):
            raise TypeError("atomic_write compares bytes only: pass compare=False with pieces")
        if _holds(path, data):
            return False
    fd, tmp = create_temporary(path)
    try:
        try:
            for piece in pieces:
                write_all(fd, piece)
            if mode is not None:  # by descriptor: the path may lead elsewhere by now
                os.fchmod(fd, mode)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        check_fences(path, outside=outside, inside=inside)
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
