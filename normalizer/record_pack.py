"""How the manifest stores a report record small: mapping histograms by character, then zlib.

Most of a record is its ``mappings`` histogram (``"國→国":32,"發→发":22,…``, most
frequent first). Compressed one record at a time, that order (different in every file)
leaves zlib little to match; written instead as the sorted pairs (which files share in
long runs) then the counts in that order, with a dictionary learned from
the first records (:mod:`normalizer.manifest`), a record takes ~30% less. Only the
histogram is parsed; the rest of the line is kept as it is. Packing is exact for records
written by :mod:`normalizer.compact_json` (as all are): a record is stored in this form
only when its histograms are in the report's order, and as compressed JSON otherwise.
"""

from __future__ import annotations

import json
import zlib
from operator import add, itemgetter
from typing import Any

from .compact_json import encode

LEVEL = 6
_PLAIN, _SPLIT = b"J", b"M"
_KEY = '"mappings":'
_QUOTE = "\x1e"  # marks a histogram whose keys are not all one character → one character
_SEP = "\x1f"  # between such keys (neither is ever in JSON text unescaped)
_ARROW = "→"
_decoder = json.JSONDecoder()


def _histogram_line(kind: str, histogram: dict[str, Any]) -> str | None:
    """``kind<TAB>pairs<TAB>counts``, pairs sorted by key (``國→国``, ``發→发``: ``國国發发``); keys that
    are not one character → one character: ``kind<TAB><RS>keys joined by <US><TAB>counts``. None when the
    histogram is not in the report's order (by count, most first, then by key): it would not come back."""
    items = sorted(histogram.items())
    by_count = sorted(items, key=itemgetter(1), reverse=True)  # stable: ties stay by key
    if list(histogram.items()) != by_count or set(map(type, histogram.values())) - {int}:
        return None
    keys = [k for k, _ in items]
    joined = "".join(keys)
    if _QUOTE in joined or _SEP in joined or "\n" in joined or "\t" in joined or "\t" in kind or "\n" in kind:
        return None
    numbers = ",".join(map(str, map(itemgetter(1), items)))
    if set(map(len, keys)) <= {3} and joined[1::3] == _ARROW * len(keys):
        return f"{kind}\t{''.join(map(add, joined[0::3], joined[2::3]))}\t{numbers}"
    return f"{kind}\t{_QUOTE}{_SEP.join(keys)}\t{numbers}"


def _histograms(mappings: Any) -> str | None:
    """The histograms, a line each (:func:`_histogram_line`); None when they are not histograms."""
    if not isinstance(mappings, dict) or not all(isinstance(h, dict) for h in mappings.values()):
        return None
    lines = [_histogram_line(kind, histogram) for kind, histogram in mappings.items()]
    return None if None in lines else "\n".join(lines)  # type: ignore[arg-type]


def _mappings(lines: str) -> dict[str, dict[str, int]]:
    mappings = {}
    for line in lines.split("\n") if lines else ():
        kind, pairs_text, counts = line.split("\t")
        if pairs_text.startswith(_QUOTE):
            keys = pairs_text[1:].split(_SEP) if counts else []
        else:
            keys = list(map(_ARROW.join, zip(pairs_text[0::2], pairs_text[1::2])))
        pairs = list(zip(keys, map(int, counts.split(","))) if counts else [])
        pairs.sort(key=itemgetter(1), reverse=True)  # stable: by count, most first, then by key (the report's order)
        mappings[kind] = dict(pairs)
    return mappings


def _split(record: bytes) -> str | None:
    """Line one: the record before its histograms; two: after; then the histograms. None when unfit."""
    try:
        text = record.decode("utf-8")
        at = text.index(_KEY) + len(_KEY)
        mappings, end = _decoder.raw_decode(text, at)
    except ValueError:
        return None
    lines = _histograms(mappings)
    if lines is None or "\n" in text:
        return None  # would not come back as the same bytes
    # Records are written by compact_json.encode: the histograms, in the order checked, are written back the same.
    return f"{text[:at]}\n{text[end:]}\n{lines}"


def _join(split: str) -> bytes:
    before, after, lines = split.split("\n", 2)
    return (before + encode(_mappings(lines)) + after).encode("utf-8")


_primed: dict[bytes, Any] = {}  # a compressor that has taken in the dictionary, copied for each record


def _deflate(data: bytes, zdict: bytes) -> bytes:
    primed = _primed.get(zdict)
    if primed is None:  # taking in a 32 KB dictionary costs more than compressing a record
        _primed.clear()
        primed = _primed[zdict] = zlib.compressobj(LEVEL, zdict=zdict) if zdict else zlib.compressobj(LEVEL)
    packer = primed.copy()
    return packer.compress(data) + packer.flush()


def _inflate(data: bytes, zdict: bytes) -> bytes:
    return (zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()).decompress(data)


def pack(record: bytes, zdict: bytes) -> bytes:
    """``record`` (compact JSON) as the manifest stores it; :func:`unpack` gives it back byte for byte.

    The first byte says the form (``M`` split, ``J`` plain), in lower case when packed
    without a dictionary (``zdict`` empty: the records before one was learned).
    """
    split = _split(record)
    form, body = (_PLAIN, record) if split is None else (_SPLIT, split.encode("utf-8"))
    return (form if zdict else form.lower()) + _deflate(body, zdict)


def unpack(data: bytes, zdict: bytes) -> bytes:
    """The record :func:`pack` stored (``zdict``: the manifest's dictionary, used when the form says so)."""
    form = data[:1]
    body = _inflate(data[1:], zdict if form.isupper() else b"")
    return _join(body.decode("utf-8")) if form.upper() == _SPLIT else body


def pack_bytes(data: bytes, zdict: bytes) -> bytes:
    """Any ``data`` (a file's packed histograms) deflated with the manifest's dictionary, as :func:`pack`
    does a record's plain form; :func:`unpack_bytes` gives it back. Empty stays empty."""
    return (_PLAIN if zdict else _PLAIN.lower()) + _deflate(data, zdict) if data else b""


def unpack_bytes(data: bytes, zdict: bytes) -> bytes:
    """The bytes :func:`pack_bytes` stored."""
    return _inflate(data[1:], zdict if data[:1].isupper() else b"") if data else b""


def learning_text(record: bytes) -> bytes:
    """What of ``record`` the compression dictionary is learned from: its stored form, uncompressed."""
    split = _split(record)
    return record if split is None else split.encode("utf-8")
