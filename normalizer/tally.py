"""How often each change of one kind was made, kept as numbers until someone reads it by name.

A summary's histogram (``協→协``: 38) names every distinct pair as a string: ~240 pairs
per ten-kilobyte article. A batch run never reads a file's pairs by name: it adds them
up over the run, stores each file's in the manifest (so that a rerun reusing the file
still counts them), and names the total once, for report.json. So a :class:`PairTally`
keeps the one-character changes as numbers (``before << 21 | after``, sorted) with their
tallies, counted and summed in numpy (:func:`sum_tallies`); it is named
(:meth:`PairTally.named`) only when read, and stored as a few packed arrays
(:func:`pack_tallies`), not as JSON.

Changes that are not one character into one (``e\\u0301→é``, ``#xff1a;→：``) are rare
and kept by name, beside the arrays (``other``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .codepoints import as_array, as_text, np_module, run_starts

if TYPE_CHECKING:
    import numpy as np

SHIFT = 21  # a code point takes 21 bits: before << SHIFT | after is one uint64
ARROW = "→"
#: A tally's changes by name, ``before→after``: n (see :func:`normalizer.summary.mapping_key`).
Named = dict[str, int]


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class PairTally:
    """One kind's histogram of changes, compact.

    ``keys``: the one-character changes, ``before << 21 | after`` (uint64, sorted, distinct);
    ``counts``: how often each was made (int64); ``other``: the other changes by name,
    ``(name, n)`` sorted by name. Read-only arrays: a tally is immutable data.
    """

    keys: np.ndarray
    counts: np.ndarray
    other: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of_codes(cls, before: np.ndarray, after: np.ndarray) -> PairTally:
        """The tally of the changes ``before[i]`` → ``after[i]`` (code points), counted in numpy."""
        np = np_module()
        keys = (before.astype(np.uint64) << np.uint64(SHIFT)) | after.astype(np.uint64)
        keys.sort()
        return cls(*_runs(keys, None))

    @classmethod
    def of_pairs(cls, pairs: Mapping[tuple[str, str], int], other: Mapping[str, int] | None = None) -> PairTally:
        """The tally of one-character changes ``(before, after)``: n, and of ``other`` changes by name."""
        np = np_module()
        keys = np.fromiter(((ord(b) << SHIFT) | ord(a) for b, a in pairs), dtype=np.uint64, count=len(pairs))
        counts = np.fromiter(pairs.values(), dtype=np.int64, count=len(pairs))
        order = np.argsort(keys, kind="stable")
        return cls(_frozen(keys[order]), _frozen(counts[order]), tuple(sorted((other or {}).items())))

    @classmethod
    def of_named(cls, tally: Mapping[str, int]) -> PairTally:
        """The tally of a histogram by name (``{"協→协": 38}``)."""
        pairs = {}
        other = {}
        for name, n in tally.items():
            if len(name) == 3 and name[1] == ARROW:
                pairs[name[0], name[2]] = n
            else:
                other[name] = n
        return cls.of_pairs(pairs, other)

    def named(self) -> Named:
        """The histogram by name, most frequent first, then by name (the report's order)."""
        np = np_module()
        order = np.argsort(-self.counts, kind="stable")  # keys are sorted: ties stay in (before, after) order
        values = self.keys[order]
        text = np.zeros((len(values), 4), dtype=np.uint32)  # "協→协\0" per pair: one split names them all
        text[:, 0] = values >> np.uint64(SHIFT)
        text[:, 1] = ord(ARROW)
        text[:, 2] = values & np.uint64((1 << SHIFT) - 1)
        if text[:, 0].all() and text[:, 2].all():
            names = as_text(text.ravel()).split("\x00")
        else:  # a change to or from U+0000 (never made by the pipeline): the split would cut it
            names = [as_text(row[:3]) for row in text]
        named = dict(zip(names, self.counts[order].tolist()))
        if not self.other:
            return named
        merged = Counter(named)
        for name, n in self.other:  # a name made both ways counts once, as a list of edits would
            merged[name] += n
        return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))

    def total(self) -> int:
        """How many changes in all."""
        return int(self.counts.sum()) + sum(n for _, n in self.other)

    def __bool__(self) -> bool:
        return bool(len(self.keys) or self.other)


def _runs(keys: np.ndarray, counts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``keys`` (with ``counts`` each; None: one each) as distinct keys and summed counts."""
    np = np_module()
    at = run_starts(keys).nonzero()[0]
    if counts is None:  # each run's length: from its start to the next run's (or the end)
        summed = np.empty(len(at), dtype=np.int64)
        np.subtract(at[1:], at[:-1], out=summed[:-1])
        summed[-1:] = len(keys) - at[-1:]
    else:
        summed = np.add.reduceat(counts, at) if len(at) else counts[:0]
    return _frozen(keys.take(at)), _frozen(summed.astype(np.int64, copy=False))


def sum_tallies(parts: Iterable[Mapping[str, PairTally] | None]) -> dict[str, PairTally]:
    """Several histograms (kind → tally) added up, kind by kind."""
    by_kind: dict[str, list[PairTally]] = {}
    for part in parts:
        for kind, tally in (part or {}).items():
            by_kind.setdefault(kind, []).append(tally)
    return {kind: tallies[0] if len(tallies) == 1 else _sum(tallies) for kind, tallies in by_kind.items()}


def _sum(tallies: list[PairTally]) -> PairTally:
    np = np_module()
    keys = np.concatenate([t.keys for t in tallies])
    counts = np.concatenate([t.counts for t in tallies])
    order = np.argsort(keys, kind="stable")
    other: Counter[str] = Counter()
    for t in tallies:
        other.update(dict(t.other))
    return PairTally(*_runs(keys[order], counts[order]), tuple(sorted(other.items())))


class TallySum:
    """A running sum of many histograms (kind → tally), e.g. a run's: parts are added up in
    numpy once enough of them wait, so memory stays bounded however many files a run has."""

    FOLD_KEYS = 1 << 18  # pairs waiting before they are summed (1 << 20: a 30,000-file run peaked 35 MB higher)

    def __init__(self) -> None:
        self.parts: list[Mapping[str, PairTally]] = []
        self.waiting = 0

    def add(self, tallies: Mapping[str, PairTally]) -> None:
        self.parts.append(tallies)
        self.waiting += sum(len(t.keys) for t in tallies.values())
        if self.waiting > self.FOLD_KEYS:
            self.parts = [sum_tallies(self.parts)]
            self.waiting = sum(len(t.keys) for t in self.parts[0].values())

    def total(self) -> dict[str, PairTally]:
        return sum_tallies(self.parts)


def named_tallies(tallies: Mapping[str, PairTally]) -> dict[str, Named]:
    """Every kind's histogram by name, kinds sorted."""
    return {kind: tallies[kind].named() for kind in sorted(tallies)}


# --- stored form ------------------------------------------------------------------------
# b"P", head length (4 bytes, little-endian), head (JSON: per kind [kind, pairs, bytes of the
# pairs' text, counts' width, other changes]), then per kind the pairs as text, before and after
# interleaved in key order (國国發发…, UTF-8), and the counts in the narrowest of uint8/uint16/int64
# that holds them. Not compressed here: the manifest deflates it with the dictionary it learns
# from its first records and histograms (normalizer.record_pack), and files share long runs of
# the same sorted pairs, which that dictionary matches.

_FORM = b"P"
_WIDTHS = ("|u1", "<u2", "<i8")


def _narrowest(column: np.ndarray) -> str:
    low, high = (int(column.min()), int(column.max())) if len(column) else (0, 0)
    if 0 <= low and high < 1 << 16:
        return "|u1" if high < 1 << 8 else "<u2"
    return "<i8"


def pack_tallies(tallies: Mapping[str, PairTally]) -> bytes:
    """``tallies`` as bytes for the manifest (:func:`unpack_tallies` gives them back); empty for none."""
    if not tallies:
        return b""
    import json

    np = np_module()
    head = []
    parts = []
    for kind, tally in tallies.items():
        codes = np.empty((len(tally.keys), 2), dtype=np.uint32)
        codes[:, 0] = tally.keys >> np.uint64(SHIFT)
        codes[:, 1] = tally.keys & np.uint64((1 << SHIFT) - 1)
        text = as_text(codes.ravel()).encode("utf-8", "surrogatepass")
        width = _narrowest(tally.counts)
        parts += [text, tally.counts.astype(width).tobytes()]
        head.append([kind, len(tally.keys), len(text), width, [list(p) for p in tally.other]])
    text = json.dumps(head, separators=(",", ":")).encode("ascii")  # lone surrogates escaped: they come back
    return b"".join((_FORM, len(text).to_bytes(4, "little"), text, *parts))


def unpack_tallies(data: bytes) -> dict[str, PairTally]:
    """The tallies :func:`pack_tallies` stored (empty bytes: none)."""
    if not data:
        return {}
    if data[:1] != _FORM:
        raise ValueError("not packed tallies")
    import json

    np = np_module()
    at = 5 + int.from_bytes(data[1:5], "little")
    tallies = {}
    for kind, n, size, width, other in json.loads(data[5:at]):
        if width not in _WIDTHS:
            raise ValueError(f"not packed tallies: count width {width!r}")
        codes = as_array(data[at : at + size].decode("utf-8", "surrogatepass")).astype(np.uint64)
        at += size
        if len(codes) != 2 * n:
            raise ValueError("not packed tallies: pairs and counts disagree")
        counts = np.frombuffer(data, dtype=width, count=n, offset=at).astype(np.int64)
        at += n * np.dtype(width).itemsize
        keys = (codes[0::2] << np.uint64(SHIFT)) | codes[1::2]
        tallies[kind] = PairTally(_frozen(keys), _frozen(counts), tuple((name, c) for name, c in other))
    return tallies
