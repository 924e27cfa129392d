"""``zhnorm fix`` / ``zhnorm check``: the pre-commit hooks, on the files they are given.

What:

* ``fix`` rewrites each file in place as clean UTF-8 mainland-simplified text
  (whatever :func:`normalizer.pipeline.normalize_bytes` makes of it); ``check`` only
  says which files ``fix`` would rewrite and why.
* One line per file that got (or would get) a fix, saying what changed:
  ``Fixing corpus/a.txt: 12 annotations removed, 340 characters converted, gb18030 → utf-8``.
  Clean files print nothing.
* A file that is binary, unreadable or undecodable gets a one-line error naming
  it and the reason, and is left untouched.
* Exit status 1 when anything was (or would be) changed or a file could not be
  handled, else 0 (the pre-commit convention: a hook that changed files fails, so
  the user reviews and stages the result).

Why this shape: pre-commit calls the hook with staged file names at every commit,
so it must start fast (no process pool, no report modules, lazy pypinyin/chardet),
never write a file whose bytes would not change (its mtime matters to editors and
build tools), and write atomically while keeping the file's permission bits. Unlike
``zhnorm run``'s mirror outputs, which can be made again from SRC, a fixed file is the
user's only copy: it is flushed to disk (``fsync``) before it replaces the original.

Settings (``exclude``, ``include``, ``errors``) come from the repository's
configuration (:mod:`normalizer.config`); globs match paths relative to the
directory of the configuration file. ``jobs`` is not used: pre-commit already
splits the file list across processes.

The logic lives here and is testable through :func:`main`; ``normalizer.cli`` only
parses options and prints.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from .atomic import AtomicFile
from .config import Config, ConfigError, load_config
from .decode import decode_bytes
from .escapes import printable
from .inputs import (
    BINARY_PROBE,
    FileProblem,
    binary_reason,
    default_piece_chars,
    default_stream_bytes,
    open_input,
    read_input,
    reading_problem,
)
from .model import (
    ANNOTATION,
    CONTROL,
    CONVERT,
    DECODE_REPLACE,
    ENTITY,
    FIX,
    NFC,
    PUNCTUATION,
    DecodeError,
    Edit,
)
from .pipeline import is_clean
from .rewrite import normalize_data, replace_checked, stream_normalize
from .selection import inside, link_outside, selected

if TYPE_CHECKING:
    from .result import NormalizeResult
    from .stream import Piece

CLEAN = "clean"  # already normalized: nothing printed
SKIPPED = "skipped"  # excluded by the configuration, or a symbolic link leading out of the repository
FIXED = "fixed"  # rewritten (fix)
NEEDS_FIX = "needs-fix"  # would be rewritten (check)
ERROR = "error"  # binary, unreadable or undecodable: left untouched

TARGET_ENCODING = "utf-8"


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What the hook did (or would do) with one file.

    ``detail`` says what changed (``FIXED``/``NEEDS_FIX``) or why the file could not
    be handled (``ERROR``); it is empty otherwise.
    """

    path: str  # as given on the command line
    status: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        """Whether this file makes the hook fail (changed, would change, or error)."""
        return self.status in (FIXED, NEEDS_FIX, ERROR)

    def line(self) -> str | None:
        """The line to print for this file (printable, one line), or None for a clean or skipped file."""
        if self.status == FIXED:
            return printable(f"Fixing {self.path}: {self.detail}")
        if self.status == NEEDS_FIX:
            return printable(f"Would fix {self.path}: {self.detail}")
        if self.status == ERROR:
            return printable(f"Cannot normalize {self.path}: {self.detail}; left untouched")
        if self.status == SKIPPED and self.detail:
            return printable(f"Skipping {self.path}: {self.detail}")
        return None


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _tally(edits: Iterable[Edit], count: dict[str, int], chars: dict[str, int]) -> None:
    for edit in edits:
        count[edit.kind] = count.get(edit.kind, 0) + 1
        chars[edit.kind] = chars.get(edit.kind, 0) + len(edit.before)


def describe(result: NormalizeResult) -> str:
    """What normalization changes, in words: counts of edits by kind and the encoding change.

    Annotations and converted characters come first, as they are the usual reason a
    corpus file is dirty; the encoding change comes last.
    """
    count: dict[str, int] = {}
    chars: dict[str, int] = {}
    _tally(result.edits, count, chars)
    return describe_counts(count, chars, result.encoding)


def describe_counts(count: dict[str, int], chars: dict[str, int], encoding: str | None) -> str:
    """:func:`describe` from edit counts and edited characters by kind (a file streamed in pieces)."""
    parts: list[str] = []
    if count.get(ANNOTATION):
        parts.append(_plural(count[ANNOTATION], "annotation") + " removed")
    converted = chars.get(CONVERT, 0) + chars.get(FIX, 0)
    if converted:
        parts.append(_plural(converted, "character") + " converted")
    if count.get(PUNCTUATION):
        parts.append(_plural(count[PUNCTUATION], "punctuation mark") + " replaced")
    if count.get(ENTITY):
        parts.append(_plural(count[ENTITY], "broken HTML entity", "broken HTML entities") + " repaired")
    if chars.get(CONTROL):
        parts.append(_plural(chars[CONTROL], "control character") + " removed")
    if count.get(NFC):
        parts.append(_plural(count[NFC], "NFC normalization"))
    if chars.get(DECODE_REPLACE):
        parts.append(_plural(chars[DECODE_REPLACE], "undecodable byte") + " replaced with U+FFFD")
    encoding = encoding or TARGET_ENCODING
    if encoding == "utf-8-sig":
        parts.append("byte-order mark removed")
    elif encoding != TARGET_ENCODING:
        parts.append(f"{encoding} → {TARGET_ENCODING}")
    return ", ".join(parts) or f"rewritten as {TARGET_ENCODING}"


def process(
    path: str | os.PathLike[str],
    *,
    fix: bool,
    errors: str = "strict",
    stream_bytes: int | None = None,
    piece_chars: int | None = None,
    fence: str | None = None,
) -> FileOutcome:
    """Normalize one file; with ``fix`` rewrite it when (and only when) its bytes change.

    Never raises for a bad file: a binary, unreadable, undecodable file (or one that
    changes while being read) becomes an ``ERROR`` outcome and is not touched. Files
    over ``stream_bytes`` (default: :func:`normalizer.inputs.default_stream_bytes`) are
    normalized piece by piece (``piece_chars`` characters each), never held whole.
    ``fence``: a resolved directory the rewrite must stay in, looked at again right
    before the rename (:func:`normalizer.atomic.check_inside`).
    """
    shown = printable(os.fspath(path))
    file = Path(path)
    limit = default_stream_bytes() if stream_bytes is None else stream_bytes
    try:
        f, info = open_input(file)
        with f:
            if info.st_size > limit:
                return _process_large(
                    shown, file, f, info, fix=fix, errors=errors, piece_chars=piece_chars, fence=fence
                )
            data = read_input(f, info)
        return _process_small(shown, file, data, info, fix=fix, errors=errors, fence=fence)
    except DecodeError as err:
        return FileOutcome(shown, ERROR, f"cannot decode: {err.reason}")
    except FileProblem as err:
        return FileOutcome(shown, ERROR, err.reason)
    except Exception as err:  # a bug must not stop the other files
        return FileOutcome(shown, ERROR, f"internal error: {type(err).__name__}: {err}".replace("\n", " "))


def _process_small(
    shown: str, file: Path, data: bytes, info: os.stat_result, *, fix: bool, errors: str, fence: str | None
) -> FileOutcome:
    """:func:`process` for a file read whole."""
    why = binary_reason(data)
    if why:
        return FileOutcome(shown, ERROR, f"not text: {why}")
    if _clean(data):  # the usual commit: no numpy, OpenCC or pypinyin to load
        return FileOutcome(shown, CLEAN)
    result, out = normalize_data(data, errors=errors)
    if out == data:
        return FileOutcome(shown, CLEAN)
    detail = describe(result)
    if not fix:
        return FileOutcome(shown, NEEDS_FIX, detail)
    # Write through a symbolic link to its target (os.replace would swap the link for a file).
    target = Path(os.path.realpath(file))
    try:
        replace_checked(file, info, target, out, mode=stat.S_IMODE(info.st_mode), durable=True, inside=fence)
    except OSError as err:
        return FileOutcome(shown, ERROR, f"cannot write: {err.strerror or err}")
    return FileOutcome(shown, FIXED, detail)


def _clean(data: bytes) -> bool:
    """True when ``data`` is UTF-8 that normalizing would leave byte for byte as it is
    (:func:`normalizer.pipeline.is_clean`); False means "run the pipeline"."""
    try:
        decoded = decode_bytes(data)
    except DecodeError:
        return False
    return decoded.encoding == "utf-8" and not decoded.edits and is_clean(decoded.text)


class _Tally:
    """Edit counts and edited characters by kind, piece by piece (see :func:`describe_counts`)."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.chars: dict[str, int] = {}

    def add(self, piece: Piece) -> None:
        _tally(piece.result.edits, self.count, self.chars)


def _process_large(
    shown: str,
    file: Path,
    f: BinaryIO,
    info: os.stat_result,
    *,
    fix: bool,
    errors: str,
    piece_chars: int | None,
    fence: str | None,
) -> FileOutcome:
    """:func:`process` for a file over the stream limit: pieces go straight to a temporary file."""
    try:
        head = f.read(BINARY_PROBE)
    except OSError as err:
        raise reading_problem(err) from err
    why = binary_reason(head)
    if why:
        return FileOutcome(shown, ERROR, f"not text: {why}")
    tally = _Tally()
    target = Path(os.path.realpath(file))
    sink = AtomicFile(target, mode=stat.S_IMODE(info.st_mode), durable=True, inside=fence) if fix else None
    try:
        found = stream_normalize(
            file, info, errors=errors, sink=sink, on_piece=tally.add, piece_chars=piece_chars or default_piece_chars()
        )
        if found.same:
            return FileOutcome(shown, CLEAN)
        detail = describe_counts(tally.count, tally.chars, found.survey.encoding)
        if sink is None:
            return FileOutcome(shown, NEEDS_FIX, detail)
        sink.commit()
        return FileOutcome(shown, FIXED, detail)
    finally:
        if sink is not None:
            sink.discard()


def _relative(path: str, root: Path | None) -> str:
    """``path`` as a "/"-separated path relative to ``root`` (as given when outside it)."""
    if root is not None:
        rel = os.path.relpath(os.path.abspath(path), root)
        if not rel.startswith(os.pardir):
            return Path(rel).as_posix()
    return Path(path).as_posix()


def linked_outside(path: str, root: Path) -> bool:
    """Whether a symbolic link anywhere on ``path`` (the file or a folder on the way) leads out of ``root``.

    The whole path is resolved: ``dir/v.txt`` with ``dir`` a link to a folder elsewhere is
    outside the repository although ``v.txt`` itself is no link. A path given outside the
    repository without any link is the caller's explicit choice and is not concerned.
    """
    real = os.path.realpath(path)
    return real != os.path.abspath(path) and link_outside(path, root)


def wanted(path: str, config: Config) -> bool:
    """Whether the configuration's include/exclude globs let ``path`` through."""
    if not config.include and not config.exclude:
        return True
    return selected(_relative(path, config.root), config.include, config.exclude)


def run_hook(
    paths: Iterable[str | os.PathLike[str]],
    *,
    fix: bool,
    errors: str | None = None,
    config: Config | None = None,
    stream_bytes: int | None = None,
    piece_chars: int | None = None,
) -> list[FileOutcome]:
    """Process files in order; ``errors`` overrides the configuration's (default "strict").

    ``config`` defaults to the configuration found from the current directory
    (raises :class:`normalizer.config.ConfigError` when that file is invalid).
    ``stream_bytes`` and ``piece_chars``: see :func:`process`.
    """
    if config is None:
        config = load_config()
    errors = errors or config.errors or "strict"
    outcomes: list[FileOutcome] = []
    root = Path(os.path.realpath(config.root or Path.cwd()))
    for path in paths:
        name = os.fspath(path)
        if not wanted(name, config):
            outcomes.append(FileOutcome(printable(name), SKIPPED))
        elif linked_outside(name, root):
            outcomes.append(
                FileOutcome(printable(name), SKIPPED, "symbolic link to outside the repository (not followed)")
            )
        else:
            # A file inside the repository must still be inside it when it is rewritten.
            fence = str(root) if inside(Path(os.path.realpath(name)), root) else None
            outcomes.append(
                process(name, fix=fix, errors=errors, stream_bytes=stream_bytes, piece_chars=piece_chars, fence=fence)
            )
    return outcomes


def exit_code(outcomes: Iterable[FileOutcome]) -> int:
    """1 when any file was (or would be) changed or could not be handled, else 0."""
    return 1 if any(o.failed for o in outcomes) else 0


def report(outcomes: Iterable[FileOutcome], out: TextIO, err: TextIO) -> None:
    """Print one line per file that needs attention: fixes to ``out``, errors to ``err``."""
    for outcome in outcomes:
        line = outcome.line()
        if line is not None:
            print(line, file=err if outcome.status == ERROR else out)


def main(argv: Sequence[str] | None = None) -> int:
    """``fix FILE...`` or ``check FILE...`` (``--errors strict|replace``); returns the exit status.

    The same behaviour as ``zhnorm fix``/``zhnorm check``, without click: for tests
    and ``python -m normalizer.hook``. Exit status 2 for an invalid configuration file, 130
    after Ctrl-C (a file being fixed is replaced atomically or not at all).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="zhnorm-hook", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("fix", "check"))
    parser.add_argument("--errors", choices=("strict", "replace"), default=None)
    parser.add_argument("files", nargs="*")
    args = parser.parse_intermixed_args(argv)
    try:
        outcomes = run_hook(args.files, fix=args.mode == "fix", errors=args.errors)
    except ConfigError as err:
        print(printable(f"zhnorm: error: {err}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zhnorm: interrupted", file=sys.stderr)
        return 130
    report(outcomes, sys.stdout, sys.stderr)
    return exit_code(outcomes)


if __name__ == "__main__":
    sys.exit(main())
