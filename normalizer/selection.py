"""Which files a run or a hook reads: listing SRC, include/exclude globs, links, path checks.

What and why:

* :func:`scan` lists SRC with ``os.scandir`` and plain strings, each entry with its
  ``lstat`` (the run stats every file anyway, to reuse what did not change).
* :func:`selected` applies the include/exclude globs (:func:`matches`), the same rule
  for ``zhnorm run`` and for the hook's configuration.
* :func:`entry_reason` says why an entry is not read: symbolic links are followed only
  to regular files inside SRC (a link that leaves SRC could make a run read, and copy,
  anything on the machine); FIFOs, sockets and devices are skipped with the reason.
* :func:`check_paths` refuses SRC/DST/report layouts in which a run could modify SRC.
* :func:`inside` is the one test of "is this path under that root", used for links
  (here and in the hook) and for the path checks.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from .escapes import printable


class FileInfo(NamedTuple):
    """What a run keeps of a listed input's ``lstat``: its type and its state (as the fields of
    ``os.stat_result``, which it stands in for). A ``stat_result`` is ~0.6 KB, this ~0.2 KB, and a
    run keeps one per file until it ends."""

    st_mode: int
    st_size: int
    st_mtime_ns: int
    st_ctime_ns: int
    st_ino: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileInfo:
        return cls(info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


# A listed input: its name on disk (differs from the reported path for names that are not
# UTF-8) and its lstat (None when it cannot be read).
Listed = tuple[str, FileInfo | None]


class UsageError(ValueError):
    """The arguments cannot work (SRC missing, DST inside SRC, ...): nothing was done."""


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
    """Whether ``rel`` matches an include glob (or there is none) and no exclude glob."""
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


def scan(root: Path) -> list[tuple[str, FileInfo | None]]:
    """:func:`walk`'s paths, each with its ``lstat`` (None when it cannot be read).

    ``os.scandir`` and plain strings: the run stats every file anyway (to reuse what did
    not change), and ``os.walk`` with ``Path`` objects took ~10x longer.
    """
    found: list[tuple[str, FileInfo | None]] = []
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
                    info: FileInfo | None = FileInfo.of(entry.stat(follow_symlinks=False))
                except OSError:
                    info = None
                found.append((prefix + entry.name, info))
    found.sort(key=lambda item: item[0])
    return found


def listing(root: Path) -> dict[str, Listed]:
    """:func:`scan` keyed by the path as reported (:func:`normalizer.escapes.printable`: undecodable
    bytes, controls and newlines of a name as ``\\xNN``).

    Two names can read the same once escaped (a literal ``\\x1b`` and an ESC): the later
    one is reported as ``PATH (2)`` (3, ...) rather than lost.
    """
    listed: dict[str, Listed] = {}
    for rel, info in scan(root):
        shown = printable(rel)
        if shown in listed:
            n = 2
            while f"{shown} ({n})" in listed:
                n += 1
            shown = f"{shown} ({n})"
        listed[shown] = (rel, info)
    return listed


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` is ``root`` or under it (both resolved by the caller)."""
    return path == root or root in path.parents


def entry_reason(root: Path, rel: str, info: os.stat_result | FileInfo | None = None) -> str | None:
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
        why = _link_reason(path, root)
        if why is not None:
            return why
        info = os.stat(path)
    if stat.S_ISREG(info.st_mode):
        return None
    return "not a regular file (FIFO, socket or device)"


def _link_reason(path: Path, root: Path) -> str | None:
    """Why the symbolic link ``path`` is not followed, or None when it leads to a file inside ``root``."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "symbolic link loop (not followed)"
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symbolic link loop (not followed)"
        return f"broken symbolic link (not followed): {err.strerror or err}"
    if not inside(target, root.resolve()):
        return "symbolic link to outside SRC (not followed)"
    if target.is_dir():
        return "symbolic link to a directory (not followed)"
    return None


def link_outside(path: str, root: Path) -> bool:
    """Whether ``path``, every symbolic link on it resolved, leads outside ``root`` (a link loop does not:
    it errors when read)."""
    try:
        target = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return not inside(target, root)


def check_paths(src: Path, dst: Path, report_dir: Path | None = None) -> None:
    """Raise :class:`UsageError` unless SRC is a directory and DST/report cannot touch it."""
    if not src.exists():
        raise UsageError(f"SRC {src} does not exist")
    if not src.is_dir():
        raise UsageError(f"SRC {src} is not a directory")
    if dst.exists() and not dst.is_dir():
        raise UsageError(f"DST {dst} exists and is not a directory")
    s, d = src.resolve(), dst.resolve()
    if inside(d, s):
        raise UsageError(f"DST {dst} is inside SRC {src}; SRC must never be modified")
    if inside(s, d):
        raise UsageError(f"SRC {src} is inside DST {dst}; SRC must never be modified")
    if report_dir is not None and inside(report_dir.resolve(), s):
        raise UsageError(f"report directory {report_dir} is inside SRC {src}; SRC must never be modified")
