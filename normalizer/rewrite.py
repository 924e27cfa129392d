"""One input file normalized and rewritten: the sequence ``zhnorm run``'s workers and the hook share.

read (:mod:`normalizer.inputs`) → sniff → normalize → guard → recheck → write
(:mod:`normalizer.atomic`). The callers differ only in what they do around it: a run
writes a mirror output and a record, the hook rewrites the file in place and prints a
line. Both normalize a file over their stream limit piece by piece with
:func:`stream_normalize`, so that memory never grows with the file.

The pipeline and :mod:`normalizer.stream` are imported when first used (and looked up
on their modules at each call): the hook starts at every commit, and a run's main
process never normalizes anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol

from . import inputs
from .atomic import atomic_write
from .inputs import READ_BLOCK, check_unchanged, guard, read_exact, reading_problem

if TYPE_CHECKING:
    from .result import NormalizeResult
    from .stream import Piece, Survey


class Sink(Protocol):
    """Where a streamed output goes (:class:`normalizer.atomic.AtomicFile`)."""

    def write(self, data: bytes) -> None: ...


class Streamed(NamedTuple):
    """What :func:`stream_normalize` found: the survey, the input's SHA-256, the output's size,
    and whether the output equals the input."""

    survey: Survey
    sha256: str
    size: int
    same: bool


def normalize_data(data: bytes, *, errors: str) -> tuple[NormalizeResult, bytes]:
    """The result of normalizing ``data`` and its UTF-8 output.

    Raises :class:`normalizer.DecodeError` (undecodable) and :class:`normalizer.inputs.FileProblem` (a
    result that must not be written, see :func:`normalizer.inputs.guard`).
    """
    from . import pipeline

    result = pipeline.normalize_bytes(data, errors=errors)
    guard(result)
    return result, result.text.encode("utf-8")


def replace_checked(
    source: str | os.PathLike[str],
    before: os.stat_result,
    target: str | os.PathLike[str],
    out: bytes,
    *,
    mode: int | None = None,
    durable: bool,
    outside: str | None = None,
    inside: str | None = None,
) -> bool:
    """Write ``out`` to ``target`` atomically unless ``source`` changed since it was read
    (:class:`normalizer.inputs.FileProblem`); False when ``target`` already holds ``out``. OSError as it comes.
    ``outside``: a resolved directory the write must not land in (:func:`normalizer.atomic.check_outside`);
    ``inside``: one it must stay in (:func:`normalizer.atomic.check_inside`)."""
    check_unchanged(source, before)
    return atomic_write(target, out, mode=mode, durable=durable, outside=outside, inside=inside)


def stream_normalize(
    path: str | os.PathLike[str],
    before: os.stat_result,
    *,
    errors: str,
    sink: Sink | None,
    on_piece: Callable[[Piece], None],
    piece_chars: int | None = None,
) -> Streamed:
    """Normalize a large file piece by piece (:func:`normalizer.stream.normalize_file`).

    Each piece's output goes straight to ``sink`` (when given) and is compared with the
    input bytes as it is made; ``on_piece`` sees every piece. The SHA-256 is of the
    bytes read during this pass. Raises :class:`normalizer.DecodeError` (before any
    piece under errors="strict") and :class:`normalizer.inputs.FileProblem` (unreadable, unwritable, or
    the file changed meanwhile). Memory is bounded by a piece, never the whole text.
    """
    import hashlib

    from . import stream

    digest = hashlib.sha256()
    same = True
    size = 0
    try:
        survey, pieces = stream.normalize_file(path, errors=errors, piece_chars=piece_chars or stream.PIECE_CHARS)
        with inputs.open_source(path) as inp:
            for piece in pieces:
                guard(piece.result)
                on_piece(piece)
                chunk = piece.result.text.encode("utf-8")
                size += len(chunk)
                if sink is not None:
                    sink.write(chunk)
                if same:
                    got = read_exact(inp, len(chunk))
                    digest.update(got)
                    same = got == chunk
                del piece, chunk
            while block := inp.read(READ_BLOCK):
                digest.update(block)
                same = False
    except OSError as err:  # write errors are FileProblems already: this one is a read error
        raise reading_problem(err) from err
    check_unchanged(path, before)
    return Streamed(survey, digest.hexdigest(), size, same)
