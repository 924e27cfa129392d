"""Text as an array of code points, so per-character work runs in numpy, not in Python.

Counting script marks, comparing OpenCC's output with its input and counting
conversions are per-character jobs over megabytes of text; ``str.translate`` with a
dict table runs ~9 M characters/s, a Python ``map`` over pairs ~6 M, numpy ~200 M+.
numpy is imported on first use (the pre-commit hook on a clean file never needs it).

Strings are encoded as UTF-32 with ``surrogatepass``: decoded input keeps undecodable
bytes as lone surrogates (U+DC80–U+DCFF), and those must survive the round trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

UNICODE_SIZE = 0x110000
#: The characters ``str.splitlines`` ends a line at (CR LF together ends one line).
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@cache  # an import statement per call costs ~5 times the cache's lookup, on ~10 calls per document
def np_module():
    import numpy

    return numpy


def as_array(text: str) -> np.ndarray:
    """The code points of ``text`` (read-only uint32 view, no copy of the encoded bytes).

    The last text's array is kept: the script stage and the OpenCC stage ask for the
    same text's (the same object, when no annotation was removed between them)."""
    global _last
    last = _last
    if last[0] is text:
        return last[1]
    np = np_module()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    _last = (text, codes)  # one tuple, swapped whole: safe to read from any thread
    return codes


_last: tuple[str | None, np.ndarray | None] = (None, None)


def as_text(codes: np.ndarray) -> str:
    """The inverse of :func:`as_array`."""
    np = np_module()
    return np.ascontiguousarray(codes, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """For a sorted 1-d array, True where a run of equal values begins (each value's first)."""
    np = np_module()
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``numpy.unique(values)`` of a 1-d array (sorted, each value once), without its first
    call's import of ``numpy.ma`` (~10 ms a process: the hook on a noisy file, each worker)."""
    ordered = np_module().sort(values)
    return ordered[run_starts(ordered)]


def lookup_table(groups: Iterable[tuple[Iterable[str], int]]) -> np.ndarray:
    """A uint8 table over every code point: ``table[ord(c)] == value`` for each
    ``(chars, value)`` group (later groups win), 0 elsewhere. 1.1 MB; index it with
    :func:`as_array` output to classify a whole text at once."""
    np = np_module()
    table = np.zeros(UNICODE_SIZE, dtype=np.uint8)
    for chars, value in groups:
        codes = np.fromiter((ord(c) for c in chars), dtype=np.int64)
        table[codes] = value
    return table


@cache
def cached_table(name: str, groups: tuple[tuple[frozenset[str], int], ...]) -> np.ndarray:
    """:func:`lookup_table`, built once per process per ``name``."""
    return lookup_table(groups)


def line_ends(text: str) -> list[int]:
    """Offsets where each line of ``text`` ends (after its terminator), as ``str.splitlines``
    (keepends) cuts it; the last entry is ``len(text)`` unless the text is empty."""
    return list(accumulate(map(len, text.splitlines(keepends=True))))
