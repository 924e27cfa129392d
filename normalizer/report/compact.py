"""File records in the form a batch run moves them around: serialized once, summarized.

Why: a run of 1,866 ten-kilobyte articles made ~8 MB of records when they held their
per-file histograms of changes (``"協→协": 38``, ~450,000 pairs in all). Measured on that
corpus, the main process spent 0.31 s unpickling the records its workers returned,
0.15 s serializing them for report.json and as much again for every manifest save,
and 0.09 s merging the histograms into the run totals: more than the target time of
the whole run's bookkeeping. Now those histograms stay out of the records unless the
detail is ``full``: the run sums them unnamed (:mod:`normalizer.tally`, in the worker
per batch, then in the main process). And a worker splits each record (``Task.compact``) into

* its **line**: the record serialized once, compact UTF-8 JSON
  (:func:`record_json`). The manifest stores it as is, and report.json is these lines
  joined (:class:`JsonLines`, byte for byte what ``render_json`` makes of the
  records); a reused record's line only has ``"reused":false`` turned into ``true``
  (:func:`as_reused`);
* its **summary** (:func:`summary`): the record without the bulky detail nothing in
  the main process reads (``full`` detail's histograms and edit list, positions);
  enough for the run totals, the terminal and report.html.

The full records are parsed back from the lines only when someone asks for them
(``RunResult.records``), never by the command line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice, repeat
from operator import add
from typing import Any, NamedTuple

from ..compact_json import encode_bytes

Record = dict[str, Any]
Mappings = dict[str, dict[str, int]]

#: The keys every record starts with; :func:`as_reused` relies on "reused" coming after
#: nothing but these (string or null) values.
LEAD = ("path", "status", "reason", "reused")
#: What :func:`summary` leaves out: nothing in the main process reads it.
DETAIL = frozenset(("mappings", "replaced", "edits"))

_FALSE = b',"reused":false,'
_TRUE = b',"reused":true,'


def record_json(record: Mapping[str, Any]) -> bytes:
    """``record`` as one compact line of UTF-8 JSON, as report.json writes it.

    The keys in :data:`LEAD` come first (records are made that way; a record that is
    not is reordered), so that :func:`as_reused` finds "reused" unambiguously.
    """
    if tuple(islice(record, len(LEAD))) != LEAD:
        record = {**{k: record[k] for k in LEAD if k in record}, **record}
    return encode_bytes(record)


def as_reused(line: bytes) -> bytes:
    """The line of a record taken from the manifest: ``"reused"`` set to true.

    The first ``,"reused":false,`` of a :func:`record_json` line is the key itself:
    only the path, status and reason strings come before it, and inside a JSON
    string every ``"`` is escaped, so the sequence cannot occur there.
    """
    at = line.find(_FALSE)
    if at < 0:  # not made by record_json (or already reused): the slow, certain way
        record = json.loads(line)
        record["reused"] = True
        return record_json(record)
    return line[:at] + _TRUE + line[at + len(_FALSE) :]


def summary(record: Mapping[str, Any]) -> Record:
    """The record without :data:`DETAIL`, its annotation groups without positions."""
    out = {k: v for k, v in record.items() if k not in DETAIL}
    groups = out.get("annotations")
    if groups:
        out["annotations"] = [g[:3] for g in groups]
    return out


def merge_mappings(into: Mappings, part: Mapping[str, Mapping[str, int]]) -> None:
    """Add the histograms ``part`` (kind -> {pair: count}) to ``into``, in place.

    The addition runs in C (``map``/``zip`` over each histogram, whose keys are
    distinct): ~3x faster than ``Counter.update``, which loops in Python.
    """
    for kind, hist in part.items():
        total = into.get(kind)
        if total is None:
            into[kind] = dict(hist)
        else:
            total.update(zip(hist, map(add, map(total.get, hist, repeat(0)), hist.values())))


class JsonLines(NamedTuple):
    """report.json from its header (everything but "files") and its records' lines, kept as those
    parts: iterating gives its bytes in pieces of at most :data:`PIECE_LINES` lines, so that a large
    run's report is written without being joined in memory once more (~0.7 KB a file).

    Joined, the pieces are byte for byte ``render_json({**head, "files": records}).encode()`` when
    each line is ``record_json(record)``; the records are never rebuilt."""

    start: bytes  # everything before the first line
    lines: Sequence[bytes]

    @classmethod
    def of(cls, head: Mapping[str, Any], lines: Sequence[bytes]) -> JsonLines:
        text = json.dumps(dict(head), ensure_ascii=False, indent=1)[:-2]
        return cls((text + (',\n "files": [\n  ' if lines else ',\n "files": []\n}\n')).encode("utf-8"), lines)

    def __iter__(self) -> Iterator[bytes]:  # type: ignore[override]
        yield self.start
        if not self.lines:
            return
        for at in range(0, len(self.lines), PIECE_LINES):
            piece = b",\n  ".join(self.lines[at : at + PIECE_LINES])
            yield b",\n  " + piece if at else piece
        yield _END

    @property
    def size(self) -> int:
        """Its length in bytes."""
        n = len(self.lines)
        return len(self.start) + (sum(map(len, self.lines)) + 4 * (n - 1) + len(_END) if n else 0)


#: Lines joined per piece of :class:`JsonLines`.
PIECE_LINES = 1024
_END = b"\n ]\n}\n"
